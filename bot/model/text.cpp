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

}  // namespace scribe::model
