// Percent-encoding for request paths and queries, and matrix.to permalinks.
#include "adapters/matrix/uri.hpp"

namespace scribe::adapters::matrix {

std::string percent_encode(std::string_view text) {
    constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                                (u >= '0' && u <= '9') || c == '-' || c == '.' || c == '_' ||
                                c == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0x0f];
        }
    }
    return out;
}

std::string permalink(std::string_view room_id, std::string_view event_id) {
    return "https://matrix.to/#/" + percent_encode(room_id) + "/" + percent_encode(event_id);
}

}  // namespace scribe::adapters::matrix
