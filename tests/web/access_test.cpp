// Admission rules on their own: cookies read as browsers write them, sessions that expire.
#include "bot/web/access.hpp"

#include <doctest/doctest.h>

namespace scribe::web {

TEST_CASE("a cookie is found among others, and a lookalike name is not it") {
    CHECK(cookie_value("a=1; scribe_session=abc; b=2", "scribe_session") == "abc");
    CHECK(cookie_value("xscribe_session=abc", "scribe_session") == std::nullopt);
    CHECK(cookie_value("", "scribe_session") == std::nullopt);
    CHECK(cookie_value("scribe_session=", "scribe_session") == "");
}

TEST_CASE("sessions are random, end when closed or when they run out") {
    access_policy policy;
    policy.open = false;
    policy.token = "0123456789abcdef";
    access_guard guard(policy);
    const auto now = std::chrono::system_clock::now();
    const auto first = guard.open_session(now);
    const auto second = guard.open_session(now);
    CHECK(first.size() == 64);
    CHECK(first != second);
    adapters::net::incoming_request request;
    request.headers["cookie"] = std::string(session_cookie) + "=" + first;
    CHECK(guard.admit(request, now) == "session");
    CHECK_FALSE(guard.admit(request, now + std::chrono::hours{12}));
    request.headers["cookie"] = std::string(session_cookie) + "=" + second;
    guard.close_session(request);
    CHECK_FALSE(guard.admit(request, now));
    CHECK(guard.token_matches("0123456789abcdef"));
    CHECK_FALSE(guard.token_matches("0123456789abcdeF"));
    CHECK_FALSE(guard.token_matches(""));
}

TEST_CASE("a Host header is loopback only when it names this machine's loopback") {
    for (const auto* host : {"", "localhost", "LOCALHOST:8080", "127.0.0.1", "127.0.0.1:8080",
                             "127.1.2.3:80", "[::1]", "[::1]:8080"}) {
        CAPTURE(host);
        CHECK(loopback_host(host));
    }
    for (const auto* host : {"evil.example.com", "evil.example.com:8080", "127.0.0.1.evil.com",
                             "128.0.0.1", "127.0.0.256", "[::2]:80", "localhost.example.com"}) {
        CAPTURE(host);
        CHECK_FALSE(loopback_host(host));
    }
}

TEST_CASE("on loopback everyone is let in") {
    access_guard guard({});
    CHECK(guard.admit({}, std::chrono::system_clock::now()) == "loopback");
}

}  // namespace scribe::web
