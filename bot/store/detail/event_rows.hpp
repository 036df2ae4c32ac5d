// How an event maps to a row of the events table; shared by the write and read sides.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "bot/model/event.hpp"
#include "bot/store/detail/statement.hpp"

namespace scribe::store::detail {

// The columns of the events table in the order event_from_row reads them and insert_event
// binds them.
inline constexpr const char* event_columns =
    "incident_id, seq, kind, occurred_at, recorded_at, actor_platform, actor_id, actor_name, "
    "source_platform, source_channel, source_message_id, source_part, payload";

// Binds `e` to an "INSERT INTO events (event_columns) VALUES (?1, ..., ?13)" and runs it.
void insert_event(statement& insert, const model::event& e);

// Reads the current row of a "SELECT event_columns ..." query; throws store_error when the
// stored payload does not decode.
model::event event_from_row(const statement::cursor& row);

std::int64_t to_millis(model::timestamp t);

// Whether two events record the same thing as the store keeps it, wherever they are numbered.
bool same_record(const model::event& a, const model::event& b);

// "2026-11-21", the form the actions table keeps due dates in so they sort as text.
std::string format_day(const std::chrono::year_month_day& day);
std::optional<std::chrono::year_month_day> parse_day(const std::string& text);

}  // namespace scribe::store::detail
