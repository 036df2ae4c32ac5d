// The stored name of each event kind.
#include "bot/model/event.hpp"

#include <array>

namespace scribe::model {

std::string_view kind_name(const event_payload& p) {
    static constexpr std::array<std::string_view, std::variant_size_v<event_payload>> names{
        "declared",       "title_set",     "severity_changed", "role_assigned",
        "status_changed", "reopened",      "started_marked",   "detected",
        "entry_added",    "entry_edited",  "entry_retracted",  "sitrep_posted",
        "impact_set",     "cause_noted",   "resolution_noted", "why_added",
        "lesson_added",   "action_added",  "action_updated",   "security_flagged",
        "room_linked",    "room_unlinked", "reminders_set",    "reminder_sent",
        "data_lost"};
    return names.at(p.index());
}

}  // namespace scribe::model
