// The write side: stores batches of events on the write connection and keeps the incidents and
// actions tables in step with them, in the same transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "bot/model/event.hpp"
#include "bot/model/incident.hpp"
#include "bot/store/detail/backends.hpp"
#include "bot/store/event_store.hpp"
#include "bot/store/import.hpp"

namespace scribe::store::detail {

// A stream position to save (event_store::save_cursor).
struct cursor_update {
    std::string name;
    std::string value;
};

// Answers no longer owed (event_store::settle_answers).
struct settled_answers {
    std::vector<std::int64_t> ids;
};

// What a group writes after its batches: a stream position, or answers settled.
using bookkeeping = std::variant<cursor_update, settled_answers>;

// An append: its events, and the answer it owes if it stores any.
struct write_batch {
    std::vector<model::event> events;
    std::optional<owed_answer> answer;
};

// What the write queue commits through, whichever the database.
class batch_writer {
  public:
    virtual ~batch_writer() = default;

    // Stores the batches in one transaction, each in a savepoint of its own so that a bad batch
    // fails alone, then the bookkeeping; if the transaction fails as a whole, every batch
    // reports it (the returned list holds the batches' results, then one per bookkeeping
    // item). Fills in the events' incident ids and sequence numbers. Never throws.
    virtual std::vector<append_result> commit(std::span<write_batch> batches,
                                              std::span<const bookkeeping> after) = 0;

    // event_store::import_events, in one transaction (rolled back for a dry run).
    virtual import_report import(const std::vector<model::event>& events, bool dry_run) = 0;
};

// The same SQL on SQLite and PostgreSQL (backends.hpp says what differs).
template <class Backend>
class basic_event_writer final : public batch_writer {
  public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;

    // Writes on `db`, a connection to a database at the latest schema.
    explicit basic_event_writer(connection db);

    connection& db() { return db_; }

    std::vector<append_result> commit(std::span<write_batch> batches,
                                      std::span<const bookkeeping> after) override;
    import_report import(const std::vector<model::event>& events, bool dry_run) override;

    // Brings the derived tables up to date in a transaction of its own, so that readers of a
    // store just upgraded see every incident's facts before anything new is written.
    void catch_up();

  private:
    struct position {
        std::int64_t incident_id = 0;
        std::int64_t sequence = 0;
    };

    std::vector<append_outcome> store_batch(std::vector<model::event>& events);
    // Keeps the answer owed for the stored batch, if it stored anything; its id. For a batch
    // stored before (redelivered, or tried again after a commit whose outcome was lost), the
    // id of its answer if that is still owed; else 0.
    std::int64_t owe(const owed_answer& answer, const std::vector<model::event>& events,
                     const std::vector<append_outcome>& outcomes);
    std::optional<position> find_source(const model::source_key& source);
    // The stored incident that the import's incident declared by `events[declaration]` is,
    // if any; throws import_conflict when its key is taken by something else.
    std::optional<std::int64_t> stored_twin(const std::vector<model::event>& events,
                                            std::size_t declaration);
    std::vector<model::event> stored_events(std::int64_t incident_id);
    // Inserts one event of an import; throws import_conflict when its source key is taken.
    void import_one(const model::event& e, std::size_t index);
    // The incident's last sequence number (0 before its first event), or nullopt when there is
    // no such incident. Cached: the writer is the only one adding events.
    std::optional<std::int64_t> last_sequence(std::int64_t incident_id);
    std::optional<std::int64_t> stored_last_sequence(std::int64_t incident_id);
    std::int64_t allocate_incident(const model::event& declaration);
    void record(const model::event& e);
    void track(const model::event& e);
    void retract(std::int64_t incident_id, std::int64_t target);
    // Rewrites every table derived from the incident's events from a fold of them.
    void refresh_from_fold(std::int64_t incident_id);
    // The incident's state after the events stored so far in this transaction.
    const model::incident& state_of(std::int64_t incident_id);
    void write_facts(const model::incident& state);
    // Facts for incidents stored before the facts were kept (an upgraded store).
    void fill_missing_facts();
    // Rewrites the incident's rows of the actions table from its state.
    void refresh_actions(std::int64_t incident_id);
    void rollback_quietly() noexcept;
    void forget_cache();
    // Starts a write transaction and drops the caches when another process wrote since the
    // last one.
    void begin();

    connection db_;
    typename Backend::transactions transactions_;
    statement commit_;
    statement rollback_;
    statement savepoint_;
    statement release_;
    statement rollback_to_;
    statement find_source_;
    statement select_last_sequence_;
    statement select_max_incident_;
    statement select_kind_;
    statement select_incident_events_;
    statement insert_incident_;
    statement insert_event_;
    statement count_event_;
    statement set_title_;
    statement set_severity_;
    statement set_phase_;
    statement refresh_incident_;
    statement insert_action_;
    statement delete_actions_;
    statement save_cursor_;
    statement insert_answer_;
    statement find_answer_;
    statement delete_answer_;
    statement link_room_;
    statement unlink_room_;
    statement delete_rooms_;
    statement upsert_facts_;
    statement select_missing_facts_;

    // Caches of what the database holds, so appending needs no MAX() query per event; after a
    // rollback, or a commit by another connection, they are dropped and reload on next use,
    // inside the transaction that holds the write lock.
    std::optional<std::int64_t> max_incident_;
    std::unordered_map<std::int64_t, std::int64_t> last_sequences_;
    // Folded states of incidents written lately, kept up to date event by event so that
    // their facts are rewritten without reading their logs again. Bounded by clearing.
    std::unordered_map<std::int64_t, model::incident> states_;
    bool facts_complete_ = false;  // fill_missing_facts ran in a committed transaction
};

using event_writer = basic_event_writer<sqlite_backend>;
using postgres_event_writer = basic_event_writer<postgres_backend>;

}  // namespace scribe::store::detail
