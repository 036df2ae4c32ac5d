// Reading untrusted JSON from a homeserver: bounded size and depth, typed field access, no throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "bot/model/time.hpp"

namespace scribe::adapters::matrix::detail {

using json = nlohmann::json;

// Matrix event content is free-form, so anyone in a room can nest it arbitrarily. A container
// deeper than this is dropped and parsing goes on: failing the whole /sync body instead would
// let one hostile event stop the bot for good, since every retry returns the same batch.
// dump() and comparison recurse, so without a limit 500,000 '[' would overflow the stack.
inline constexpr int max_json_depth = 48;

// The parsed value, or why there is none (error is empty on success).
struct parsed_json {
    json value;
    std::string error;
};

parsed_json read_json(std::string_view text, std::size_t max_bytes);

// The member, or nullptr when absent or of another kind.
const json* member(const json& object, std::string_view key);
const json* object_at(const json& object, std::string_view key);
const json* array_at(const json& object, std::string_view key);

// The string member, or "" when absent or not a string: an empty id already means "none" to
// every caller, and the spec makes most fields optional somewhere.
std::string text_at(const json& object, std::string_view key);
bool flag_at(const json& object, std::string_view key);
// An integer member, or nullopt when absent, not an integer, or out of range.
std::optional<std::int64_t> int_at(const json& object, std::string_view key);
// origin_server_ts (ms since the epoch), or the epoch when absent.
model::timestamp time_at(const json& object, std::string_view key);

// Serialises a value we parsed ourselves; replacing bad UTF-8 keeps dump() from throwing.
std::string to_text(const json& value);

// Text from the wire made safe for one log line: control characters replaced, length capped.
std::string for_log(std::string_view text, std::size_t max_chars = 80);

}  // namespace scribe::adapters::matrix::detail
