// Checking commands against the incident they act on, and confirming what was recorded.
#include "commands/planner.hpp"

#include <cstdio>

#include "bot/model/conflicts.hpp"
#include "bot/model/overloaded.hpp"
#include "bot/model/rules.hpp"

namespace scribe::commands {
namespace {

using model::event;
namespace payload = model::payload;

std::string format_day(std::chrono::year_month_day day) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(day.year()),
                  static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
    return buf;
}

std::string incident_number(std::int64_t id) { return "#" + std::to_string(id); }

struct planner {
    const message_context& message;
    const channel_incidents& channel;

    parse_error fail(std::string problem, std::string_view verb) const {
        return {std::move(problem), "usage: " + usage_of(verb, message.prefix)};
    }

    parse_error no_open_incident() const {
        return {"there is no open incident in this channel",
                "start one with " + message.prefix + "declare <title> [sev1-4]"};
    }

    model::source_key here() const {
        return {message.source.platform, message.source.channel, {}, 0};
    }

    event make_event(std::int64_t incident_id, model::timestamp occurred,
                     model::event_payload data) const {
        event e;
        e.incident_id = incident_id;
        e.occurred_at = occurred;
        e.recorded_at = message.received == model::timestamp{} ? message.now : message.received;
        e.actor = message.actor;
        e.source = message.source;
        e.data = std::move(data);
        return e;
    }

    // The incident a command acts on: the one it names (declared in or linked to this room),
    // else the channel's open one, else, for what a closed incident still takes, the channel's
    // latest.
    std::variant<const model::incident*, parse_error> target_for(const model::event_payload& data,
                                                                 std::int64_t named,
                                                                 std::string_view verb) const {
        const model::incident* target = nullptr;
        if (named != 0) {
            if (!channel.named || channel.named->id != named) {
                return parse_error{"there is no incident " + incident_number(named),
                                   "see " + message.prefix + "incidents"};
            }
            if (!channel.named->serves(here())) {
                return fail("incident " + incident_number(named) +
                                " was neither declared in this room nor linked to it",
                            verb);
            }
            target = channel.named;
        } else if (channel.open) {
            target = channel.open;
        } else if (channel.latest && model::accepts_when_closed(data)) {
            target = channel.latest;
        }
        if (!target) return no_open_incident();
        if (!target->is_open() && !model::accepts_when_closed(data)) {
            return parse_error{"incident " + incident_number(target->id) +
                                   " is closed, and this changes the live incident",
                               "reopen it first with " + message.prefix + "reopen"};
        }
        return target;
    }

    // Records one event in the incident the command acts on.
    plan_result record(model::event_payload data, std::string_view verb,
                       std::int64_t named = 0, const cmd::when* at = nullptr) const {
        auto target = target_for(data, named, verb);
        if (auto* error = std::get_if<parse_error>(&target)) return std::move(*error);
        plan p;
        p.events.push_back(make_event(std::get<const model::incident*>(target)->id,
                                      at ? at->at : message.now, std::move(data)));
        if (at && !at->note.empty()) p.notes.push_back(at->note);
        return p;
    }

    // An edit or retraction of item `number`: refused when it cannot be changed that way, or
    // when the person may not change it.
    plan_result correct(model::event_payload data, std::int64_t number, std::int64_t named,
                        std::string_view verb) const {
        auto target = target_for(data, named, verb);
        if (auto* error = std::get_if<parse_error>(&target)) return std::move(*error);
        const model::incident& incident = *std::get<const model::incident*>(target);
        const std::string item = "#" + std::to_string(number);
        const model::recorded_item* found = incident.find(number);
        const bool edit = std::holds_alternative<payload::entry_edited>(data);
        if (!found) {
            return fail("incident " + incident_number(incident.id) + " has no entry " + item, verb);
        }
        if (found->retracted) {
            return fail(item + (edit ? " was retracted" : " is already retracted"), verb);
        }
        if (edit && !model::is_editable(incident, number)) {
            return fail(item + " has no text to edit; retract it and record it again", verb);
        }
        if (!edit && !model::is_retractable(incident, number)) {
            return fail(item + " cannot be retracted (a declaration, close or reopen stays)",
                        verb);
        }
        if (!model::may_correct(incident, number, message.actor)) {
            std::vector<std::string> who;
            for (const auto& c : model::correctors(incident, number)) {
                who.push_back(c.who.name + " (" + c.because + ")");
            }
            std::string list;
            for (std::size_t i = 0; i < who.size(); ++i) {
                if (i > 0) list += i + 1 == who.size() ? " or " : ", ";
                list += who[i];
            }
            return parse_error{"only " + list + " may " + std::string(verb) + " " + item,
                               "ask one of them, or have the incident commander make you scribe "
                               "with " + message.prefix + "role scribe <user>"};
        }
        plan p;
        p.events.push_back(make_event(incident.id, message.now, std::move(data)));
        return p;
    }

