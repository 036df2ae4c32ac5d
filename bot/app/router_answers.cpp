// The router's answers: what it says for committed events, the answers the store owes (the
// outbox) settled once delivered, and those no one is sending sent again.
#include <spdlog/spdlog.h>

#include "bot/app/router.hpp"
#include "bot/render/render.hpp"

namespace scribe::app {
namespace {

// Owed answers read per look; the rest wait for the next.
constexpr std::size_t owed_per_look = 100;
// How often this process tries to deliver one answer before leaving it to the next start.
constexpr int delivery_tries = 5;
// An answer owed longer than this is given up: it would come too late to help anyone.
constexpr auto owed_patience = std::chrono::hours(24);

bool same_source(const model::source_key& a, const model::source_key& b) {
    return a.platform == b.platform && a.channel == b.channel && a.message_id == b.message_id;
}

// A reminder goes to every room of its incident, answering no message; `key` names it.
std::vector<adapters::outbound_reply> reminder_replies(const model::incident& state,
                                                       const std::string& key,
                                                       const std::string& text) {
    std::vector<model::source_key> rooms{state.channel};
    rooms.insert(rooms.end(), state.linked_rooms.begin(), state.linked_rooms.end());
    std::vector<adapters::outbound_reply> replies;
    for (const auto& room : rooms) {
        adapters::outbound_reply reply;
        reply.platform = room.platform;
        reply.channel = room.channel;
        reply.key = key;
        reply.text = text;
        replies.push_back(std::move(reply));
    }
    return replies;
}

}  // namespace

void router::confirm(answer& a, const model::event& e, const model::incident& after) const {
    if (const auto* declared = std::get_if<model::payload::declared>(&e.data)) {
        a.declaration = {e.incident_id, declared->title};
    }
    if (!a.text.empty()) a.text += "\n";
    a.text += commands::confirmation(e, after, options_.zone, options_.prefix);
    if (const auto* status = std::get_if<model::payload::status_changed>(&e.data);
        status && status->to == model::phase::closed) {
        try {
            a.files.push_back(postmortem_file(after));
            a.files.push_back(agenda_file(after));
            a.text += "\n" + render::metrics_line(after);
        } catch (const std::exception& ex) {
            spdlog::error("could not render incident {}: {}", after.id, ex.what());
            a.text += "\nThe draft could not be rendered: " + std::string(ex.what());
        }
    }
}

std::string router::cause_of(const pending& item) {
    if (const auto* pin = std::get_if<pin_work>(&item.what)) return pin->request.event_id;
    if (std::holds_alternative<reminder_work>(item.what)) return {};
    return item.message.source.message_id;
}

store::owed_answer router::owed_for(const pending& item, const model::event& first,
                                    const std::vector<std::string>& notes) const {
    store::owed_answer owed;
    owed.answers = first.source;
    owed.answers.part = 0;
    if (!std::holds_alternative<reminder_work>(item.what)) {
        owed.reply_to = item.message.source.message_id;
    }
    owed.cause = cause_of(item);
    owed.thread = item.message.thread;
    for (const auto& note : notes) {
        if (!owed.notes.empty()) owed.notes += "\n";
        owed.notes += note;
    }
    owed.owner = answerer_;
    return owed;
}

std::function<void(bool)> router::settler(std::int64_t id, std::size_t count) {
    struct tally {
        std::size_t left;
        bool delivered = true;
    };
    auto parts = std::make_shared<tally>(tally{count});
    return [this, id, parts](bool delivered) {
        post_([this, id, parts, delivered] {
            parts->delivered = parts->delivered && delivered;
            if (--parts->left == 0) on_settled(id, parts->delivered);
        });
    };
}

void router::mark_answering(std::int64_t id, bool sending) {
    if (sending) {
        answering_.insert(id);
    } else {
        answering_.erase(id);
    }
    unsettled_ = answering_.size();
}

void router::on_settled(std::int64_t id, bool delivered) {
    mark_answering(id, false);
    if (!delivered) {
        // The next look at what is owed sends it again, a few times: a platform that keeps
        // refusing it (the channel gone) is not asked every few seconds for a day.
        if (++failed_deliveries_[id] < delivery_tries) {
            retry_.insert(id);
        } else {
            spdlog::warn(
                "answer {} could not be delivered in {} tries; it is left owed for the "
                "next start",
                id, delivery_tries);
            retry_.erase(id);
            failed_deliveries_.erase(id);
        }
        return;
    }
    retry_.erase(id);
    failed_deliveries_.erase(id);
    store_.settle_answers({id}, [id](store::append_result result) {
        // Still owed in the store: sent again by the next process, where the platform can tell.
        if (!result.ok()) {
            spdlog::warn("answer {} was sent but could not be marked so: {}", id, result.error);
        }
    });
}

void router::answer_owed(std::set<std::string> reachable, model::timestamp now,
                         std::function<void()> done) {
    read_([this, reachable = std::move(reachable), now, retry = retry_,
           done = std::move(done)]() mutable {
        auto found = read_owed(reachable, now, retry);
        post_([this, found = std::move(found), done = std::move(done)] {
            if (!found.error.empty()) {
                spdlog::error("could not read the answers owed: {}", found.error);
            }
            if (!found.expired.empty()) {
                spdlog::warn("{} answer(s) owed for more than a day given up",
                             found.expired.size());
                store_.settle_answers(found.expired, [](store::append_result) {});
            }
            for (const auto& owed : found.due) {
                // Being sent by now, or settled since the read.
                if (answering_.contains(owed.id)) continue;
                if (owed.answer.owner == answerer_ && !retry_.contains(owed.id)) continue;
                const auto events = found.events.find(owed.incident_id);
                if (events != found.events.end()) resend(owed, events->second);
            }
            done();
        });
    });
}

router::owed_reads router::read_owed(const std::set<std::string>& reachable, model::timestamp now,
                                     const std::set<std::int64_t>& retry) {
    owed_reads found;
    try {
        // Given up first, on every platform: one this process does not serve may never come.
        for (const auto& owed : store_.unsent_answers({owed_per_look, {}, now - owed_patience})) {
            spdlog::warn("giving up the answer to message {} in {} channel {}, owed since {}",
                         owed.answer.reply_to, owed.answer.answers.platform,
                         owed.answer.answers.channel, model::format_utc(owed.owed_since));
            found.expired.push_back(owed.id);
        }
        // Per platform, so that one whose answers wait does not hold up the others.
        for (const auto& platform : reachable) {
            for (auto& owed : store_.unsent_answers({owed_per_look, platform, {}})) {
                if (owed.owed_since < now - owed_patience) continue;
                // This process's own are being sent, unless their delivery failed.
                if (owed.answer.owner == answerer_ && !retry.contains(owed.id)) continue;
                if (!found.events.contains(owed.incident_id)) {
                    found.events[owed.incident_id] = store_.load_incident(owed.incident_id);
                }
                found.due.push_back(std::move(owed));
            }
        }
    } catch (const std::exception& e) {
        found.error = e.what();
    }
    return found;
}

void router::resend(const store::unsent_answer& owed, const std::vector<model::event>& events) {
    model::incident state;
    answer said;
    bool reminder = false;
    for (const auto& e : events) {
        model::apply(state, e);
        if (!same_source(e.source, owed.answer.answers)) continue;
        reminder = reminder || std::holds_alternative<model::payload::reminder_sent>(e.data);
        confirm(said, e, state);
    }
    if (said.text.empty()) {
        spdlog::warn("answer {} is owed for events that are not in incident {}; given up", owed.id,
                     owed.incident_id);
        on_settled(owed.id, true);
        return;
    }
    if (!owed.answer.notes.empty()) said.text += "\n" + owed.answer.notes;
    spdlog::info("sending the answer to {} in {} channel {} again, owed since {}",
                 reminder ? owed.answer.answers.message_id : owed.answer.reply_to,
                 owed.answer.answers.platform, owed.answer.answers.channel,
                 model::format_utc(owed.owed_since));
    std::vector<adapters::outbound_reply> replies;
    if (reminder) {
        replies = reminder_replies(state, owed.answer.answers.message_id, said.text);
    } else {
        adapters::outbound_reply reply;
        reply.platform = owed.answer.answers.platform;
        reply.channel = owed.answer.answers.channel;
        reply.in_reply_to = owed.answer.reply_to;
        reply.cause = owed.answer.cause;
        reply.thread = owed.answer.thread;
        reply.text = std::move(said.text);
        reply.files = std::move(said.files);
        reply.recorded = true;
        replies.push_back(std::move(reply));
    }
    mark_answering(owed.id, true);
    retry_.erase(owed.id);
    auto settled = settler(owed.id, replies.size());
    for (auto& reply : replies) {
        reply.resend = true;
        reply.settled = settled;
        if (options_.announce) {
            options_.announce(std::move(reply));
        } else {
            settled(false);
        }
    }
}

void router::send(const pending& item, std::string text, std::vector<adapters::attachment> files,
                  bool recorded, const std::pair<std::int64_t, std::string>& declaration,
                  bool replaces_earlier, std::int64_t answer_id) {
    if (text.empty() && files.empty()) {
        // Redelivered, while its first delivery's answer is owed: sent by the next look at
        // what is owed, unless this process is sending it now.
        if (answer_id != 0 && !answering_.contains(answer_id)) retry_.insert(answer_id);
        return;
    }
    if (!item.reply) return;
    if (answer_id != 0) mark_answering(answer_id, true);
    if (const auto* reminder = std::get_if<reminder_work>(&item.what)) {
        // Held: the reminder's event was just applied to it.
        const auto state = cached(reminder->incident_id);
        if (!state) return;
        auto replies = reminder_replies(*state, item.message.source.message_id, text);
        auto settled = settler(answer_id, replies.size());
        for (auto& reply : replies) {
            if (answer_id != 0) reply.settled = settled;
            item.reply(std::move(reply));
        }
        return;
    }
    const auto took = std::chrono::steady_clock::now() - item.arrived;
    count([&](router_stats& s) { s.reply_latency[item.message.source.platform].observe(took); });
    adapters::outbound_reply reply;
    reply.platform = item.message.source.platform;
    reply.channel = item.message.source.channel;
    reply.in_reply_to = item.message.source.message_id;
    reply.cause = cause_of(item);
    reply.text = std::move(text);
    reply.files = std::move(files);
    reply.recorded = recorded;
    reply.declared_incident = declaration.first;
    reply.declared_title = declaration.second;
    reply.replaces_earlier = replaces_earlier;
    if (answer_id != 0) reply.settled = settler(answer_id, 1);
    item.reply(std::move(reply));
}

}  // namespace scribe::app
