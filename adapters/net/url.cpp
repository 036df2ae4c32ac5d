// URL parsing and the plaintext-to-loopback-only policy.
#include "adapters/net/url.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "adapters/net/error.hpp"

namespace scribe::adapters::net {
namespace {

std::uint16_t default_port(std::string_view scheme) {
    return (scheme == "https" || scheme == "wss") ? 443 : 80;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    });
    return out;
}

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

bool is_ipv6(const std::string& host) {
    in6_addr address{};
    return ::inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

}  // namespace

bool url::secure() const { return scheme == "https" || scheme == "wss"; }

bool url::websocket() const { return scheme == "ws" || scheme == "wss"; }

std::string url::target() const { return query.empty() ? path : path + "?" + query; }

std::string url::authority() const {
    std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != default_port(scheme)) out += ":" + std::to_string(port);
    return out;
}

std::string url::origin() const { return scheme + "://" + authority(); }

std::string url::peer() const {
    const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return h + ":" + std::to_string(port);
}

boost::system::result<url> parse_url(std::string_view text) {
    // Spaces and control characters would let a URL from a server split our request line.
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return make_error_code(errc::invalid_url);
    }
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) return make_error_code(errc::invalid_url);
    url out;
    out.scheme = lower(text.substr(0, scheme_end));
    if (out.scheme != "https" && out.scheme != "http" && out.scheme != "wss" &&
        out.scheme != "ws") {
        return make_error_code(errc::unsupported_scheme);
    }
    text.remove_prefix(scheme_end + 3);

    const auto authority_end = text.find_first_of("/?#");
    std::string_view authority = text.substr(0, authority_end);
    text.remove_prefix(authority_end == std::string_view::npos ? text.size() : authority_end);
    if (authority.find('@') != std::string_view::npos) return make_error_code(errc::invalid_url);

    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return make_error_code(errc::invalid_url);
        out.host = lower(authority.substr(1, close - 1));
        if (!is_ipv6(out.host)) return make_error_code(errc::invalid_url);
        const auto rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return make_error_code(errc::invalid_url);
            port_text = rest.substr(1);
            if (port_text.empty()) return make_error_code(errc::invalid_url);
        }
    } else {
        const auto colon = authority.find(':');
        out.host = lower(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) return make_error_code(errc::invalid_url);
        }
        if (!std::all_of(out.host.begin(), out.host.end(), is_host_char)) {
            return make_error_code(errc::invalid_url);
        }
    }
    if (out.host.empty()) return make_error_code(errc::invalid_url);

    out.port = default_port(out.scheme);
    if (!port_text.empty()) {
        unsigned value = 0;
        const auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
            value > 65535) {
            return make_error_code(errc::invalid_url);
        }
        out.port = static_cast<std::uint16_t>(value);
    }

    const auto fragment = text.find('#');
    if (fragment != std::string_view::npos) text = text.substr(0, fragment);
    const auto question = text.find('?');
    const std::string_view path = text.substr(0, question);
    out.path = path.empty() ? "/" : std::string(path);
    if (question != std::string_view::npos) out.query = std::string(text.substr(question + 1));
    return out;
}

bool is_loopback_host(std::string_view host) {
    const std::string h = lower(host);
    if (h == "localhost") return true;
    in_addr v4{};
    if (::inet_pton(AF_INET, h.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
        return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
    }
    return false;
}

boost::system::error_code check_plaintext_policy(const url& u, bool allow_plaintext) {
    if (u.secure()) return {};
    if (!allow_plaintext) return make_error_code(errc::plaintext_not_allowed);
    if (!is_loopback_host(u.host)) return make_error_code(errc::plaintext_not_loopback);
    return {};
}

}  // namespace scribe::adapters::net
