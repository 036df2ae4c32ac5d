// Reading untrusted JSON from a chat service: bounded size and depth, typed field access.
#include "adapters/json_input.hpp"

#include <limits>
#include <utility>

namespace scribe::adapters::json_input {

parsed_json read_json(std::string_view text, std::size_t max_bytes, int max_depth,
                      too_deep policy) {
    if (text.size() > max_bytes) {
        return {{}, "larger than " + std::to_string(max_bytes) + " bytes"};
    }
    bool crossed = false;
    // Returning false for a container start discards that container without building it; the
    // parser itself keeps its own stack, so deep input costs memory, not call depth.
    const json::parser_callback_t limit_depth = [&crossed, max_depth](
                                                    int depth, json::parse_event_t event, json&) {
        if ((event == json::parse_event_t::object_start ||
             event == json::parse_event_t::array_start) &&
            depth >= max_depth) {
            crossed = true;
            return false;
        }
        return true;
    };
    json value = json::parse(text.begin(), text.end(), limit_depth, false);
    if (crossed && policy == too_deep::fail) {
        return {{}, "nested deeper than " + std::to_string(max_depth) + " levels"};
    }
    if (value.is_discarded()) return {{}, "not JSON"};
    return {std::move(value), {}};
}

const json* member(const json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

const json* object_at(const json& object, std::string_view key) {
    const json* value = member(object, key);
    return value && value->is_object() ? value : nullptr;
}

const json* array_at(const json& object, std::string_view key) {
    const json* value = member(object, key);
    return value && value->is_array() ? value : nullptr;
}

std::string text_at(const json& object, std::string_view key) {
    const json* value = member(object, key);
    return value && value->is_string() ? value->get<std::string>() : std::string();
}

bool flag_at(const json& object, std::string_view key) {
    const json* value = member(object, key);
    return value && value->is_boolean() && value->get<bool>();
}

std::optional<std::int64_t> int_at(const json& object, std::string_view key) {
    const json* value = member(object, key);
    if (!value) return std::nullopt;
    if (value->is_number_unsigned()) {
        const auto n = value->get<std::uint64_t>();
        if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return std::nullopt;
        return static_cast<std::int64_t>(n);
    }
    if (value->is_number_integer()) return value->get<std::int64_t>();
    return std::nullopt;
}

std::string to_text(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string for_log(std::string_view text, std::size_t max_chars) {
    std::string out;
    for (const char c : text.substr(0, max_chars)) {
        const auto u = static_cast<unsigned char>(c);
        out += u < 0x20 || u == 0x7f ? '?' : c;
    }
    if (text.size() > max_chars) out += "...";
    return out;
}

}  // namespace scribe::adapters::json_input
