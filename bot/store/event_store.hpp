// The event store: where incidents' event logs are kept. Appends are asynchronous and grouped
// into transactions; reads are synchronous and see every committed append.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bot/model/event.hpp"
#include "bot/model/trends.hpp"

namespace scribe::store {

struct import_report;

// Infrastructure failure (unreadable file, newer schema, disk full): not the user's fault.
class store_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What happened to one event of an append.
struct append_outcome {
    std::int64_t incident_id = 0;  // assigned for a declaration (incident_id 0 on input)
    std::int64_t sequence = 0;     // assigned; for a duplicate, the original event's number
    bool duplicate = false;        // an event with the same source key was already stored
};

struct append_result {
    std::vector<append_outcome> outcomes;  // one per event, in order; empty on error
    std::string error;                     // non-empty when nothing of the batch was stored
    std::int64_t answer_id = 0;  // the answer owed for the batch, once stored (0: none owed)
    bool ok() const { return error.empty(); }
};

// Runs on the store's writer thread after the transaction holding the batch committed (or
// failed); post to your own executor from here if you need to.
using append_callback = std::function<void(append_result)>;

struct incident_summary {
    std::int64_t id = 0;
    std::string title;
    model::severity level = model::severity::sev3;
    model::phase current = model::phase::investigating;
    model::source_key channel;
    model::timestamp declared_at{};
    std::int64_t event_count = 0;
};

struct action_row {
    std::int64_t incident_id = 0;
    std::string incident_title;
    std::int64_t number = 0;  // the action's sequence number within its incident
    model::person owner;
    std::string text;         // as last edited
    std::optional<std::chrono::year_month_day> due;
    model::action_status status = model::action_status::open;
    model::timestamp opened_at{};             // when it was recorded
    std::optional<model::timestamp> done_at;  // when it was marked done, while it is
    bool security = false;                    // its incident is flagged !security
};

// An incident with its facts (metrics, breakdowns, flags, action item dates), read from
// tables the writer keeps, so that listing thousands needs no fold.
struct incident_record {
    incident_summary summary;
    model::incident_facts facts;
};

// The answer owed to a message whose events a batch records (the outbox). It is stored in the
// batch's transaction, so an answer that was not sent when the process stopped (killed, its
// machine lost, the platform unreachable) is sent by whichever process runs next.
struct owed_answer {
    model::source_key answers;  // the events' platform, channel and source id (part unused)
    std::string reply_to;       // the platform's id of the message answered, if any
    std::string cause;          // of the message or reaction that made the bot speak
    std::string thread;         // the platform's thread to answer in, if any
    std::string notes;          // what the answer says besides the events' confirmations
    std::string owner;          // the process that owes it, until it is gone
};

// An owed answer not yet marked sent; it is owed for the events of `incident_id` whose source
// is `answer.answers`.
struct unsent_answer {
    std::int64_t id = 0;
    std::int64_t incident_id = 0;
    owed_answer answer;
    model::timestamp owed_since{};
};

// Which owed answers to list, oldest first.
struct owed_filter {
    std::size_t limit = 100;
    std::string platform;  // empty: every platform
    std::optional<model::timestamp> owed_before;
};

class event_store {
public:
    virtual ~event_store() = default;

    // Appends the events of one batch atomically. For each event: incident_id 0 with a
    // `declared` payload allocates a new incident; sequence 0 means "next in its incident";
    // an event whose source key (platform, channel, message_id, part) is already stored is
    // skipped and reported as a duplicate. The callback runs once, after commit.
    virtual void append(std::vector<model::event> events, append_callback done) = 0;

    // As append, and keeps `answer` as owed in the same transaction when the batch stores at
    // least one event; the result's answer_id names it. A batch stored before (redelivered)
    // owes nothing new: its answer_id names the answer its first delivery owes, if that is
    // still owed, else it is 0.
    virtual void append_owing(std::vector<model::event> events, owed_answer answer,
                              append_callback done) = 0;

    // The answers are sent, or given up: they are no longer owed. Queued like an append.
    virtual void settle_answers(std::vector<std::int64_t> ids, append_callback done) = 0;

    // Owed answers, oldest first, as the filter says.
    virtual std::vector<unsent_answer> unsent_answers(const owed_filter& filter) = 0;

    // Blocks until every append queued so far has committed and its callback has run.
    virtual void flush() = 0;

    // The whole event log of one incident in sequence order (empty if unknown).
    virtual std::vector<model::event> load_incident(std::int64_t incident_id) = 0;

    // The incident in this channel that is not closed, if any.
    virtual std::optional<std::int64_t> open_incident_in(const model::source_key& channel) = 0;

    // The most recent incident declared in this channel, open or closed.
    virtual std::optional<std::int64_t> latest_incident_in(const model::source_key& channel) = 0;

    // All incidents, newest first; open ones only when asked.
    virtual std::vector<incident_summary> list_incidents(bool open_only) = 0;

    // Action items not retracted, across all incidents, oldest due date first (those without
    // one last); only those still open when asked.
    virtual std::vector<action_row> list_actions(bool open_only) = 0;

    // Every incident with its facts, newest first.
    virtual std::vector<incident_record> list_incident_records() = 0;

    // Every stored event of every incident in (incident, sequence) order, for export.
    virtual void for_each_event(const std::function<void(const model::event&)>& visit) = 0;

    // Saves where a platform's stream stands (e.g. Matrix's next_batch under "matrix"). It
    // is written in the same transaction as the appends queued with it and after every append
    // queued before it, so an adapter that saves its position once the events it delivered are
    // queued never stores a position ahead of its events. The callback runs after commit;
    // outcomes are empty.
    virtual void save_cursor(std::string name, std::string value, append_callback done) = 0;

    // The last saved position of that stream, if any.
    virtual std::optional<std::string> load_cursor(const std::string& name) = 0;

    // Imports whole incident logs (import.hpp: check_import): into an empty store under their
    // own numbers; beside existing incidents under new numbers, with every reference inside
    // them kept consistent; an incident already in the store gets the events it lacks. An
    // event the store holds with other content is an import_conflict, and then nothing is
    // imported; so is any failure (store_error). A dry run reports and writes nothing.
    virtual import_report import_events(const std::vector<model::event>& events,
                                        bool dry_run = false) = 0;
};

}  // namespace scribe::store
