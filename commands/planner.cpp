// Checking commands against the incident they act on, and confirming what was recorded.
#include "commands/planner.hpp"

#include <cstdio>

#include "bot/model/overloaded.hpp"

namespace scribe::commands {
namespace {

using model::event;
namespace payload = model::payload;

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

    event make_event(std::int64_t incident_id, model::timestamp occurred,
                     model::event_payload data) const {
        event e;
        e.incident_id = incident_id;
        e.occurred_at = occurred;
        e.recorded_at = message.now;
        e.actor = message.actor;
        e.source = message.source;
        e.data = std::move(data);
        return e;
    }

    // Most commands record one event in the channel's open incident.
    plan_result record(model::event_payload data,
                       std::optional<model::timestamp> occurred = std::nullopt) const {
        if (!channel.open) return no_open_incident();
        plan p;
        p.events.push_back(make_event(channel.open->id, occurred.value_or(message.now),
                                      std::move(data)));
        return p;
    }

    // The incident a document or an action status refers to: the one named, else the open
    // one, else the channel's latest.
    const model::incident* target() const { return channel.open ? channel.open : channel.latest; }

    plan_result operator()(const cmd::declare& c) const {
        if (channel.open) {
            return parse_error{"incident #" + std::to_string(channel.open->id) + " \"" +
                                   channel.open->title + "\" is still open in this channel",
                               "close it first with " + message.prefix + "close"};
        }
        plan p;
        p.events.push_back(make_event(0, message.now, payload::declared{c.title, c.level}));
        return p;
    }
    plan_result operator()(const cmd::title& c) const { return record(payload::title_set{c.text}); }
    plan_result operator()(const cmd::timeline& c) const {
        return record(payload::entry_added{model::entry_type::note, c.text, {}, {}, {}}, c.at);
    }
    plan_result operator()(const cmd::set_severity& c) const {
        return record(payload::severity_changed{c.level});
    }
    plan_result operator()(const cmd::assign_role& c) const {
        return record(payload::role_assigned{c.role, c.holder});
    }
    plan_result operator()(const cmd::set_status& c) const {
        return record(payload::status_changed{c.to}, c.at);
    }
    plan_result operator()(const cmd::started& c) const {
        return record(payload::started_marked{}, c.at);
    }
    plan_result operator()(const cmd::detected& c) const {
        return record(payload::detected{c.how}, c.at);
    }
    plan_result operator()(const cmd::sitrep& c) const {
        return record(payload::sitrep_posted{c.status, c.impact, c.next, c.next_update});
    }
    plan_result operator()(const cmd::impact& c) const { return record(payload::impact_set{c.text}); }
    plan_result operator()(const cmd::cause& c) const {
        return record(payload::cause_noted{c.origin, c.text});
    }
    plan_result operator()(const cmd::fix& c) const {
        return record(payload::resolution_noted{c.type, c.text});
    }
    plan_result operator()(const cmd::why& c) const { return record(payload::why_added{c.text}); }
    plan_result operator()(const cmd::lesson& c) const {
        return record(payload::lesson_added{c.kind, c.text});
    }
    plan_result operator()(const cmd::action& c) const {
        return record(payload::action_added{c.owner, c.text, c.due});
    }
    plan_result operator()(const cmd::action_status& c) const {
        const model::incident* incident = target();
        if (!incident) return no_open_incident();
        const model::action_item* item = incident->find_action(c.number);
        if (!item || item->retracted) {
            return fail("incident #" + std::to_string(incident->id) + " has no action item #" +
                            std::to_string(c.number),
                        "action");
        }
        plan p;
        p.events.push_back(
            make_event(incident->id, message.now, payload::action_updated{c.number, c.status}));
        return p;
    }
    plan_result operator()(const cmd::link& c) const {
        return record(payload::entry_added{model::entry_type::link, c.label, {}, c.url, {}});
    }
    plan_result operator()(const cmd::security& c) const {
        return record(payload::security_flagged{c.text});
    }
    plan_result operator()(const cmd::remind& c) const {
        return record(payload::reminders_set{c.enabled});
    }
    plan_result operator()(const cmd::edit& c) const {
        if (!channel.open) return no_open_incident();
        const model::recorded_item* item = channel.open->find(c.number);
        if (!item) return fail("there is no entry #" + std::to_string(c.number), "edit");
        if (item->retracted) {
            return fail("#" + std::to_string(c.number) + " was retracted", "edit");
        }
        if (!model::is_editable(*channel.open, c.number)) {
            return fail("#" + std::to_string(c.number) +
                            " has no text to edit; retract it and record it again",
                        "edit");
        }
        return record(payload::entry_edited{c.number, c.text});
    }
    plan_result operator()(const cmd::retract& c) const {
        if (!channel.open) return no_open_incident();
        const model::recorded_item* item = channel.open->find(c.number);
        if (!item || !model::is_retractable(*channel.open, c.number)) {
            return fail("there is no entry #" + std::to_string(c.number) + " that can be retracted",
                        "retract");
        }
        if (item->retracted) {
            return fail("#" + std::to_string(c.number) + " is already retracted", "retract");
        }
        return record(payload::entry_retracted{c.number});
    }
    plan_result operator()(const cmd::undo&) const {
        if (!channel.open) return no_open_incident();
        for (auto number = channel.open->last_sequence; number > 0; --number) {
            const model::recorded_item* item = channel.open->find(number);
            if (item && !item->retracted && item->recorded_by.platform == message.actor.platform &&
                item->recorded_by.id == message.actor.id &&
                model::is_retractable(*channel.open, number)) {
                return record(payload::entry_retracted{number});
            }
        }
        return fail("you have no entry left to undo in this incident", "undo");
    }
    plan_result operator()(const cmd::close&) const {
        if (!channel.open) return no_open_incident();
        plan p;
        p.events.push_back(
            make_event(channel.open->id, message.now, payload::status_changed{model::phase::closed}));
        return p;
    }
    plan_result operator()(const cmd::link_room& c) const {
        if (channel.open) {
            return fail("this room already feeds incident #" + std::to_string(channel.open->id) +
                            " \"" + channel.open->title + "\"",
                        "link-room");
        }
        if (!channel.named) {
            return parse_error{"there is no incident #" + std::to_string(c.incident_id),
                               "see " + message.prefix + "incidents"};
        }
        if (!channel.named->is_open()) {
            return fail("incident #" + std::to_string(c.incident_id) + " is closed", "link-room");
        }
        plan p;
        p.events.push_back(make_event(
            c.incident_id, message.now,
            payload::room_linked{message.source.platform, message.source.channel}));
        return p;
    }
    plan_result operator()(const cmd::unlink_room&) const {
        if (!channel.open) return no_open_incident();
        const model::source_key here{message.source.platform, message.source.channel, {}, 0};
        if (channel.open->channel == here) {
            return fail("incident #" + std::to_string(channel.open->id) +
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
            return fail("incident #" + std::to_string(channel.open->id) + " is still open",
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
            const model::incident* incident = target();
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
        p.reply = help_text(c.verb, message.prefix);
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
    std::string when = zone.format_time(e.occurred_at) + " (UTC" + zone.format_offset(e.occurred_at) +
                       ")";
    if (e.occurred_at < e.recorded_at - std::chrono::minutes(1)) {
        when += ", recorded " + zone.format_time(e.recorded_at);
    }
    const std::string head = number + " at " + when + ": ";
    const std::string pfx(prefix);
    return std::visit(
        model::overloaded{
            [&](const model::payload::declared& p) {
                return "Incident #" + std::to_string(e.incident_id) + " declared at " + when +
                       ": " + quoted(p.title) + ", " + upper(model::to_string(p.level)) +
                       ". Timeline is recording; assign roles with " + pfx +
                       "role ic <user>, add entries with " + pfx + "tl <text>.";
            },
            [&](const model::payload::title_set& p) { return head + "title is now " + quoted(p.title); },
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
}

}  // namespace scribe::commands
