// An incident's state: what its event log folds into, and the metrics its markers give.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bot/model/event.hpp"

namespace scribe::model {

// A change to a piece of recorded text, kept so corrections stay visible.
struct revision {
    std::int64_t sequence = 0;  // the event that made the change
    timestamp at{};
    person by;
    std::string previous_text;
};

struct retraction {
    std::int64_t sequence = 0;
    timestamp at{};
    person by;
};

// Whatever an incident records that a later `!edit` or `!retract` can refer to by number.
struct recorded_item {
    std::int64_t number = 0;  // the sequence number of the event that recorded it
    timestamp happened_at{};
    timestamp recorded_at{};
    person recorded_by;
    source_key source;  // the chat message that recorded it, for its edits and deletion
    std::vector<revision> history;
    std::optional<retraction> retracted;
};

enum class timeline_kind { note, pinned, link, sitrep, marker, system };

// One line of the timeline. Markers and system entries (severity, roles, phases) are written
// by the fold; notes, pins, links and SitReps by people.
struct timeline_entry : recorded_item {
    timeline_kind kind = timeline_kind::note;
    std::string text;
    person author;
    std::string url;
    std::string permalink;
    std::string origin_message;  // for a pin: the pinned message's id in the channel
    std::optional<phase> phase_to;  // status changes, for the phase and the markers
    std::string marker;             // "started", "detected", "mitigated", "resolved", "closed"
    bool reopens = false;
};

struct sitrep : recorded_item {
    std::string status;
    std::string impact;
    std::string next;
    std::optional<duration> next_update;
};

struct text_item : recorded_item {
    std::string text;
};

struct lesson : text_item {
    lesson_kind kind = lesson_kind::learned;
};

struct action_item : text_item {
    person owner;
    std::optional<std::chrono::year_month_day> due;
    action_status status = action_status::open;
    std::optional<timestamp> status_changed_at;
};

// A marker behind the metrics; the latest recorded one wins, so a marker can be corrected by
// setting it again and removed by retracting it. Derived from the timeline's marker entries.
struct marker {
    std::int64_t number = 0;
    timestamp at{};
};

struct markers {
    std::optional<marker> started;  // explicit `!started`; see incident::impact_start()
    std::optional<marker> detected;
    std::optional<marker> mitigated;
    // The last resolution recorded, also when the incident was reopened after it: a flapping
    // incident's MTTR runs to its last resolution.
    std::optional<marker> resolved;
    std::optional<marker> closed;
    // Resolutions that a reopen followed, oldest first: the flaps before the last resolution.
    std::vector<marker> earlier_resolutions;
    std::vector<marker> reopened;  // each `!reopen`, oldest first
};

// When impact began: an explicit `!started` wins; otherwise the earliest of the declaration
// and the detected, mitigated and resolved markers, since people declare after they noticed.
struct impact_start {
    enum class basis { declaration, started, earlier_marker };
    timestamp at{};
    basis from = basis::declaration;
    std::int64_t number = 0;  // the event that set it (the declaration's is 1)
    std::string_view marker;  // for earlier_marker: "detected", "mitigated" or "resolved"
};

struct metrics {
    // Each is present only when its marker is, and never negative: a marker before the impact
    // start is a conflict (conflicts.hpp), not a figure.
    std::optional<duration> time_to_detect;    // MTTD: detected - started
    std::optional<duration> time_to_mitigate;  // mitigated - started
    std::optional<duration> time_to_resolve;   // MTTR: resolved - started
};

struct incident {
    std::int64_t id = 0;
    std::string title;
    severity level = severity::sev3;
    phase current = phase::investigating;
    source_key channel;  // where it was declared (message_id empty)
    std::vector<source_key> linked_rooms;  // other rooms that feed it (!link-room)
    person declared_by;
    timestamp declared_at{};
    std::int64_t last_sequence = 0;

    std::map<std::string, person> roles;  // "ic", "comms", "scribe", "facilitator", custom
    std::vector<timeline_entry> timeline;  // in recording order; sort by happened_at to show
    std::vector<sitrep> sitreps;
    std::optional<text_item> impact;
    std::optional<text_item> cause;
    cause_origin origin = cause_origin::other;
    bool origin_known = false;
    std::optional<text_item> resolution;
    resolution_type resolution_kind = resolution_type::other;
    bool resolution_known = false;
    detection detected_by = detection::unknown;
    std::vector<text_item> whys;
    std::vector<lesson> lessons;
    std::vector<action_item> actions;
    std::vector<text_item> security_notes;
    std::vector<text_item> data_loss_notes;  // !dataloss
    markers marks;
    bool reminders_enabled = true;                // !remind off|on
    struct reminded {
        timestamp due{};  // what the reminder was for
        timestamp at{};   // when it was sent
    };
    std::optional<reminded> sitrep_reminded;      // the last SitRep reminder sent
    bool close_reminded = false;

    bool is_open() const { return current != phase::closed; }
    // Declared in `room`, or linked to it.
    bool serves(const source_key& room) const;
    impact_start start() const;
    timestamp started_at() const { return start().at; }
    bool security_flagged() const;
    bool data_lost() const;  // a live !dataloss note

    // Everyone who appears in the incident, each once, in order of first appearance.
    std::vector<person> participants() const;

    // The recorded item with this number, of any kind, or nullptr.
    const recorded_item* find(std::int64_t number) const;
    const action_item* find_action(std::int64_t number) const;
};

// "Slack channel C123", "Matrix room !abc:example.org": a room as people read it.
std::string room_label(const source_key& room);

// Applies one event. Events that refer to nothing (an edit of an unknown number, a second
// declaration) leave the state as it was: the fold is total and never throws.
void apply(incident& state, const event& e);

incident fold(std::span<const event> events);

metrics compute_metrics(const incident& state);

// Whether `!retract` may withdraw the item (declaration, close and reopen cannot be).
bool is_retractable(const incident& state, std::int64_t number);

// Whether `!edit` may replace the item's text (markers and system entries have none).
bool is_editable(const incident& state, std::int64_t number);

}  // namespace scribe::model
