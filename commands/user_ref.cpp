// Mentions become platform ids with display names; plain names stay names.
#include "commands/user_ref.hpp"

namespace scribe::commands {

std::optional<model::person> to_person(std::string_view token, const parse_context& context) {
    if (token.empty() || token.size() > 255) return std::nullopt;
    for (const char c : token) {
        if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
    }
    if (context.resolve_mention) {
        if (auto resolved = context.resolve_mention(token)) return resolved;
    }
    if (token.size() > 3 && token.substr(0, 2) == "<@" && token.back() == '>') {
        std::string_view inner = token.substr(2, token.size() - 3);
        std::string_view label;
        if (const auto bar = inner.find('|'); bar != std::string_view::npos) {
            label = inner.substr(bar + 1);
            inner = inner.substr(0, bar);
        }
        if (inner.empty()) return std::nullopt;
        return model::person{context.platform, std::string(inner),
                             std::string(label.empty() ? inner : label)};
    }
    if (token.front() == '@') {
        const auto colon = token.find(':');
        if (colon != std::string_view::npos) {
            if (colon == 1 || colon + 1 == token.size()) return std::nullopt;
            return model::person{context.platform, std::string(token),
                                 std::string(token.substr(1, colon - 1))};
        }
        token.remove_prefix(1);
        if (token.empty()) return std::nullopt;
    }
    std::string id(token);
    for (char& c : id) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return model::person{context.platform, std::move(id), std::string(token)};
}

}  // namespace scribe::commands
