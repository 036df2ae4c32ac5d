// Plain-text helpers: HTML entities and control characters.
#include "bot/model/text.hpp"

namespace scribe::model {

std::string escape_entities(std::string_view text, quotes q) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += q == quotes::escape ? "&quot;" : "\"";
                break;
            case '\'':
                out += q == quotes::escape ? "&#39;" : "'";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string without_control_characters(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) continue;
        // C1 controls are U+0080 to U+009F, in UTF-8 0xC2 0x80 to 0xC2 0x9F.
        if (c == 0xc2 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9f) {
                ++i;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

}  // namespace scribe::model