    plan_result operator()(const cmd::declare& c) const {
        if (channel.open) {
            return parse_error{"incident " + incident_number(channel.open->id) + " \"" +
                                   channel.open->title + "\" is still open in this channel",
                               "close it first with " + message.prefix + "close"};
        }
        plan p;
        p.events.push_back(make_event(0, message.now, payload::declared{c.title, c.level}));
        return p;
    }
    plan_result operator()(const cmd::title& c) const {
        return record(payload::title_set{c.text}, "title", c.incident);
    }
    plan_result operator()(const cmd::timeline& c) const {
        return record(payload::entry_added{model::entry_type::note, c.text, {}, {}, {}}, "tl", 0,
                      &c.at);
    }
    plan_result operator()(const cmd::set_severity& c) const {
        return record(payload::severity_changed{c.level}, "sev");
    }
    plan_result operator()(const cmd::assign_role& c) const {
        return record(payload::role_assigned{c.role, c.holder}, "role", c.incident);
    }
    plan_result operator()(const cmd::set_status& c) const {
        return record(payload::status_changed{c.to}, "status", 0, &c.at);
    }
    plan_result operator()(const cmd::started& c) const {
        return record(payload::started_marked{}, "started", 0, &c.at);
    }
    plan_result operator()(const cmd::detected& c) const {
        return record(payload::detected{c.how}, "detected", 0, &c.at);
    }
    plan_result operator()(const cmd::sitrep& c) const {
        return record(payload::sitrep_posted{c.status, c.impact, c.next, c.next_update}, "sitrep");
    }
    plan_result operator()(const cmd::impact& c) const {
        return record(payload::impact_set{c.text}, "impact", c.incident);
    }
    plan_result operator()(const cmd::cause& c) const {
        return record(payload::cause_noted{c.origin, c.text}, "cause", c.incident);
    }
    plan_result operator()(const cmd::fix& c) const {
        return record(payload::resolution_noted{c.type, c.text}, "fix", c.incident);
    }
    plan_result operator()(const cmd::why& c) const {
        return record(payload::why_added{c.text}, "why", c.incident);
    }
    plan_result operator()(const cmd::lesson& c) const {
        return record(payload::lesson_added{c.kind, c.text}, "lesson", c.incident);
    }
    plan_result operator()(const cmd::action& c) const {
        auto result = record(payload::action_added{c.owner, c.text, c.due}, "action", c.incident);
        auto* p = std::get_if<plan>(&result);
        if (p && c.due && std::chrono::sys_days{*c.due} <
                              std::chrono::sys_days{message.zone.local_date(message.now)}) {
            p->notes.push_back("Note: the due date " + format_day(*c.due) +
                               " is already past; correct it with " + message.prefix + "edit or " +
                               message.prefix + "retract if it was a typo.");
        }
        return result;
    }
    plan_result operator()(const cmd::action_status& c) const {
        auto target = target_for(payload::action_updated{}, c.incident, "action");
        if (auto* error = std::get_if<parse_error>(&target)) return std::move(*error);
        const model::incident& incident = *std::get<const model::incident*>(target);
        const model::action_item* item = incident.find_action(c.number);
        if (!item || item->retracted) {
            return fail("incident " + incident_number(incident.id) + " has no action item #" +
                            std::to_string(c.number),
                        "action");
        }
        plan p;
        p.events.push_back(
            make_event(incident.id, message.now, payload::action_updated{c.number, c.status}));
        return p;
    }
    plan_result operator()(const cmd::link& c) const {
        return record(payload::entry_added{model::entry_type::link, c.label, {}, c.url, {}},
                      "link");
    }
    plan_result operator()(const cmd::security& c) const {
        return record(payload::security_flagged{c.text}, "security", c.incident);
    }
    plan_result operator()(const cmd::dataloss& c) const {
        return record(payload::data_lost{c.text}, "dataloss", c.incident);
    }
    plan_result operator()(const cmd::remind& c) const {
        return record(payload::reminders_set{c.enabled}, "remind");
    }
    plan_result operator()(const cmd::edit& c) const {
        return correct(payload::entry_edited{c.number, c.text}, c.number, c.incident, "edit");
    }
    plan_result operator()(const cmd::retract& c) const {
        return correct(payload::entry_retracted{c.number}, c.number, c.incident, "retract");
    }
    plan_result operator()(const cmd::undo&) const {
        auto target = target_for(payload::entry_retracted{}, 0, "undo");
        if (auto* error = std::get_if<parse_error>(&target)) return std::move(*error);
        const model::incident& incident = *std::get<const model::incident*>(target);
        for (auto number = incident.last_sequence; number > 0; --number) {
            const model::recorded_item* item = incident.find(number);
            if (item && !item->retracted && model::same_person(item->recorded_by, message.actor) &&
                model::is_retractable(incident, number)) {
                plan p;
                p.events.push_back(
                    make_event(incident.id, message.now, payload::entry_retracted{number}));
                return p;
            }
        }
        return fail("you have no entry left to undo in incident " + incident_number(incident.id),
                    "undo");
    }
    plan_result operator()(const cmd::close&) const {
        if (!channel.open) return no_open_incident();
        plan p;
        p.events.push_back(
            make_event(channel.open->id, message.now, payload::status_changed{model::phase::closed}));
        return p;
    }
    plan_result operator()(const cmd::link_room& c) const {
        if (!channel.named) {
            return parse_error{"there is no incident " + incident_number(c.incident_id),
                               "see " + message.prefix + "incidents"};
        }
        if (channel.open) {
            const std::string open = incident_number(channel.open->id);
            if (channel.open->id == c.incident_id) {
                return fail("this room already feeds incident " + open, "link-room");
            }
            if (channel.open->channel == here()) {
                return fail("incident " + open + " is open in this room, and a room feeds one "
                                "incident at a time; close it first",
                            "link-room");
            }
            return fail("this room feeds incident " + open + "; leave it first with " +
                            message.prefix + "unlink-room",
                        "link-room");
        }
        if (!channel.named->is_open()) {
            return fail("incident " + incident_number(c.incident_id) + " is closed", "link-room");
        }
        plan p;
        p.events.push_back(make_event(
            c.incident_id, message.now,
            payload::room_linked{message.source.platform, message.source.channel}));
        return p;
    }
    plan_result operator()(const cmd::unlink_room&) const {
        if (!channel.open) return no_open_incident();
        if (channel.open->channel == here()) {
            return fail("incident " + incident_number(channel.open->id) +
                            " was declared in this room; close it with " + message.prefix +
                            "close instead",
                        "unlink-room");
        }
        plan p;
        p.events.push_back(make_event(
            channel.open->id, message.now,
            payload::room_unlinked{message.source.platform, message.source.channel}));
        return p;
    }
    plan_result operator()(const cmd::reopen&) const {
        if (channel.open) {
            return fail("incident " + incident_number(channel.open->id) + " is still open",
                        "reopen");
        }
        if (!channel.latest) return fail("this channel has no incident to reopen", "reopen");
        plan p;
        p.events.push_back(make_event(channel.latest->id, message.now, payload::reopened{}));
        return p;
    }
    plan_result operator()(const cmd::show& c) const {
        cmd::show resolved = c;
        if (resolved.incident_id == 0) {
            const model::incident* incident = channel.open ? channel.open : channel.latest;
            if (!incident) {
                return parse_error{"this channel has no incident yet",
                                   "name one, e.g. " + message.prefix + "draft 12, or see " +
                                       message.prefix + "incidents"};
            }
            resolved.incident_id = incident->id;
        }
        plan p;
        p.show = resolved;
        return p;
    }
    plan_result operator()(const cmd::list_incidents&) const {
        plan p;
        p.list_incidents = true;
        return p;
    }
    plan_result operator()(const cmd::list_actions&) const {
        plan p;
        p.list_actions = true;
        return p;
    }
    plan_result operator()(const cmd::help& c) const {
        plan p;
        p.reply = help_text(c.verb, message.prefix, c.pin_hint);
        return p;
    }
};

std::string quoted(const std::string& text) {
    constexpr std::size_t shown = 80;
    if (text.size() <= shown) return "\"" + text + "\"";
    std::size_t cut = shown;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return "\"" + text.substr(0, cut) + "…\"";
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

}  // namespace

std::int64_t named_incident(const command& c) {
    return std::visit(
        model::overloaded{
            [](const cmd::link_room& x) { return x.incident_id; },
            [](const cmd::show& x) { return x.incident_id; },
            [](const auto& x) -> std::int64_t {
                if constexpr (requires { x.incident; }) {
                    return x.incident;
                } else {
                    return 0;
                }
            },
        },
        c);
}

plan_result plan_command(const command& c, const message_context& message,
                         const channel_incidents& channel) {
    return std::visit(planner{message, channel}, c);
}

std::optional<std::string> recorded_text(const command& c) {
    return std::visit(
        model::overloaded{
            [](const cmd::timeline& x) -> std::optional<std::string> { return x.text; },
            [](const cmd::why& x) -> std::optional<std::string> { return x.text; },
            [](const cmd::impact& x) -> std::optional<std::string> { return x.text; },
            [](const cmd::lesson& x) -> std::optional<std::string> { return x.text; },
            [](const cmd::action& x) -> std::optional<std::string> { return x.text; },
            [](const cmd::security& x) -> std::optional<std::string> { return x.text; },
            [](const cmd::dataloss& x) -> std::optional<std::string> { return x.text; },
            [](const cmd::cause& x) -> std::optional<std::string> { return x.text; },
            [](const cmd::fix& x) -> std::optional<std::string> { return x.text; },
            [](const cmd::link& x) -> std::optional<std::string> { return x.label; },
            [](const auto&) -> std::optional<std::string> { return std::nullopt; },
        },
        c);
}

std::string confirmation(const model::event& e, const model::incident& after,
                         const model::zone& zone, std::string_view prefix) {
    const std::string number = "#" + std::to_string(e.sequence);
    // A time on another day than the one it was recorded on shows its date.
    const auto show_time = [&](model::timestamp t) {
        return zone.local_date(t) == zone.local_date(e.recorded_at) ? zone.format_time(t)
                                                                    : zone.format_date_time(t);
    };
    std::string when = show_time(e.occurred_at) + " (UTC" + zone.format_offset(e.occurred_at) + ")";
    if (e.occurred_at < e.recorded_at - std::chrono::minutes(1)) {
        when += ", recorded " + zone.format_time(e.recorded_at);
    }
    const bool into_closed =
        !after.is_open() && !std::holds_alternative<model::payload::status_changed>(e.data);
    const std::string head =
        number + (into_closed ? " in closed incident #" + std::to_string(e.incident_id) : "") +
        " at " + when + ": ";
    const std::string pfx(prefix);
    std::string reply = std::visit(
        model::overloaded{
            [&](const model::payload::declared& p) {
                return "Incident #" + std::to_string(e.incident_id) + " declared at " + when +
                       ": " + quoted(p.title) + ", " + upper(model::to_string(p.level)) +
                       ". Timeline is recording; assign roles with " + pfx +
                       "role ic <user>, add entries with " + pfx + "tl <text>.";
            },
            [&](const model::payload::title_set& p) {
                return head + "title is now " + quoted(p.title);
            },
            [&](const model::payload::severity_changed& p) {
                return head + "severity is now " + upper(model::to_string(p.level));
            },
            [&](const model::payload::role_assigned& p) {
                return head + p.holder.name + " is " + p.role;
            },
            [&](const model::payload::status_changed& p) {
                if (p.to == model::phase::closed) {
                    return "Incident #" + std::to_string(e.incident_id) + " closed at " + when +
                           ". Postmortem draft and retro agenda follow; " + pfx +
                           "reopen if it comes back.";
                }
                return head + "status " + std::string(model::to_string(p.to));
            },
            [&](const model::payload::reopened&) {
                return "Incident #" + std::to_string(e.incident_id) + " reopened at " + when + ".";
            },
            [&](const model::payload::started_marked&) { return head + "impact started"; },
            [&](const model::payload::detected& p) {
                return head + "detected" +
                       (p.how == model::detection::unknown
                            ? std::string()
                            : " (" + std::string(model::describe(p.how)) + ")");
            },
            [&](const model::payload::entry_added& p) {
                if (p.type == model::entry_type::link) {
                    return head + "link " + p.url + (p.text.empty() ? "" : " " + quoted(p.text));
                }
                return head + quoted(p.text);
            },
            [&](const model::payload::entry_edited& p) {
                return head + "#" + std::to_string(p.target) + " now reads " + quoted(p.text);
            },
            [&](const model::payload::entry_retracted& p) {
                return head + "#" + std::to_string(p.target) + " retracted";
            },
            [&](const model::payload::sitrep_posted& p) {
                std::string text = "SitRep " + number + " at " + when + " — " + after.title +
                                   " (" + upper(model::to_string(after.level)) + ", " +
                                   std::string(model::to_string(after.current)) + ")";
                if (!p.status.empty()) text += "\nStatus: " + p.status;
                if (!p.impact.empty()) text += "\nImpact: " + p.impact;
                if (!p.next.empty()) text += "\nNext: " + p.next;
                if (p.next_update) {
                    text += "\nNext update: " +
                            zone.format_time(e.recorded_at + *p.next_update) + " (in " +
                            model::format_span(*p.next_update) + ")";
                }
                return text;
            },
            [&](const model::payload::impact_set& p) { return head + "impact " + quoted(p.text); },
            [&](const model::payload::cause_noted& p) {
                return head + "cause: " + std::string(model::describe(p.origin)) +
                       (p.text.empty() ? "" : " " + quoted(p.text));
            },
            [&](const model::payload::resolution_noted& p) {
                return head + "fix: " + std::string(model::describe(p.type)) +
                       (p.text.empty() ? "" : " " + quoted(p.text));
            },
            [&](const model::payload::why_added& p) {
                return head + "why #" + std::to_string(after.whys.size()) + " " + quoted(p.text);
            },
            [&](const model::payload::lesson_added& p) {
                return head + "lesson (" + std::string(model::describe(p.kind)) + ") " +
                       quoted(p.text);
            },
            [&](const model::payload::action_added& p) {
                std::string text = head + "action for " + p.owner.name + ": " + quoted(p.text);
                if (p.due) {
                    char buf[16];
                    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(p.due->year()),
                                  static_cast<unsigned>(p.due->month()),
                                  static_cast<unsigned>(p.due->day()));
                    text += ", due " + std::string(buf);
                }
                return text + " (" + pfx + "action done " + std::to_string(e.sequence) +
                       " when finished)";
            },
            [&](const model::payload::action_updated& p) {
                return head + "action #" + std::to_string(p.target) + " " +
                       std::string(model::to_string(p.status));
            },
            [&](const model::payload::security_flagged& p) {
                return head + "flagged as security-relevant " + quoted(p.text);
            },
            [&](const model::payload::data_lost& p) {
                return head + "data loss recorded " + quoted(p.text);
            },
            [&](const model::payload::room_linked& p) {
                return head + model::room_label({p.platform, p.channel, {}, 0}) +
                       " now feeds incident #" + std::to_string(e.incident_id) + " " +
                       quoted(after.title) + ", declared in " + model::room_label(after.channel) +
                       ": what is recorded here lands in its timeline (" + pfx +
                       "unlink-room to stop).";
            },
            [&](const model::payload::reminders_set& p) {
                return head + "reminders " + (p.enabled ? "on" : "off") + " for incident #" +
                       std::to_string(e.incident_id);
            },
            [&](const model::payload::reminder_sent& p) {
                const auto holder = [&](const char* role) -> const model::person* {
                    const auto it = after.roles.find(role);
                    return it == after.roles.end() ? nullptr : &it->second;
                };
                const model::person* comms = holder("comms");
                const model::person* who = comms ? comms : holder("ic");
                const std::string addressee =
                    who ? who->name + (comms ? " (comms)" : " (incident commander)") + ": "
                        : "";
                const std::string about = "incident #" + std::to_string(e.incident_id) + " " +
                                          quoted(after.title) + " (" +
                                          upper(model::to_string(after.level)) + ")";
                if (p.kind == model::reminder_kind::close) {
                    return "Reminder: " + about + " has been resolved since " +
                           zone.format_time(after.marks.resolved ? after.marks.resolved->at
                                                                 : p.due) +
                           ". " + addressee + "close it with " + pfx +
                           "close to get the postmortem draft, or " + pfx +
                           "remind off to stop this.";
                }
                return "SitRep due for " + about + " since " + zone.format_time(p.due) + ". " +
                       addressee + "please post one: " + pfx +
                       "sitrep with status:, impact:, next: and next update: lines (" + pfx +
                       "remind off to stop).";
            },
            [&](const model::payload::room_unlinked& p) {
                return head + model::room_label({p.platform, p.channel, {}, 0}) +
                       " no longer feeds incident #" + std::to_string(e.incident_id);
            },
        },
        e.data);
    for (const auto& c : model::find_conflicts(after)) {
        if (!c.involves(e.sequence)) continue;
        reply += "\nWarning: " + model::describe(c, show_time) +
                ". Kept as typed, and listed in the draft to bring to the retro; correct it by "
                "setting the marker again or with " + pfx + "retract <n>.";
    }
    return reply;
}

}  // namespace scribe::commands
