// Reading untrusted JSON from a chat service: bounded size and depth, typed field access, no
// throws, safe logs. Each adapter chooses its own depth limit and what crossing it means.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace scribe::adapters::json_input {

using json = nlohmann::json;

// What read_json does with a container nested deeper than its limit. A limit is needed at all
// because dump() and comparison recurse, so without one 500,000 '[' would overflow the stack.
enum class too_deep {
    fail,  // the whole text is rejected
    drop,  // that container is left out and parsing goes on
};

// The parsed value, or why there is none (error is empty on success).
struct parsed_json {
    json value;
    std::string error;
};

// Parses `text` if it is at most `max_bytes` long; containers start at depth 0, and one whose
// depth reaches `max_depth` is too deep.
parsed_json read_json(std::string_view text, std::size_t max_bytes, int max_depth, too_deep policy);

// The member, or nullptr when absent or of another kind.
const json* member(const json& object, std::string_view key);
const json* object_at(const json& object, std::string_view key);
const json* array_at(const json& object, std::string_view key);

// The string member, or "" when absent or not a string: an empty id already means "none" to
// every caller, and both services make most fields optional somewhere.
std::string text_at(const json& object, std::string_view key);
bool flag_at(const json& object, std::string_view key);
// An integer member, or nullopt when absent, not an integer, or out of range.
std::optional<std::int64_t> int_at(const json& object, std::string_view key);

// Serialises a value we parsed ourselves; replacing bad UTF-8 keeps dump() from throwing.
std::string to_text(const json& value);

// Text from the wire made safe for one log line: control characters replaced, length capped.
std::string for_log(std::string_view text, std::size_t max_chars = 80);

}  // namespace scribe::adapters::json_input
