// Reading untrusted input from Slack: bounded JSON, typed field access, no throws, safe logs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace scribe::adapters::slack::detail {

using json = nlohmann::json;

// Slack's deepest payloads (Block Kit views) nest about 20 levels. The limit matters because
// dump() and comparison recurse, so a frame of 500,000 '[' would overflow the stack.
inline constexpr int max_json_depth = 64;

// The parsed value, or why there is none (error is empty on success).
struct parsed_json {
    json value;
    std::string error;
};

inline parsed_json read_json(std::string_view text, std::size_t max_bytes) {
    if (text.size() > max_bytes) {
        return {{}, "larger than " + std::to_string(max_bytes) + " bytes"};
    }
    bool too_deep = false;
    // Discarding the container that crosses the limit keeps the parser from building it.
    const json::parser_callback_t limit_depth = [&too_deep](int depth, json::parse_event_t event,
                                                            json&) {
        if ((event == json::parse_event_t::object_start ||
             event == json::parse_event_t::array_start) &&
            depth >= max_json_depth) {
            too_deep = true;
            return false;
        }
        return true;
    };
    json value = json::parse(text.begin(), text.end(), limit_depth, false);
    if (too_deep) return {{}, "nested deeper than " + std::to_string(max_json_depth) + " levels"};
    if (value.is_discarded()) return {{}, "not JSON"};
    return {std::move(value), {}};
}

// The member, or nullptr when absent or of another kind.
inline const json* member(const json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

inline const json* object_at(const json& object, std::string_view key) {
    const json* value = member(object, key);
    return value && value->is_object() ? value : nullptr;
}

// The string member, or "" when absent or not a string: every Slack field we read is
// optional somewhere, and an empty string already means "not there" to our callers.
inline std::string text_at(const json& object, std::string_view key) {
    const json* value = member(object, key);
    return value && value->is_string() ? value->get<std::string>() : std::string();
}

inline bool flag_at(const json& object, std::string_view key) {
    const json* value = member(object, key);
    return value && value->is_boolean() && value->get<bool>();
}

// An integer member clamped to int, or `fallback` when absent or not an integer.
inline int int_at(const json& object, std::string_view key, int fallback = 0) {
    const json* value = member(object, key);
    if (!value) return fallback;
    constexpr auto low = std::numeric_limits<int>::min();
    constexpr auto high = std::numeric_limits<int>::max();
    if (value->is_number_unsigned()) {
        const auto n = value->get<std::uint64_t>();
        return n > static_cast<std::uint64_t>(high) ? high : static_cast<int>(n);
    }
    if (value->is_number_integer()) {
        const auto n = value->get<std::int64_t>();
        return n < low ? low : n > high ? high : static_cast<int>(n);
    }
    return fallback;
}

// Serialises a value we parsed ourselves; replacing bad UTF-8 keeps dump() from throwing.
inline std::string to_text(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Text from the wire made safe for one log line: control characters replaced, length capped.
inline std::string for_log(std::string_view text, std::size_t max_chars = 80) {
    std::string out;
    for (const char c : text.substr(0, max_chars)) {
        const auto u = static_cast<unsigned char>(c);
        out += u < 0x20 || u == 0x7f ? '?' : c;
    }
    if (text.size() > max_chars) out += "...";
    return out;
}

}  // namespace scribe::adapters::slack::detail
