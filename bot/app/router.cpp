// Routing messages to commands and the store, one channel at a time.
#include "bot/app/router.hpp"

#include <cstdio>
#include <spdlog/spdlog.h>

#include "bot/render/render.hpp"

namespace scribe::app {
namespace {

std::string channel_key_of(const model::source_key& source) {
    return source.platform + '\x1f' + source.channel;
}

std::string format_date(const std::chrono::year_month_day& d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return buf;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

std::string error_text(const commands::parse_error& error) {
    return "Sorry: " + error.message + ".\n" + error.usage;
}

}  // namespace

router::router(store::event_store& store, router_options options, executor post)
    : store_(store), options_(std::move(options)), post_(std::move(post)) {}

void router::handle(adapters::inbound_message message, reply_sink reply,
                    mention_resolver resolve) {
    commands::parse_context context;
    context.now = options_.clock();
    context.zone = options_.zone;
    context.prefix = options_.prefix;
    context.platform = message.source.platform;
    context.max_text = options_.max_text;
    context.default_severity = options_.default_severity;
    context.resolve_mention = std::move(resolve);
    auto parsed = commands::parse(message.text, context);
    if (!parsed) return;
    // Errors wait their turn too, so a channel's replies come in the order of its messages.
    const std::string key = channel_key_of(message.source);
    ++in_flight_;
    channel_state& channel = channels_[key];
    channel.queue.push_back({std::move(message), std::move(*parsed), std::move(reply)});
    if (!channel.busy) process_next(key);
}

void router::load_channel(channel_state& channel, const model::source_key& where) {
    if (channel.loaded) return;
    channel.open = store_.open_incident_in(where);
    channel.latest = store_.latest_incident_in(where);
    for (const auto& id : {channel.open, channel.latest}) {
        if (id && !incidents_.contains(*id)) {
            const auto events = store_.load_incident(*id);
            incidents_[*id] = model::fold(events);
        }
    }
    channel.loaded = true;
}

const model::incident* router::incident(std::int64_t id) {
    const auto it = incidents_.find(id);
    return it == incidents_.end() ? nullptr : &it->second;
}

void router::process_next(const std::string& key) {
    channel_state& channel = channels_[key];
    if (channel.queue.empty()) {
        channel.busy = false;
        return;
    }
    channel.busy = true;
    pending item = std::move(channel.queue.front());
    channel.queue.pop_front();

    if (auto* error = std::get_if<commands::parse_error>(&item.command)) {
        send(item, error_text(*error));
        finish(key);
        return;
    }
    commands::plan_result planned = commands::parse_error{};
    try {
        load_channel(channel, item.message.source);
        commands::message_context context{item.message.author, item.message.source,
                                          options_.clock(), options_.prefix};
        const commands::channel_incidents incidents{
            channel.open ? incident(*channel.open) : nullptr,
            channel.latest ? incident(*channel.latest) : nullptr};
        planned = commands::plan_command(std::get<commands::command>(item.command), context,
                                          incidents);
    } catch (const std::exception& e) {
        spdlog::error("could not read the store for channel {}: {}", item.message.source.channel,
                      e.what());
        send(item, "Sorry: the incident store could not be read; nothing was recorded.");
        finish(key);
        return;
    }
    if (auto* error = std::get_if<commands::parse_error>(&planned)) {
        send(item, error_text(*error));
        finish(key);
        return;
    }
    auto& plan = std::get<commands::plan>(planned);
    if (!plan.reply.empty()) {
        send(item, plan.reply);
        finish(key);
        return;
    }
    if (plan.show || plan.list_incidents || plan.list_actions) {
        try {
            if (plan.show) {
                show(item, *plan.show);
            } else {
                send(item, plan.list_incidents ? list_incidents() : list_actions());
            }
        } catch (const std::exception& e) {
            spdlog::error("could not read the store: {}", e.what());
            send(item, "Sorry: the incident store could not be read.");
        }
        finish(key);
        return;
    }
    for (std::size_t part = 0; part < plan.events.size(); ++part) {
        plan.events[part].source.part = static_cast<int>(part);
    }
    auto events = plan.events;
    store_.append(std::move(plan.events),
                  [this, key, item = std::move(item),
                   events = std::move(events)](store::append_result result) mutable {
                      post_([this, key, item = std::move(item), events = std::move(events),
                             result = std::move(result)]() mutable {
                          on_committed(key, std::move(item), std::move(events), std::move(result));
                      });
                  });
}

void router::finish(const std::string& key) {
    --in_flight_;
    process_next(key);
}

void router::on_committed(const std::string& key, pending item, std::vector<model::event> events,
                          store::append_result result) {
    if (!result.ok()) {
        spdlog::error("could not record message {} in channel {}: {}",
                      item.message.source.message_id, item.message.source.channel, result.error);
        send(item, "Sorry: that could not be recorded (" + result.error +
                       "). Nothing was changed; please try again.");
        finish(key);
        return;
    }
    channel_state& channel = channels_[key];
    std::string reply;
    std::vector<adapters::attachment> files;
    for (std::size_t i = 0; i < events.size() && i < result.outcomes.size(); ++i) {
        const auto& outcome = result.outcomes[i];
        if (outcome.duplicate) continue;  // redelivered: recorded and answered the first time
        model::event& e = events[i];
        e.incident_id = outcome.incident_id;
        e.sequence = outcome.sequence;
        const bool declares = std::holds_alternative<model::payload::declared>(e.data);
        if (declares) {
            if (channel.latest && channel.latest != channel.open) incidents_.erase(*channel.latest);
            incidents_[e.incident_id] = model::incident{};
            channel.open = channel.latest = e.incident_id;
        }
        auto it = incidents_.find(e.incident_id);
        if (it == incidents_.end()) {
            it = incidents_.emplace(e.incident_id, model::fold(store_.load_incident(e.incident_id)))
                     .first;
        } else {
            model::apply(it->second, e);
        }
        const model::incident& state = it->second;
        channel.open = state.is_open() ? std::optional(state.id) : std::nullopt;
        if (!reply.empty()) reply += "\n";
        reply += commands::confirmation(e, state, options_.zone, options_.prefix);
        if (const auto* status = std::get_if<model::payload::status_changed>(&e.data);
            status && status->to == model::phase::closed) {
            try {
                files.push_back(postmortem_file(state));
                files.push_back(agenda_file(state));
                const auto m = model::compute_metrics(state);
                auto figure = [](const std::optional<model::duration>& d) {
                    return d ? model::format_span(*d) : std::string("not recorded");
                };
                reply += "\nMTTD " + figure(m.time_to_detect) + ", time to mitigate " +
                         figure(m.time_to_mitigate) + ", MTTR " + figure(m.time_to_resolve) + ".";
            } catch (const std::exception& ex) {
                spdlog::error("could not render incident {}: {}", state.id, ex.what());
                reply += "\nThe draft could not be rendered: " + std::string(ex.what());
            }
        }
    }
    if (!reply.empty() || !files.empty()) send(item, std::move(reply), std::move(files));
    finish(key);
}

adapters::attachment router::postmortem_file(const model::incident& state) const {
    const render::options opts{options_.zone, options_.clock()};
    const std::string content = options_.postmortem_template.empty()
                                    ? render::postmortem_markdown(state, opts)
                                    : render::postmortem_from_template(
                                          state, options_.postmortem_template, opts);
    return {"incident-" + std::to_string(state.id) + "-postmortem.md", "text/markdown", content};
}

adapters::attachment router::agenda_file(const model::incident& state) const {
    const render::options opts{options_.zone, options_.clock()};
    return {"incident-" + std::to_string(state.id) + "-retro-agenda.md", "text/markdown",
            render::agenda_markdown(state, opts)};
}

void router::show(const pending& item, const commands::cmd::show& what) {
    std::optional<model::incident> loaded;
    const model::incident* state = incident(what.incident_id);
    if (!state) {
        const auto events = store_.load_incident(what.incident_id);
        if (events.empty()) {
            send(item, "Sorry: there is no incident #" + std::to_string(what.incident_id) + ".\n" +
                           "see " + options_.prefix + "incidents");
            return;
        }
        loaded = model::fold(events);
        state = &*loaded;
    }
    const render::options opts{options_.zone, options_.clock()};
    switch (what.what) {
        case commands::cmd::view::draft:
            send(item, "Postmortem draft of incident #" + std::to_string(state->id) + ":",
                 {postmortem_file(*state)});
            break;
        case commands::cmd::view::agenda:
            send(item, "Retro agenda of incident #" + std::to_string(state->id) + ":",
                 {agenda_file(*state)});
            break;
        case commands::cmd::view::timeline: send(item, render::timeline_text(*state, opts)); break;
        case commands::cmd::view::summary: send(item, render::summary_text(*state, opts)); break;
    }
}

std::string router::list_incidents() const {
    const auto incidents = store_.list_incidents(false);
    if (incidents.empty()) {
        return "No incidents yet. Declare one with " + options_.prefix + "declare <title>.";
    }
    std::string out = "Incidents (newest first):";
    std::size_t shown = 0;
    for (const auto& i : incidents) {
        if (++shown > 50) {
            out += "\n… and " + std::to_string(incidents.size() - 50) + " more (scribe list)";
            break;
        }
        out += "\n#" + std::to_string(i.id) + " " + upper(model::to_string(i.level)) + " " +
               std::string(model::to_string(i.current)) + " — " + i.title + " (declared " +
               options_.zone.format_date_time(i.declared_at) + " in " + i.channel.channel + ")";
    }
    return out;
}

std::string router::list_actions() const {
    const auto actions = store_.list_open_actions();
    if (actions.empty()) return "No open action items.";
    std::string out = "Open action items:";
    for (const auto& a : actions) {
        out += "\n#" + std::to_string(a.incident_id) + "/" + std::to_string(a.number) + " " +
               a.owner.name + ": " + a.text;
        if (a.due) out += " (due " + format_date(*a.due) + ")";
        out += " — " + a.incident_title;
    }
    return out;
}

void router::send(const pending& item, std::string text, std::vector<adapters::attachment> files) {
    adapters::outbound_reply reply;
    reply.platform = item.message.source.platform;
    reply.channel = item.message.source.channel;
    reply.in_reply_to = item.message.source.message_id;
    reply.text = std::move(text);
    reply.files = std::move(files);
    item.reply(std::move(reply));
}



}  // namespace scribe::app
