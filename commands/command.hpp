// A parsed chat command: what the user asked for, with times already resolved to instants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "bot/model/event.hpp"

namespace scribe::commands {

namespace cmd {
// A typed time, resolved: the instant, and a note for the reply when the reading needs saying.
struct when {
    model::timestamp at{};
    std::string note;
};

// The outcomes of the retro go to the incident a command names with a leading `#n`, or else
// to the channel's: its open incident, or after the close its latest. `incident` is that n.
struct declare {
    std::string title;
    model::severity level;
};
struct title {
    std::string text;
    std::int64_t incident = 0;
};
struct timeline {
    when at;
    std::string text;
};
struct set_severity {
    model::severity level;
};
struct assign_role {
    std::string role;
    model::person holder;
    std::int64_t incident = 0;
};
struct set_status {
    model::phase to;
    when at;
};
struct started {
    when at;
};
struct detected {
    model::detection how;
    when at;
};
struct sitrep {
    std::string status;
    std::string impact;
    std::string next;
    std::optional<model::duration> next_update;
};
struct impact {
    std::string text;
    std::int64_t incident = 0;
};
struct cause {
    model::cause_origin origin;
    std::string text;
    std::int64_t incident = 0;
};
struct fix {
    model::resolution_type type;
    std::string text;
    std::int64_t incident = 0;
};
struct why {
    std::string text;
    std::int64_t incident = 0;
};
struct lesson {
    model::lesson_kind kind;
    std::string text;
    std::int64_t incident = 0;
};
struct action {
    model::person owner;
    std::string text;
    std::optional<std::chrono::year_month_day> due;
    std::int64_t incident = 0;
};
// `!action done 5`, or `!action done #3/5` for action item 5 of incident 3.
struct action_status {
    std::int64_t number;
    model::action_status status;
    std::int64_t incident = 0;
};
struct link {
    std::string url;
    std::string label;
};
struct security {
    std::string text;
    std::int64_t incident = 0;
};
struct dataloss {
    std::string text;
    std::int64_t incident = 0;
};
// `!edit 5 …`, or `!edit #3/5 …` for entry 5 of incident 3; likewise `!retract`.
struct edit {
    std::int64_t number;
    std::string text;
    std::int64_t incident = 0;
};
struct retract {
    std::int64_t number;
    std::int64_t incident = 0;
};
struct undo {};
struct close {};
struct reopen {};

enum class view { draft, agenda, timeline, summary };
// A document about one incident: this channel's (0) or the one named.
struct show {
    view what;
    std::int64_t incident_id = 0;
};
// This room joins incident `incident_id`, declared elsewhere (on any platform).
struct link_room {
    std::int64_t incident_id = 0;
};
struct unlink_room {};
// Turns the incident's reminders (SitReps due, closing a resolved incident) off or on.
struct remind {
    bool enabled = true;
};
struct list_incidents {};
struct list_actions {};
struct help {
    std::string verb;
    std::string pin_hint;  // how to pin a message on this platform, if one can
};
}  // namespace cmd

using command =
    std::variant<cmd::declare, cmd::title, cmd::timeline, cmd::set_severity, cmd::assign_role,
                 cmd::set_status, cmd::started, cmd::detected, cmd::sitrep, cmd::impact, cmd::cause,
                 cmd::fix, cmd::why, cmd::lesson, cmd::action, cmd::action_status, cmd::link,
                 cmd::security, cmd::dataloss, cmd::edit, cmd::retract, cmd::undo, cmd::close,
                 cmd::reopen, cmd::link_room, cmd::unlink_room, cmd::remind, cmd::show,
                 cmd::list_incidents, cmd::list_actions, cmd::help>;

// The incident a command names by number (`#n`, `!link-room #n`, `!draft n`), or 0.
std::int64_t named_incident(const command& c);

}  // namespace scribe::commands
