// Who may change what: what a closed incident still takes, and who may correct an entry.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bot/model/incident.hpp"

namespace scribe::model {

// The retro happens after the close: a closed incident still takes its outcomes (lessons,
// whys, action items, impact, cause, fix, roles, title, the security flag) and corrections
// (edits, retractions). What changes the live incident (entries, SitReps, markers, severity,
// rooms, reminders) needs a reopen.
bool accepts_when_closed(const event_payload& data);

// Someone who may correct an entry, and why.
struct corrector {
    person who;
    std::string because;  // "who recorded it", "incident commander", "scribe"
};

// Who may edit or retract the item: whoever recorded it, the author of a pinned message, the
// incident commander (the declarer while nobody holds the role) and the scribe.
std::vector<corrector> correctors(const incident& state, std::int64_t number);

bool may_correct(const incident& state, std::int64_t number, const person& who);

// Two mentions of one account: same platform, same id.
bool same_person(const person& a, const person& b);

}  // namespace scribe::model
