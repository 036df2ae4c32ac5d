// Internal, shared by the parsers: reading homeserver JSON with Matrix's limits, and one
// already-parsed event JSON value to a typed room event.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapters/json_input.hpp"
#include "adapters/matrix/events.hpp"
#include "bot/model/time.hpp"

namespace scribe::adapters::matrix::detail {

// Matrix event content is free-form, so anyone in a room can nest it arbitrarily. A container
// deeper than this is dropped and parsing goes on: failing the whole /sync body instead would
// let one hostile event stop the bot for good, since every retry returns the same batch.
// dump() and comparison recurse, so without a limit 500,000 '[' would overflow the stack.
inline constexpr int max_json_depth = 48;

// Every homeserver answer is read this way: at most `max_bytes`, over-deep containers dropped.
inline json_input::parsed_json read_homeserver_json(std::string_view text, std::size_t max_bytes) {
    return json_input::read_json(text, max_bytes, max_json_depth, json_input::too_deep::drop);
}

// origin_server_ts (ms since the epoch), or the epoch when absent.
inline model::timestamp time_at(const json_input::json& object, std::string_view key) {
    // Clamped to ±10,000 years so a hostile value cannot overflow later arithmetic on it.
    constexpr std::int64_t limit = 315'537'897'600'000;
    const std::int64_t ms =
        std::clamp<std::int64_t>(json_input::int_at(object, key).value_or(0), -limit, limit);
    return model::timestamp{std::chrono::milliseconds{ms}};
}

// `room` is used when the event has no room_id of its own (sync timelines).
room_event read_event(const json_input::json& event, std::string_view room);

}  // namespace scribe::adapters::matrix::detail
