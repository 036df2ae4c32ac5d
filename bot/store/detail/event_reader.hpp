// The read side: queries on a connection of their own, one at a time, seeing every commit.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bot/model/event.hpp"
#include "bot/store/detail/connection.hpp"
#include "bot/store/detail/statement.hpp"
#include "bot/store/event_store.hpp"

namespace scribe::store::detail {

class event_reader {
public:
    // The database must already exist and be migrated (event_writer does that).
    explicit event_reader(const std::string& path);
    // Reads on a connection opened for the purpose (schema.hpp: open_for_reading).
    explicit event_reader(connection db);

    std::vector<model::event> load_incident(std::int64_t incident_id);
    std::optional<std::int64_t> open_incident_in(const model::source_key& channel);
    std::optional<std::int64_t> latest_incident_in(const model::source_key& channel);
    std::vector<incident_summary> list_incidents(bool open_only);
    std::vector<open_action> list_open_actions();
    std::optional<std::string> load_cursor(const std::string& name);

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
    statement open_actions_;
    statement load_cursor_;
};

}  // namespace scribe::store::detail
