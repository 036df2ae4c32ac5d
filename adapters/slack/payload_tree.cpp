// Reading Socket Mode frames with simdjson's document tree.
#include "adapters/slack/payload_tree.hpp"

#include <algorithm>
#include <limits>

#include "adapters/slack/socket_mode.hpp"

namespace scribe::adapters::slack {

std::string read_tree(payload_tree& tree, std::string_view text, std::size_t max_bytes) {
    if (text.size() > max_bytes) return "larger than " + std::to_string(max_bytes) + " bytes";
    // The parser's scratch space grows to the largest frame seen and is reused; each tree gets
    // its own document, as an envelope outlives the next frame's parse.
    thread_local simdjson::dom::parser parser = [] {
        simdjson::dom::parser p;
        if (p.allocate(64 * 1024, max_json_depth) != simdjson::SUCCESS) throw std::bad_alloc();
        return p;
    }();
    const auto root = parser.parse_into_document(tree.document, text.data(), text.size());
    if (root.error() == simdjson::DEPTH_ERROR) {
        return "nested deeper than " + std::to_string(max_json_depth) + " levels";
    }
    if (root.error() == simdjson::MEMALLOC) throw std::bad_alloc();
    if (root.error() != simdjson::SUCCESS) return "not JSON";
    tree.value = root.value_unsafe();
    return {};
}

std::optional<json_element> member(json_element object, std::string_view key) {
    json_element value;
    if (!object.is_object() || object.at_key(key).get(value) != simdjson::SUCCESS) return {};
    return value;
}

std::optional<json_element> object_at(json_element object, std::string_view key) {
    const auto value = member(object, key);
    return value && value->is_object() ? value : std::nullopt;
}

std::string text_at(json_element object, std::string_view key) {
    std::string_view text;
    const auto value = member(object, key);
    return value && value->get(text) == simdjson::SUCCESS ? std::string(text) : std::string();
}

bool flag_at(json_element object, std::string_view key) {
    bool flag = false;
    const auto value = member(object, key);
    return value && value->get(flag) == simdjson::SUCCESS && flag;
}

int int_at(json_element object, std::string_view key) {
    constexpr auto low = std::numeric_limits<int>::min();
    constexpr auto high = std::numeric_limits<int>::max();
    const auto value = member(object, key);
    if (!value) return 0;
    std::int64_t n = 0;
    if (value->get(n) == simdjson::SUCCESS)
        return static_cast<int>(std::clamp<std::int64_t>(n, low, high));
    // An unsigned integer past int64's range.
    return value->is_uint64() ? high : 0;
}

}  // namespace scribe::adapters::slack
