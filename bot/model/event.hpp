// The incident's event log: every change is one immutable event with a typed payload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "bot/model/time.hpp"
#include "bot/model/vocabulary.hpp"

namespace scribe::model {

// Someone on a chat platform: the id is the platform's own, the name is for people.
struct person {
    std::string platform;
    std::string id;
    std::string name;
    friend bool operator==(const person&, const person&) = default;
};

// Where an event came from; also its idempotency key. An empty message_id means "no key"
// (events the bot makes itself), which are never deduplicated.
struct source_key {
    std::string platform;
    std::string channel;
    std::string message_id;
    int part = 0;  // one message may carry several events
    friend bool operator==(const source_key&, const source_key&) = default;
};

namespace payload {
struct declared {
    std::string title;
    severity level = severity::sev3;
};
struct title_set {
    std::string title;
};
struct severity_changed {
    severity level = severity::sev3;
};
struct role_assigned {
    std::string role;
    person holder;
};
struct status_changed {
    phase to = phase::investigating;
};
struct reopened {};
// The moment impact began, when it was before the incident was declared.
struct started_marked {};
struct detected {
    detection how = detection::unknown;
};
struct entry_added {
    entry_type type = entry_type::note;
    std::string text;
    person author;  // pinned messages keep their own author, not who pinned them
    std::string url;
    std::string permalink;
    std::string origin_message;  // a pinned message's own id, so an unpin can find the entry
};
struct entry_edited {
    std::int64_t target = 0;
    std::string text;
};
struct entry_retracted {
    std::int64_t target = 0;
};
struct sitrep_posted {
    std::string status;
    std::string impact;
    std::string next;
    std::optional<duration> next_update;
};
struct impact_set {
    std::string text;
};
struct cause_noted {
    cause_origin origin = cause_origin::other;
    std::string text;
};
struct resolution_noted {
    resolution_type type = resolution_type::other;
    std::string text;
};
struct why_added {
    std::string text;
};
struct lesson_added {
    lesson_kind kind = lesson_kind::learned;
    std::string text;
};
struct action_added {
    person owner;
    std::string text;
    std::optional<std::chrono::year_month_day> due;
};
struct action_updated {
    std::int64_t target = 0;
    action_status status = action_status::open;
};
struct security_flagged {
    std::string text;
};
// Data was lost (`!dataloss`): what, how much, whether it can be restored.
struct data_lost {
    std::string text;
};
// Another chat room joins the incident (`!link-room`): what is typed there lands in this
// incident's timeline. The room is named by platform and channel, e.g. matrix, !abc:hs.
struct room_linked {
    std::string platform;
    std::string channel;
};
struct room_unlinked {
    std::string platform;
    std::string channel;
};
// `!remind off|on`: whether the bot nudges this incident (reminders.hpp).
struct reminders_set {
    bool enabled = true;
};
// The bot reminded the channel of what was due at `due`; stored so that a restart neither
// repeats a reminder nor forgets one that fell due while it was down.
struct reminder_sent {
    reminder_kind kind = reminder_kind::sitrep;
    timestamp due{};
};
}  // namespace payload

using event_payload = std::variant<
    payload::declared, payload::title_set, payload::severity_changed, payload::role_assigned,
    payload::status_changed, payload::reopened, payload::started_marked, payload::detected,
    payload::entry_added, payload::entry_edited, payload::entry_retracted, payload::sitrep_posted,
    payload::impact_set, payload::cause_noted, payload::resolution_noted, payload::why_added,
    payload::lesson_added, payload::action_added, payload::action_updated,
    payload::security_flagged, payload::room_linked, payload::room_unlinked, payload::reminders_set,
    payload::reminder_sent, payload::data_lost>;

// The stable name of each payload kind, as stored and exported ("entry_added").
std::string_view kind_name(const event_payload& p);

struct event {
    std::int64_t incident_id = 0;
    std::int64_t sequence = 0;  // 1-based within the incident; users refer to it as #n
    timestamp occurred_at{};    // may be backdated by the user
    timestamp recorded_at{};
    person actor;
    source_key source;
    event_payload data;
};

}  // namespace scribe::model
