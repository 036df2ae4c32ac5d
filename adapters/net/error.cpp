// The net error category and the message format of net::error.
#include "adapters/net/error.hpp"

namespace scribe::adapters::net {
namespace {

class category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "scribe.net"; }

    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::invalid_url:
                return "invalid URL";
            case errc::unsupported_scheme:
                return "unsupported URL scheme (expected https, wss, http or ws)";
            case errc::plaintext_not_allowed:
                return "plaintext http:// or ws:// refused: TLS is required unless "
                       "allow_plaintext is set for a loopback test";
            case errc::plaintext_not_loopback:
                return "plaintext http:// or ws:// refused: allowed only to a loopback host";
            case errc::invalid_request:
                return "invalid HTTP request (unknown method, or a control character in the "
                       "target or a header)";
        }
        return "unknown scribe.net error";
    }
};

std::string format(const boost::system::error_code& code, std::string_view operation,
                   std::string_view peer, std::string_view detail) {
    std::string text(operation);
    if (!peer.empty()) {
        text += ' ';
        text += peer;
    }
    text += ": ";
    text += code.message();
    if (!detail.empty()) {
        text += " (";
        text += detail;
        text += ')';
    }
    return text;
}

}  // namespace

const boost::system::error_category& net_category() noexcept {
    static const category instance;
    return instance;
}

error::error(boost::system::error_code code, std::string_view operation, std::string_view peer,
             std::string_view detail)
    : std::runtime_error(format(code, operation, peer, detail)), code_(code) {}

}  // namespace scribe::adapters::net
