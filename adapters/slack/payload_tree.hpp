// Socket Mode frames as simdjson document trees, shared by the frame reader and the event
// readers of this library only, so simdjson stays out of the public headers. A tree costs two
// allocations however many values it holds; nlohmann/json's allocation per value made reading
// a message envelope twenty times slower (docs/performance.md, scribe-json-bench).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scribe::adapters::slack {

using json_element = simdjson::dom::element;

// One parsed frame. Its elements point into `document`, so a tree is built in place and never
// moved: it lives behind a shared_ptr.
struct payload_tree {
    simdjson::dom::document document;
    json_element value;  // the envelope's payload object once the frame is read
};

// Parses `text` into `tree` (root in tree.value) if it is at most `max_bytes` long and nested
// at most max_json_depth levels; the reason when it is not, empty on success.
std::string read_tree(payload_tree& tree, std::string_view text, std::size_t max_bytes);

// Members by kind, nullopt (or "", false) when absent or of another kind, as json_input's.
std::optional<json_element> member(json_element object, std::string_view key);
std::optional<json_element> object_at(json_element object, std::string_view key);
std::string text_at(json_element object, std::string_view key);
bool flag_at(json_element object, std::string_view key);
// An integer member clamped to int, or 0 when absent or not an integer.
int int_at(json_element object, std::string_view key);

}  // namespace scribe::adapters::slack
