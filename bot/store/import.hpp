// Importing an export: what a file must hold, and what an import did (or would do).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bot/model/event.hpp"
#include "bot/store/event_store.hpp"

namespace scribe::store {

// Incident numbers an import accepts: enough for any history, and far from overflowing when
// the next incident is declared.
inline constexpr std::int64_t max_import_incident_id = 2'147'483'647;

// A problem with one event of an import; `event` and `other` index the events as given.
struct import_problem {
    std::size_t event = 0;
    std::optional<std::size_t> other;  // the event it clashes with, if another
    std::string message;               // names the field: "seq: incident 3 has no event #4"
};

// Checks that the events are whole incident logs: positive incident numbers up to
// max_import_incident_id, each incident's sequence numbers 1, 2, 3… without a gap or a
// repeat, a declaration first and only first, and no source key used twice. The first
// problem found, or nullopt.
std::optional<import_problem> check_import(std::span<const model::event> events);

// What happened to one incident of the import.
struct imported_incident {
    enum class outcome {
        restored,    // into an empty store, under its own number
        renumbered,  // beside the store's incidents, under a new number
        extended,    // already in the store; its later events were added
        present,     // already in the store with every event
    };
    std::int64_t from = 0;  // its number in the file
    std::int64_t to = 0;    // its number in the store
    std::string title;
    outcome what = outcome::restored;
    std::int64_t added = 0;  // events added
};

struct import_report {
    std::vector<imported_incident> incidents;  // in the file's order of incident numbers
    std::int64_t added = 0;
    bool dry_run = false;  // nothing was written
};

// An event of the import that the store holds differently: the same key (incident and
// sequence, or source) with other content. Nothing was imported.
class import_conflict : public store_error {
public:
    import_conflict(std::size_t event, std::string stored, const std::string& message)
        : store_error(message), event_(event), stored_(std::move(stored)) {}
    std::size_t event() const { return event_; }         // its index in the import
    const std::string& stored() const { return stored_; }  // "incident 3, event #5"

private:
    std::size_t event_;
    std::string stored_;
};

}  // namespace scribe::store
