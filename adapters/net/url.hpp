// Absolute http(s)/ws(s) URLs as the clients need them: scheme, host, port, target.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace scribe::adapters::net {

struct url {
    std::string scheme;  // lower case: "https", "wss", "http" or "ws"
    std::string host;    // lower case; an IPv6 literal without its brackets
    std::uint16_t port = 0;
    std::string path = "/";  // as written (percent-encoding kept), never empty
    std::string query;       // after '?', without it; may be empty

    // https and wss.
    bool secure() const;
    bool websocket() const;
    // path + "?" + query: the request target.
    std::string target() const;
    // host[:port] as the Host header wants it (brackets for IPv6, port only when not the default).
    std::string authority() const;
    // scheme://authority
    std::string origin() const;
    // host:port, always with the port: how error messages name the peer.
    std::string peer() const;
};

// Parses scheme://host[:port][/path][?query][#fragment]; the fragment is dropped. Refuses user
// info ("user:pass@"), unknown schemes, bad ports and characters that could split a request line.
boost::system::result<url> parse_url(std::string_view text);

// localhost, 127.0.0.0/8 and ::1 (also as ::ffff:127.x.y.z).
bool is_loopback_host(std::string_view host);

// Our policy on plaintext: TLS always, unless the caller explicitly allows plaintext AND the host
// is loopback (tests against local fakes). Returns the reason for refusing, or success.
boost::system::error_code check_plaintext_policy(const url& u, bool allow_plaintext);

}  // namespace scribe::adapters::net
