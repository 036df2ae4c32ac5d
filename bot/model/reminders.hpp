// When an incident needs a nudge: a SitRep that is due, or a resolved incident left unclosed.
#pragma once

#include <map>
#include <optional>

#include "bot/model/incident.hpp"

namespace scribe::model {

struct reminder_policy {
    // How often a SitRep is expected, per severity; none: no reminders at that severity.
    std::map<severity, duration> sitrep_every{{severity::sev1, std::chrono::minutes{30}},
                                              {severity::sev2, std::chrono::minutes{60}}};
    // How long an incident may stay resolved before the bot asks for it to be closed.
    std::optional<duration> close_after = std::chrono::hours{24};
};

struct due_reminder {
    reminder_kind kind = reminder_kind::sitrep;
    timestamp due{};
};

// The next reminder the incident needs under `policy`, whose due time may already have
// passed, or nullopt when none will be needed (closed, reminders off, no interval for its
// severity, the close reminder already sent). Only what is stored decides it, so a restart
// computes the same answer:
//   - a SitRep is due one interval after the last SitRep (or the declaration, before the
//     first), or at that SitRep's `next update:` when it gave one; after a reminder, the next
//     is one interval after it was sent, until a SitRep is posted;
//   - resolved (or closed) incidents get no SitRep reminders;
//   - a resolved incident gets one reminder to close it, close_after after it was resolved.
std::optional<due_reminder> next_reminder(const incident& state, const reminder_policy& policy);

}  // namespace scribe::model
