// Transaction ids for what the bot sends, derived from what it answers, so retries dedupe.
#include "adapters/matrix/txn.hpp"

namespace scribe::adapters::matrix {

std::string txn_id(std::string_view origin, int part) {
    constexpr std::string_view hex = "0123456789ABCDEF";
    std::string out = "scribe-";
    for (const char c : origin) {
        const auto u = static_cast<unsigned char>(c);
        if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9')) {
            out += c;
        } else {
            out += '_';
            out += hex[u >> 4];
            out += hex[u & 0x0f];
        }
    }
    return out + "-" + std::to_string(part);
}

}  // namespace scribe::adapters::matrix
