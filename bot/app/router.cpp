// Routing messages, pins and edits to commands and the store, one channel at a time.
#include "bot/app/router.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "bot/app/logging.hpp"
#include "bot/model/overloaded.hpp"
#include "bot/model/text.hpp"
#include "bot/render/render.hpp"

namespace scribe::app {
namespace {

std::string channel_key_of(const model::source_key& source) {
    return source.platform + '\x1f' + source.channel;
}

// When a message was sent, by the platform's stamp; a stamp missing, or ahead of our clock,
// gives way to when it was received.
model::timestamp sent_time(model::timestamp stamped, model::timestamp received) {
    return stamped == model::timestamp{} || stamped > received ? received : stamped;
}

std::string error_text(const commands::parse_error& error) {
    return "Sorry: " + error.message + ".\n" + error.usage;
}

model::event make_event(std::int64_t incident_id, model::timestamp occurred,
                        model::timestamp recorded, const model::person& actor,
                        model::source_key source, model::event_payload data) {
    model::event e;
    e.incident_id = incident_id;
    e.occurred_at = occurred;
    e.recorded_at = recorded;
    e.actor = actor;
    e.source = std::move(source);
    e.data = std::move(data);
    return e;
}

// The first live pin for which `matches(entry)` holds, if any.
template <class Matches>
const model::timeline_entry* live_pin_where(const model::incident& state, Matches matches) {
    for (const auto& entry : state.timeline) {
        if (entry.kind == model::timeline_kind::pinned && !entry.retracted && matches(entry)) {
            return &entry;
        }
    }
    return nullptr;
}

// The live entry a pinned message became, if any.
const model::timeline_entry* live_pin(const model::incident& state, const std::string& message_id) {
    return live_pin_where(state, [&](const model::timeline_entry& entry) {
        return entry.origin_message == message_id;
    });
}

// The live pin made by the reaction with this id (plan_pin keys pins "pin:<message>:<reaction>").
const model::timeline_entry* pin_made_by(const model::incident& state,
                                         const std::string& reaction_id) {
    if (reaction_id.empty()) return nullptr;
    const std::string suffix = ":" + reaction_id;
    return live_pin_where(state, [&](const model::timeline_entry& entry) {
        const auto& key = entry.source.message_id;
        return key.starts_with("pin:") && key.ends_with(suffix);
    });
}

// Unique among the processes that share a store, so each knows the answers it owes itself.
std::string new_answerer() {
    std::random_device entropy;
    char id[48];
    std::snprintf(id, sizeof id, "%08x%08x-%d", entropy(), entropy(), static_cast<int>(::getpid()));
    return id;
}

}  // namespace

router::router(store::event_store& store, router_options options, executor post, executor read)
    : store_(store),
      options_(std::move(options)),
      post_(std::move(post)),
      read_(read ? std::move(read) : post_),
      answerer_(new_answerer()) {}

void router::handle(adapters::inbound_message message, reply_sink reply, done_callback done) {
    message.text = model::without_control_characters(message.text);
    // "Now" in a message is when it was sent: typed while Scribe was down, or delivered late,
    // it keeps its own time.
    message.sent_at = sent_time(message.sent_at, options_.clock());
    commands::parse_context context;
    context.now = message.sent_at;
    if (const auto hint = options_.pin_hints.find(message.source.platform);
        hint != options_.pin_hints.end()) {
        context.pin_hint = hint->second;
    }
    context.zone = options_.zone;
    context.prefix = options_.prefix;
    context.platform = message.source.platform;
    context.max_text = options_.max_text;
    context.default_severity = options_.default_severity;
    context.resolve_mention = [&mentions = message.mentions](std::string_view mention) {
        const auto it = mentions.find(mention);
        return it == mentions.end() ? std::nullopt : std::optional(it->second);
    };
    auto parsed = commands::parse(message.text, context);
    if (!parsed) {
        if (done) done(adapters::delivery_result::handled);
        return;
    }
    // Errors wait their turn too, so a channel's replies come in the order of its messages.
    enqueue({std::move(message), std::move(*parsed), std::move(reply), std::move(done)});
}

void router::pin(adapters::pin_request request, reply_sink reply, done_callback done) {
    request.pinned.text = model::without_control_characters(request.pinned.text);
    request.pinned.sent_at = sent_time(request.pinned.sent_at, options_.clock());
    auto origin = request.pinned;
    enqueue({std::move(origin), pin_work{std::move(request), false}, std::move(reply),
             std::move(done)});
}

void router::unpin(adapters::pin_request request, reply_sink reply, done_callback done) {
    auto origin = request.pinned;
    enqueue({std::move(origin), pin_work{std::move(request), true}, std::move(reply),
             std::move(done)});
}

void router::message_changed(adapters::message_change change, reply_sink reply,
                             done_callback done) {
    change.new_text = model::without_control_characters(change.new_text);
    change.at = sent_time(change.at, options_.clock());
    adapters::inbound_message origin;
    origin.author = change.by;
    origin.source = change.message;
    origin.sent_at = change.at;
    enqueue({std::move(origin), std::move(change), std::move(reply), std::move(done)});
}

void router::link_room(adapters::room_link link, reply_sink reply, done_callback done) {
    adapters::inbound_message origin;
    origin.author = link.by;
    origin.source = link.room;
    origin.sent_at = sent_time(link.at, options_.clock());
    enqueue({std::move(origin), std::move(link), std::move(reply), std::move(done)});
}

router_stats router::stats() const {
    std::lock_guard lock(stats_mutex_);
    return stats_;
}

void router::enqueue(pending item) {
    const std::string key = channel_key_of(item.message.source);
    item.arrived = std::chrono::steady_clock::now();
    ++in_flight_;
    channel_state& channel = channels_[key];
    channel.queue.push_back(std::move(item));
    if (!channel.busy) process_next(key);
}

void router::load_channel(channel_state& channel, const model::source_key& where,
                          const pending& item) {
    // Another room linked to the same incident may have closed, reopened or unlinked it.
    if (channel.loaded) {
        const model::source_key room{where.platform, where.channel, {}, 0};
        const auto open = channel.open ? known(*channel.open, item) : nullptr;
        const auto latest = channel.latest ? known(*channel.latest, item) : nullptr;
        const bool stale = (open && (!open->is_open() || !open->serves(room))) ||
                           (!open && latest && latest->is_open()) ||
                           (latest && !latest->serves(room));
        if (!stale) return;
        channel.loaded = false;
    }
    missing_.channel = where;
}

router::incident_ptr router::cached(std::int64_t id) {
    const auto* held = incidents_.find(id);
    if (!held) return nullptr;
    auto state = *held;
    incidents_.touch(id);
    return state;
}

router::incident_ptr router::known(std::int64_t id, const pending& item) {
    if (auto state = cached(id)) return state;
    if (!item.absent.contains(id)) missing_.incidents.insert(id);
    return nullptr;
}

void router::read_then(missing_reads wanted, std::function<void(store_reads)> then) {
    read_([this, wanted = std::move(wanted), then = std::move(then)] {
        auto found = read_store(wanted);
        post_([found = std::move(found), then]() mutable { then(std::move(found)); });
    });
}

router::store_reads router::read_store(const missing_reads& wanted) {
    store_reads found;
    try {
        auto ids = wanted.incidents;
        if (wanted.channel) {
            // The room's incidents are read with it: the plan will want them next.
            found.channel_read = true;
            found.open = store_.open_incident_in(*wanted.channel);
            found.latest = store_.latest_incident_in(*wanted.channel);
            for (const auto& id : {found.open, found.latest}) {
                if (id) ids.insert(*id);
            }
        }
        for (const auto id : ids) {
            auto events = store_.load_incident(id);
            if (events.empty()) {
                found.absent.insert(id);
            } else {
                found.incidents.push_back(std::make_shared<model::incident>(model::fold(events)));
            }
        }
        if (wanted.incident_rows) found.incident_rows = store_.list_incidents(false);
        if (wanted.action_rows) found.action_rows = store_.list_actions(true);
    } catch (const std::exception& e) {
        found.error = e.what();
    }
    return found;
}

void router::install(store_reads& found, channel_state* channel, pending* item) {
    for (auto& state : found.incidents) {
        // Another channel's commit may have brought the held state further meanwhile.
        const auto id = state->id;
        const auto* held = incidents_.find(id);
        if (held && (*held)->last_sequence >= state->last_sequence) continue;
        incidents_.insert_or_assign(id, std::move(state));
    }
    if (channel && found.channel_read) {
        channel->open = found.open;
        channel->latest = found.latest;
        channel->loaded = true;
    }
    if (item) {
        item->absent.insert(found.absent.begin(), found.absent.end());
        if (found.incident_rows) item->incident_rows = std::move(found.incident_rows);
        if (found.action_rows) item->action_rows = std::move(found.action_rows);
    }
}

void router::process_next(const std::string& key) {
    channel_state& channel = channels_[key];
    if (channel.queue.empty()) {
        channel.busy = false;
        return;
    }
    channel.busy = true;
    plan_front(key, channel);
}

void router::plan_front(const std::string& key, channel_state& channel,
                        const std::string& read_failure) {
    // A plan that still misses something after this many reads meets a store that keeps
    // changing under it (another writer, evictions): it is answered instead of read forever.
    constexpr int max_reads = 3;
    pending& front = channel.queue.front();
    log_scope scope(front.message.source.platform, front.message.source.channel);
    outcome planned;
    std::string failure = read_failure;
    missing_ = {};
    if (failure.empty()) {
        try {
            load_channel(channel, front.message.source, front);
            planned = std::visit(
                model::overloaded{
                    [&](const commands::parse_result& parsed) {
                        if (const auto* error = std::get_if<commands::parse_error>(&parsed)) {
                            return outcome{{}, error_text(*error), {}};
                        }
                        return plan_command(front, std::get<commands::command>(parsed), channel);
                    },
                    [&](const pin_work& pin) { return plan_pin(front, pin, channel); },
                    [&](const adapters::message_change& change) {
                        return plan_change(front, change, channel);
                    },
                    [&](const reminder_work& reminder) { return plan_reminder(front, reminder); },
                    [&](const adapters::room_link& link) { return plan_link(front, link); },
                },
                front.what);
        } catch (const std::exception& e) {
            failure = e.what();
        }
        if (!missing_.empty()) {
            if (front.reads++ < max_reads) {
                read_then(std::exchange(missing_, {}), [this, key](store_reads found) {
                    channel_state& again = channels_[key];
                    install(found, &again, &again.queue.front());
                    plan_front(key, again, found.error);
                });
                return;
            }
            failure = "what it read kept changing";
        }
    }
    if (!failure.empty()) {
        spdlog::error("could not read the store for channel {}: {}", front.message.source.channel,
                      failure);
        planned = {{}, "Sorry: the incident store could not be read; nothing was recorded.", {}};
    }
    pending item = std::move(channel.queue.front());
    channel.queue.pop_front();
    if (planned.events.empty()) {
        if (!planned.reply.empty() || !planned.files.empty()) {
            send(item, std::move(planned.reply), std::move(planned.files));
        }
        finish(key, item, adapters::delivery_result::handled);
        return;
    }
    for (std::size_t part = 0; part < planned.events.size(); ++part) {
        planned.events[part].source.part = static_cast<int>(part);
    }
    // Edits and deletions owe nothing: they add nothing to the channel.
    std::optional<store::owed_answer> owed;
    if (!std::holds_alternative<adapters::message_change>(item.what) && item.reply) {
        owed = owed_for(item, planned.events.front(), planned.notes);
    }
    auto events = planned.events;
    const auto appended = std::chrono::steady_clock::now();
    auto committed = [this, key, item = std::move(item), events = std::move(events),
                      notes = planned.notes, appended](store::append_result result) mutable {
        const auto took = std::chrono::steady_clock::now() - appended;
        post_([this, key, item = std::move(item), events = std::move(events),
               notes = std::move(notes), result = std::move(result), took]() mutable {
            count([&](router_stats& s) { s.commit_latency.observe(took); });
            on_committed(key, std::move(item), std::move(events), std::move(notes),
                         std::move(result));
        });
    };
    if (owed) {
        store_.append_owing(std::move(planned.events), std::move(*owed), std::move(committed));
    } else {
        store_.append(std::move(planned.events), std::move(committed));
    }
}

void router::finish(const std::string& key, const pending& item,
                    adapters::delivery_result result) {
    if (item.done) item.done(result);
    if (std::holds_alternative<reminder_work>(item.what)) {
        reminding_.erase(item.message.source.message_id);
    }
    --in_flight_;
    process_next(key);
}

router::outcome router::plan_command(const pending& item, const commands::command& command,
                                     const channel_state& channel) {
    commands::message_context context{item.message.author, item.message.source,
                                      item.message.sent_at, options_.prefix, options_.clock(),
                                      options_.zone};
    const auto named = commands::named_incident(command);
    // Held here, so the plan reads them even if the cache forgets them meanwhile.
    const auto open = channel.open ? known(*channel.open, item) : nullptr;
    const auto latest = channel.latest ? known(*channel.latest, item) : nullptr;
    const auto named_state = named != 0 ? known(named, item) : nullptr;
    const commands::channel_incidents incidents{open.get(), latest.get(), named_state.get()};
    auto planned = commands::plan_command(command, context, incidents);
    if (const auto* error = std::get_if<commands::parse_error>(&planned)) {
        return {{}, error_text(*error), {}, {}};
    }
    auto& plan = std::get<commands::plan>(planned);
    if (!plan.reply.empty()) return {{}, plan.reply, {}, {}};
    if (plan.show) return show(item, *plan.show);
    if (plan.list_incidents) return {{}, list_incidents(item), {}, {}};
    if (plan.list_actions) return {{}, list_actions(item), {}, {}};
    return {std::move(plan.events), {}, {}, std::move(plan.notes)};
}

router::outcome router::plan_pin(const pending& item, const pin_work& pin,
                                 const channel_state& channel) {
    const auto& request = pin.request;
    const auto open = channel.open ? known(*channel.open, item) : nullptr;
    if (!open) {
        spdlog::debug("pin in channel {} ignored: no open incident", item.message.source.channel);
        return {};
    }
    const auto& message_id = request.pinned.source.message_id;
    const model::timeline_entry* existing = live_pin(*open, message_id);
    model::source_key source = request.pinned.source;
    source.message_id = (pin.remove ? "unpin:" : "pin:") + message_id + ":" + request.event_id;
    const auto now = options_.clock();
    if (pin.remove) {
        if (!existing) return {};
        return {{make_event(open->id, now, now, request.pinned_by, std::move(source),
                            model::payload::entry_retracted{existing->number})},
                {},
                {}};
    }
    if (existing) return {};  // pinned twice (two people, or two reactions): one entry
    model::payload::entry_added added{model::entry_type::pinned,
                                      request.pinned.text,
                                      request.pinned.author,
                                      {},
                                      request.permalink,
                                      message_id};
    if (added.text.size() > options_.max_text) added.text.resize(options_.max_text);
    return {{make_event(open->id, request.pinned.sent_at, now, request.pinned_by,
                        std::move(source), std::move(added))},
            {},
            {}};
}

void router::remind(model::timestamp now, bool post_due, next_reminder_callback next) {
    read_([this, now, post_due, next = std::move(next)] {
        std::vector<store::incident_summary> open;
        std::string error;
        try {
            open = store_.list_incidents(true);
        } catch (const std::exception& e) {
            error = e.what();
        }
        post_([this, now, post_due, next, open = std::move(open), error] {
            if (!error.empty()) {
                spdlog::error("could not read the open incidents for reminders: {}", error);
                next(now + std::chrono::minutes(1));
                return;
            }
            remind_open(now, post_due, open, true, next);
        });
    });
}

void router::remind_open(model::timestamp now, bool post_due,
                         std::vector<store::incident_summary> open, bool read_missing,
                         next_reminder_callback next) {
    count([&](router_stats& s) { s.open_incidents = static_cast<std::int64_t>(open.size()); });
    missing_reads wanted;
    for (const auto& summary : open) {
        if (!incidents_.find(summary.id)) wanted.incidents.insert(summary.id);
    }
    if (read_missing && !wanted.incidents.empty()) {
        read_then(std::move(wanted), [this, now, post_due, open = std::move(open),
                                      next = std::move(next)](store_reads found) mutable {
            install(found, nullptr, nullptr);
            if (!found.error.empty()) {
                spdlog::error("could not read open incidents for reminders: {}", found.error);
            }
            remind_open(now, post_due, std::move(open), false, std::move(next));
        });
        return;
    }
    std::optional<model::timestamp> soonest;
    for (const auto& summary : open) {
        const auto state = cached(summary.id);
        if (!state) continue;
        const auto due = model::next_reminder(*state, options_.reminders);
        if (!due) continue;
        if (due->due > now || !post_due) {
            if (!soonest || due->due < *soonest) soonest = std::max(due->due, now);
            continue;
        }
        // The id is the incident's and the due time's, so the store keeps one per due time.
        const std::string id = "reminder:" + std::to_string(state->id) + ":" +
                               std::string(model::to_string(due->kind)) + ":" +
                               std::to_string(due->due.time_since_epoch().count());
        if (!reminding_.insert(id).second) continue;
        adapters::inbound_message origin;
        origin.author = {"scribe", "scribe", "Scribe"};
        origin.source = {state->channel.platform, state->channel.channel, id, 0};
        origin.sent_at = now;
        auto announce = options_.announce;
        enqueue({std::move(origin), reminder_work{state->id, *due},
                 [announce](adapters::outbound_reply r) {
                     if (announce) announce(std::move(r));
                 },
                 {}});
    }
    next(soonest);
}

router::outcome router::plan_reminder(const pending& item, const reminder_work& reminder) {
    const auto state = known(reminder.incident_id, item);
    const auto due = state ? model::next_reminder(*state, options_.reminders) : std::nullopt;
    // Something may have happened since it was queued: a SitRep, a resolve, `!remind off`.
    if (!due || due->kind != reminder.due.kind || due->due != reminder.due.due) return {};
    const auto now = options_.clock();
    return {{make_event(reminder.incident_id, now, now, item.message.author, item.message.source,
                        model::payload::reminder_sent{due->kind, due->due})},
            {},
            {}};
}

router::outcome router::plan_change(const pending& item, const adapters::message_change& change,
                                    const channel_state& channel) {
    const auto open = channel.open ? known(*channel.open, item) : nullptr;
    if (!open) return {};
    const auto& message_id = change.message.message_id;
    const auto now = options_.clock();
    model::source_key source = change.message;
    source.message_id = (change.deleted ? "delete:" : "edit:") + message_id + ":" + change.change_id;

    // The new text, as the entries of a typed command would read it.
    std::optional<std::string> typed_text;
    if (!change.deleted) {
        commands::parse_context context;
        context.now = now;
        context.zone = options_.zone;
        context.prefix = options_.prefix;
        context.platform = change.message.platform;
        context.max_text = options_.max_text;
        if (auto parsed = commands::parse(change.new_text, context)) {
            if (const auto* command = std::get_if<commands::command>(&*parsed)) {
                typed_text = commands::recorded_text(*command);
            }
        }
    }
    std::vector<model::event> events;
    auto update = [&](const model::recorded_item& item_recorded, const std::string& text) {
        if (change.deleted) {
            if (model::is_retractable(*open, item_recorded.number)) {
                events.push_back(make_event(open->id, change.at, now, change.by, source,
                                            model::payload::entry_retracted{item_recorded.number}));
            }
        } else if (model::is_editable(*open, item_recorded.number)) {
            events.push_back(make_event(open->id, change.at, now, change.by, source,
                                        model::payload::entry_edited{item_recorded.number, text}));
        }
    };
    for (auto number = open->last_sequence; number > 0; --number) {
        const model::recorded_item* recorded = open->find(number);
        if (!recorded || recorded->retracted) continue;
        if (recorded->source.channel == change.message.channel &&
            recorded->source.message_id == message_id && (change.deleted || typed_text)) {
            update(*recorded, typed_text.value_or(std::string()));
        }
    }
    if (const model::timeline_entry* pinned = live_pin(*open, message_id)) {
        std::string text = change.new_text;
        if (text.size() > options_.max_text) text.resize(options_.max_text);
        if (change.deleted || text != pinned->text) update(*pinned, text);
    }
    // Deleting the reaction that pinned a message unpins it (Matrix redacts reactions; an
    // adapter that restarted no longer knows the id was a reaction, but the pin's key does).
    if (change.deleted) {
        if (const model::timeline_entry* pinned = pin_made_by(*open, message_id)) {
            update(*pinned, {});
        }
    }
    if (events.empty()) {
        spdlog::debug("change of message {} in channel {} touches no entry", message_id,
                      item.message.source.channel);
    }
    return {std::move(events), {}, {}};
}

router::incident_ptr router::advance(const model::event& e) {
    auto state = cached(e.incident_id);
    if (state && state->last_sequence + 1 == e.sequence) model::apply(*state, e);
    return state;
}

std::set<std::int64_t> router::behind(const std::vector<model::event>& events,
                                      const store::append_result& result) {
    std::set<std::int64_t> stale;
    std::map<std::int64_t, std::int64_t> last;  // the sequence each incident is at, as applied
    for (std::size_t i = 0; i < events.size() && i < result.outcomes.size(); ++i) {
        const auto& stored = result.outcomes[i];
        if (stored.duplicate) continue;
        if (std::holds_alternative<model::payload::declared>(events[i].data)) {
            last[stored.incident_id] = stored.sequence;
            continue;
        }
        auto at = last.find(stored.incident_id);
        if (at == last.end()) {
            const auto* held = incidents_.find(stored.incident_id);
            if (!held) {
                stale.insert(stored.incident_id);
                continue;
            }
            at = last.emplace(stored.incident_id, (*held)->last_sequence).first;
        }
        if (at->second + 1 < stored.sequence) stale.insert(stored.incident_id);
        at->second = std::max(at->second, stored.sequence);
    }
    return stale;
}

router::outcome router::plan_link(const pending& item, const adapters::room_link& link) {
    const auto state = known(link.incident, item);
    if (!state || !state->is_open() || state->serves(link.room)) return {};
    return {{make_event(link.incident, item.message.sent_at, options_.clock(), link.by, link.room,
                        model::payload::room_linked{link.room.platform, link.room.channel})},
            {},
            {}};
}

void router::on_committed(const std::string& key, pending item, std::vector<model::event> events,
                          std::vector<std::string> notes, store::append_result result) {
    if (result.ok()) {
        if (auto stale = behind(events, result); !stale.empty()) {
            missing_reads wanted;
            wanted.incidents = std::move(stale);
            // Read whole again, they hold these events too.
            read_then(std::move(wanted), [this, key, item = std::move(item),
                                          events = std::move(events), notes = std::move(notes),
                                          result = std::move(result)](store_reads found) mutable {
                install(found, nullptr, nullptr);
                if (!found.error.empty()) {
                    spdlog::error("could not read incident {} again after a commit: {}",
                                  events.front().incident_id, found.error);
                }
                answer_committed(key, std::move(item), std::move(events), std::move(notes),
                                 std::move(result));
            });
            return;
        }
    }
    answer_committed(key, std::move(item), std::move(events), std::move(notes), std::move(result));
}

void router::answer_committed(const std::string& key, pending item,
                              std::vector<model::event> events, std::vector<std::string> notes,
                              store::append_result result) {
    log_scope scope(item.message.source.platform, item.message.source.channel,
                    events.empty() ? 0 : events.front().incident_id);
    if (!result.ok()) {
        count([&](router_stats& s) {
            ++s.store_failures;
            s.last_store_error = result.error;
        });
        spdlog::error("could not record message {} in channel {}: {}",
                      item.message.source.message_id, item.message.source.channel, result.error);
        send(item, "Sorry: that could not be recorded (" + result.error +
                       "). Nothing was changed; please try again.");
        // Not durable: the platform delivers it again instead of it being lost.
        finish(key, item, adapters::delivery_result::not_recorded);
        return;
    }
    count([](router_stats& s) { s.last_store_error.clear(); });
    spdlog::debug("message {}: {} event(s) committed", item.message.source.message_id,
                  events.size());
    channel_state& channel = channels_[key];
    answer said;
    for (std::size_t i = 0; i < events.size() && i < result.outcomes.size(); ++i) {
        const auto& stored = result.outcomes[i];
        const auto& platform = item.message.source.platform;
        if (stored.duplicate) {
            count([&](router_stats& s) { ++s.deduplicated[platform]; });
            continue;  // redelivered: recorded and answered the first time
        }
        count([&](router_stats& s) { ++s.recorded[platform]; });
        model::event& e = events[i];
        e.incident_id = stored.incident_id;
        e.sequence = stored.sequence;
        if (std::holds_alternative<model::payload::declared>(e.data)) {
            incidents_.insert_or_assign(e.incident_id, std::make_shared<model::incident>());
            channel.open = channel.latest = e.incident_id;
        }
        const auto held = advance(e);
        if (!held) {
            if (!said.text.empty()) said.text += "\n";
            said.text += "Recorded in incident #" + std::to_string(e.incident_id) +
                         "; it could not be read back to confirm the details.";
            continue;
        }
        const model::incident& state = *held;
        if (std::holds_alternative<model::payload::room_linked>(e.data)) {
            channel.open = channel.latest = state.id;
        } else if (std::holds_alternative<model::payload::room_unlinked>(e.data)) {
            channel.loaded = false;  // back to the room's own incidents, if any
        } else if (channel.latest == state.id) {
            channel.open = state.is_open() ? std::optional(state.id) : std::nullopt;
        }
        confirm(said, e, state);
    }
    if (!said.text.empty()) {
        for (const auto& note : notes) said.text += "\n" + note;
    }
    // Edits and deletions of chat messages add nothing to the channel, which saw them: an
    // edit corrects the bot's earlier answer in place, a deletion stays quiet.
    if (const auto* change = std::get_if<adapters::message_change>(&item.what)) {
        if (!change->deleted && !said.text.empty()) {
            send(item, std::move(said.text), {}, false, said.declaration, true);
        }
    } else {
        send(item, std::move(said.text), std::move(said.files), true, said.declaration, false,
             result.answer_id);
    }
    finish(key, item, adapters::delivery_result::handled);
}

adapters::attachment router::postmortem_file(const model::incident& state) const {
    const render::options opts{options_.zone, options_.clock(), options_.bar_raiser};
    const std::string content = options_.postmortem_template.empty()
                                    ? render::postmortem_markdown(state, opts)
                                    : render::postmortem_from_template(
                                          state, options_.postmortem_template, opts);
    return {"incident-" + std::to_string(state.id) + "-postmortem.md", "text/markdown", content};
}

adapters::attachment router::agenda_file(const model::incident& state) const {
    const render::options opts{options_.zone, options_.clock(), options_.bar_raiser};
    return {"incident-" + std::to_string(state.id) + "-retro-agenda.md", "text/markdown",
            render::agenda_markdown(state, opts)};
}

router::outcome router::show(const pending& item, const commands::cmd::show& what) {
    const auto state = known(what.incident_id, item);
    if (!state) {
        return {{},
                "Sorry: there is no incident #" + std::to_string(what.incident_id) +
                    ".\nsee " + options_.prefix + "incidents",
                {}};
    }
    const render::options opts{options_.zone, options_.clock(), options_.bar_raiser};
    const std::string id = std::to_string(state->id);
    switch (what.what) {
        case commands::cmd::view::draft:
            return {{}, "Postmortem draft of incident #" + id + ":", {postmortem_file(*state)}};
        case commands::cmd::view::agenda:
            return {{}, "Retro agenda of incident #" + id + ":", {agenda_file(*state)}};
        case commands::cmd::view::timeline: return {{}, render::timeline_text(*state, opts), {}};
        case commands::cmd::view::summary: return {{}, render::summary_text(*state, opts), {}};
    }
    return {};
}

std::string router::list_incidents(const pending& item) {
    if (!item.incident_rows) {
        missing_.incident_rows = true;
        return {};
    }
    std::vector<render::listed_incident> listed;
    for (const auto& i : *item.incident_rows) {
        listed.push_back({i.id, i.title, i.level, i.current, i.channel.channel, i.declared_at});
    }
    return render::incident_list_text(listed, {options_.zone, options_.clock()}, options_.prefix);
}

std::string router::list_actions(const pending& item) {
    if (!item.action_rows) {
        missing_.action_rows = true;
        return {};
    }
    std::vector<render::listed_action> listed;
    for (const auto& a : *item.action_rows) {
        listed.push_back({a.incident_id, a.incident_title, a.number, a.owner.name, a.text, a.due});
    }
    return render::action_list_text(listed, {options_.zone, options_.clock()});
}

}  // namespace scribe::app
