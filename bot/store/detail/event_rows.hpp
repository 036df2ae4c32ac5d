// How an event maps to a row of the events table; shared by the write and read sides.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "bot/model/event.hpp"

namespace scribe::store::detail {

// The columns of the events table in the order event_from_row reads them and insert_event
// binds them.
inline constexpr const char* event_columns =
    "incident_id, seq, kind, occurred_at, recorded_at, actor_platform, actor_id, actor_name, "
    "source_platform, source_channel, source_message_id, source_part, payload";

std::int64_t to_millis(model::timestamp t);

// The payload as the events table keeps it: the codec's JSON.
std::string payload_text(const model::event& e);
// Decodes a stored payload into `e` (numbered already, for the message); throws store_error.
void read_payload(model::event& e, const std::string& kind, const std::string& text);

// Binds `e` to an "INSERT INTO events (event_columns) VALUES (?1, ..., ?13)" and runs it; for
// either backend's statement.
template <class Statement>
void insert_event(Statement& insert, const model::event& e) {
    insert.run(e.incident_id, e.sequence, std::string(model::kind_name(e.data)),
               to_millis(e.occurred_at), to_millis(e.recorded_at), e.actor.platform, e.actor.id,
               e.actor.name, e.source.platform, e.source.channel, e.source.message_id,
               e.source.part, payload_text(e));
}

// Reads the current row of a "SELECT event_columns ..." query; throws store_error when the
// stored payload does not decode.
template <class Cursor>
model::event event_from_row(const Cursor& row) {
    model::event e;
    e.incident_id = row.int64(0);
    e.sequence = row.int64(1);
    e.occurred_at = model::timestamp{model::duration{row.int64(3)}};
    e.recorded_at = model::timestamp{model::duration{row.int64(4)}};
    e.actor = {row.text(5), row.text(6), row.text(7)};
    e.source = {row.text(8), row.text(9), row.text(10), static_cast<int>(row.int64(11))};
    read_payload(e, row.text(2), row.text(12));
    return e;
}

// Whether two events record the same thing as the store keeps it, wherever they are numbered.
bool same_record(const model::event& a, const model::event& b);

}  // namespace scribe::store::detail
