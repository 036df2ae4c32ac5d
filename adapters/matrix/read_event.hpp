// Internal: one already-parsed event JSON value to a typed room event, shared by the parsers.
#pragma once

#include <string_view>

#include "adapters/matrix/events.hpp"
#include "adapters/matrix/json_input.hpp"

namespace scribe::adapters::matrix::detail {

// `room` is used when the event has no room_id of its own (sync timelines).
room_event read_event(const json& event, std::string_view room);

}  // namespace scribe::adapters::matrix::detail
