// The read side: queries on a connection of their own, one at a time, seeing every commit.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bot/model/event.hpp"
#include "bot/store/detail/backends.hpp"
#include "bot/store/event_store.hpp"

namespace scribe::store::detail {

// The same SQL on SQLite and PostgreSQL.
template <class Backend>
class basic_event_reader {
  public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;

    // Reads on `db`, a connection to a database at the latest schema.
    explicit basic_event_reader(connection db);

    std::vector<model::event> load_incident(std::int64_t incident_id);
    std::optional<std::int64_t> open_incident_in(const model::source_key& channel);
    std::optional<std::int64_t> latest_incident_in(const model::source_key& channel);
    std::vector<incident_summary> list_incidents(bool open_only);
    std::vector<action_row> list_actions(bool open_only);
    std::vector<incident_record> list_incident_records();
    std::optional<std::string> load_cursor(const std::string& name);
    std::vector<unsent_answer> unsent_answers(const owed_filter& filter);

    // Runs on a connection of its own, so an export neither holds up other reads nor
    // deadlocks when `visit` reads from the store.
    void for_each_event(const std::function<void(const model::event&)>& visit);

private:
    std::optional<std::int64_t> first_id(statement& query, const model::source_key& channel);

    std::mutex mutex_;  // one query at a time on db_
    connection db_;
    statement load_incident_;
    statement open_in_;
    statement latest_in_;
    statement list_all_;
    statement list_open_;
    statement all_actions_;
    statement open_actions_;
    statement records_;
    statement action_dates_;
    statement load_cursor_;
    statement unsent_answers_;
};

using event_reader = basic_event_reader<sqlite_backend>;
using postgres_event_reader = basic_event_reader<postgres_backend>;

}  // namespace scribe::store::detail
