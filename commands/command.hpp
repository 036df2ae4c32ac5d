// A parsed chat command: what the user asked for, with times already resolved to instants.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "bot/model/event.hpp"

namespace scribe::commands {

namespace cmd {
struct declare {
    std::string title;
    model::severity level;
};
struct title {
    std::string text;
};
struct timeline {
    model::timestamp at;
    std::string text;
};
struct set_severity {
    model::severity level;
};
struct assign_role {
    std::string role;
    model::person holder;
};
struct set_status {
    model::phase to;
    model::timestamp at;
};
struct started {
    model::timestamp at;
};
struct detected {
    model::detection how;
    model::timestamp at;
};
struct sitrep {
    std::string status;
    std::string impact;
    std::string next;
    std::optional<model::duration> next_update;
};
struct impact {
    std::string text;
};
struct cause {
    model::cause_origin origin;
    std::string text;
};
struct fix {
    model::resolution_type type;
    std::string text;
};
struct why {
    std::string text;
};
struct lesson {
    model::lesson_kind kind;
    std::string text;
};
struct action {
    model::person owner;
    std::string text;
    std::optional<std::chrono::year_month_day> due;
};
struct action_status {
    std::int64_t number;
    model::action_status status;
};
struct link {
    std::string url;
    std::string label;
};
struct security {
    std::string text;
};
struct edit {
    std::int64_t number;
    std::string text;
};
struct retract {
    std::int64_t number;
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
};
}  // namespace cmd

using command =
    std::variant<cmd::declare, cmd::title, cmd::timeline, cmd::set_severity, cmd::assign_role,
                 cmd::set_status, cmd::started, cmd::detected, cmd::sitrep, cmd::impact,
                 cmd::cause, cmd::fix, cmd::why, cmd::lesson, cmd::action, cmd::action_status,
                 cmd::link, cmd::security, cmd::edit, cmd::retract, cmd::undo, cmd::close,
                 cmd::reopen, cmd::link_room, cmd::unlink_room, cmd::remind, cmd::show,
                 cmd::list_incidents, cmd::list_actions, cmd::help>;

}  // namespace scribe::commands
