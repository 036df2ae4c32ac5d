// URL parsing and the plaintext-only-to-loopback policy.
#include "adapters/net/url.hpp"

#include <doctest/doctest.h>

#include "adapters/net/error.hpp"

namespace net = scribe::adapters::net;

TEST_CASE("parse_url: https with default port, path and query") {
    const auto u = net::parse_url("https://Slack.com/api/chat.postMessage?a=1&b=2#frag").value();
    CHECK(u.scheme == "https");
    CHECK(u.host == "slack.com");
    CHECK(u.port == 443);
    CHECK(u.path == "/api/chat.postMessage");
    CHECK(u.query == "a=1&b=2");
    CHECK(u.target() == "/api/chat.postMessage?a=1&b=2");
    CHECK(u.origin() == "https://slack.com");
    CHECK(u.authority() == "slack.com");
    CHECK(u.peer() == "slack.com:443");
    CHECK(u.secure());
    CHECK_FALSE(u.websocket());
}

TEST_CASE("parse_url: Socket Mode wss URL keeps the ticket in the target") {
    const auto u =
        net::parse_url("wss://wss-primary.slack.com/link/?ticket=1234-5678&app_id=A1").value();
    CHECK(u.websocket());
    CHECK(u.port == 443);
    CHECK(u.target() == "/link/?ticket=1234-5678&app_id=A1");
}

TEST_CASE("parse_url: explicit ports, empty path, plaintext schemes") {
    const auto a = net::parse_url("http://127.0.0.1:8008").value();
    CHECK(a.port == 8008);
    CHECK(a.target() == "/");
    CHECK(a.authority() == "127.0.0.1:8008");
    CHECK(a.origin() == "http://127.0.0.1:8008");
    CHECK_FALSE(a.secure());

    const auto b = net::parse_url("ws://localhost?x=1").value();
    CHECK(b.port == 80);
    CHECK(b.target() == "/?x=1");
    CHECK(b.websocket());

    CHECK(net::parse_url("https://example.com:443/").value().authority() == "example.com");
}

TEST_CASE("parse_url: IPv6 literals lose their brackets and get them back where needed") {
    const auto u = net::parse_url("https://[::1]:8448/_matrix/client/v3/sync").value();
    CHECK(u.host == "::1");
    CHECK(u.port == 8448);
    CHECK(u.authority() == "[::1]:8448");
    CHECK(u.peer() == "[::1]:8448");
    CHECK(net::parse_url("http://[::1]/").value().authority() == "[::1]");
}

TEST_CASE("parse_url: refuses what it cannot or should not use") {
    const auto code = [](const char* text) { return net::parse_url(text).error(); };
    CHECK(code("ftp://example.com/") == net::errc::unsupported_scheme);
    CHECK(code("example.com/path") == net::errc::invalid_url);
    CHECK(code("https:///path") == net::errc::invalid_url);
    CHECK(code("https://user:secret@example.com/") == net::errc::invalid_url);
    CHECK(code("https://example.com:0/") == net::errc::invalid_url);
    CHECK(code("https://example.com:65536/") == net::errc::invalid_url);
    CHECK(code("https://example.com:12a/") == net::errc::invalid_url);
    CHECK(code("https://example.com:/") == net::errc::invalid_url);
    CHECK(code("https://[::1/") == net::errc::invalid_url);
    CHECK(code("https://[nonsense]/") == net::errc::invalid_url);
    CHECK(code("https://exa mple.com/") == net::errc::invalid_url);
    CHECK(code("https://example.com/a\r\nHost: evil") == net::errc::invalid_url);
}

TEST_CASE("is_loopback_host") {
    CHECK(net::is_loopback_host("localhost"));
    CHECK(net::is_loopback_host("LOCALHOST"));
    CHECK(net::is_loopback_host("127.0.0.1"));
    CHECK(net::is_loopback_host("127.1.2.3"));
    CHECK(net::is_loopback_host("::1"));
    CHECK(net::is_loopback_host("::ffff:127.0.0.1"));
    CHECK_FALSE(net::is_loopback_host("128.0.0.1"));
    CHECK_FALSE(net::is_loopback_host("10.0.0.1"));
    CHECK_FALSE(net::is_loopback_host("::2"));
    CHECK_FALSE(net::is_loopback_host("example.com"));
    CHECK_FALSE(net::is_loopback_host("localhost.example.com"));
}

TEST_CASE("check_plaintext_policy: TLS always, plaintext only when allowed and loopback") {
    const auto policy = [](const char* text, bool allow) {
        return net::check_plaintext_policy(net::parse_url(text).value(), allow);
    };
    CHECK_FALSE(policy("https://example.com/", false));
    CHECK_FALSE(policy("wss://example.com/", true));
    CHECK(policy("http://127.0.0.1:1/", false) == net::errc::plaintext_not_allowed);
    CHECK(policy("ws://localhost:1/", false) == net::errc::plaintext_not_allowed);
    CHECK_FALSE(policy("http://127.0.0.1:1/", true));
    CHECK_FALSE(policy("ws://[::1]:1/", true));
    CHECK(policy("http://example.com/", true) == net::errc::plaintext_not_loopback);
    CHECK(policy("ws://10.1.2.3/", true) == net::errc::plaintext_not_loopback);
}
