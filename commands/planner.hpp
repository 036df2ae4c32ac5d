// A parsed command, checked against the channel's incident, becomes events to record, a
// document to show, or an error naming the problem.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bot/model/incident.hpp"
#include "bot/model/zone.hpp"
#include "commands/command.hpp"
#include "commands/parser.hpp"

namespace scribe::commands {

// The message a command arrived in.
struct message_context {
    model::person actor;
    model::source_key source;  // its channel and message id; the idempotency key of its events
    model::timestamp now{};    // when it was sent: what "now" means in the command
    std::string prefix = "!";
    model::timestamp received{};  // when Scribe took it, the events' recorded-at; unset: now
    model::zone zone = model::zone::utc();  // what "today" is, for due dates
};

// The incidents of the channel the message came from.
struct channel_incidents {
    const model::incident* open = nullptr;    // not closed
    const model::incident* latest = nullptr;  // most recent, open or closed
    const model::incident* named = nullptr;   // the one a command names by number, if found
};

struct plan {
    // To append, in order. incident_id 0 on a declaration means "a new incident".
    std::vector<model::event> events;
    std::optional<cmd::show> show;  // a document to render, incident id resolved
    bool list_incidents = false;
    bool list_actions = false;
    std::string reply;  // a reply that needs nothing from the store (help)
    std::vector<std::string> notes;  // said after the confirmation: how a time was read, warnings
};

using plan_result = std::variant<plan, parse_error>;

plan_result plan_command(const command& c, const message_context& message,
                         const channel_incidents& channel);

// The free text a command records (a timeline note, a why, an impact…), so that an edit of
// the chat message that carried it can update the entry; nullopt for commands without one.
std::optional<std::string> recorded_text(const command& c);

// The reply after an event was committed: what was recorded, its number, and its time (with
// its date when that is not the day it was recorded), and a warning for each conflict the
// event is part of (model/conflicts.hpp).
std::string confirmation(const model::event& committed, const model::incident& after,
                         const model::zone& zone, std::string_view prefix);

}  // namespace scribe::commands
