// The parsed payload an envelope carries, shared by the frame reader and the event parsers of
// this library only, so nlohmann/json stays out of the public headers.
#pragma once

#include "adapters/json_input.hpp"

namespace scribe::adapters::slack {

struct payload_tree {
    json_input::json value;
};

}  // namespace scribe::adapters::slack
