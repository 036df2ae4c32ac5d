// The event store on PostgreSQL: the same writer and reader as SQLite's, over libpq, so that
// several Scribe processes (replicas, a console, an import) can share one store.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bot/store/event_store.hpp"
#include "bot/store/import.hpp"

namespace scribe::store {

class postgres_store final : public event_store {
  public:
    // Connects with `conninfo` (a libpq connection string or URI; `password` when not empty,
    // else libpq's own sources: the string, PGPASSWORD, PGPASSFILE) and brings the database to
    // the latest schema under a lock. Throws store_error when the server cannot be reached,
    // or the database is another application's or was written by a newer Scribe.
    static std::unique_ptr<postgres_store> open(const std::string& conninfo,
                                                const std::string& password = {});

    // Connects to read only: nothing is created, migrated or written, and appends, cursors
    // and imports fail. Throws store_error as open() does, and when the database has no
    // Scribe store or one at another schema.
    static std::unique_ptr<postgres_store> open_read_only(const std::string& conninfo,
                                                          const std::string& password = {});

    // From now on every commit checks, in its transaction, that the store's lease is still at
    // `epoch` (postgres_lease); one that finds another fails, so a replica that lost the
    // lease acknowledges nothing more. 0: no check.
    void fence_writes(std::int64_t epoch);

    // While the writer waits for PostgreSQL to come back: why, else "".
    std::string outage() const;
    // Times the writer connected again after losing PostgreSQL.
    std::uint64_t reconnects() const;

    // "PostgreSQL at host:port/database", for messages: never the password.
    static std::string describe(const std::string& conninfo);

    // Commits everything appended so far and runs the callbacks.
    ~postgres_store() override;

    postgres_store(const postgres_store&) = delete;
    postgres_store& operator=(const postgres_store&) = delete;

    // When the connection is lost (PostgreSQL restarting, a network failure), the writer
    // connects again and commits the group again, waiting with backoff meanwhile, so nothing
    // is acknowledged until it is stored; after about a minute without the server the group
    // fails and its callbacks say why. Sequence numbers are assigned in the writing
    // transaction, one writer process at a time.
    void append(std::vector<model::event> events, append_callback done) override;
    void append_owing(std::vector<model::event> events, owed_answer answer,
                      append_callback done) override;
    void settle_answers(std::vector<std::int64_t> ids, append_callback done) override;
    std::vector<unsent_answer> unsent_answers(const owed_filter& filter) override;
    void flush() override;

    std::vector<model::event> load_incident(std::int64_t incident_id) override;
    std::optional<std::int64_t> open_incident_in(const model::source_key& channel) override;
    std::optional<std::int64_t> latest_incident_in(const model::source_key& channel) override;
    std::vector<incident_summary> list_incidents(bool open_only) override;
    std::vector<action_row> list_actions(bool open_only) override;
    std::vector<incident_record> list_incident_records() override;
    void for_each_event(const std::function<void(const model::event&)>& visit) override;
    import_report import_events(const std::vector<model::event>& events,
                                bool dry_run = false) override;
    void save_cursor(std::string name, std::string value, append_callback done) override;
    std::optional<std::string> load_cursor(const std::string& name) override;

  private:
    struct parts;
    explicit postgres_store(std::unique_ptr<parts> p);

    std::unique_ptr<parts> parts_;
};

}  // namespace scribe::store
