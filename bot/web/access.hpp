// Who may read the web view. Bound to loopback only, everyone who can reach it may (as for
// the health listener); bound to any other address, a request must carry the token (a bearer
// header, or the session cookie the login form sets) or come from a trusted reverse proxy
// with its user header (the oauth2-proxy pattern).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/net/http_message.hpp"

namespace scribe::web {

struct access_policy {
    bool open = true;  // no authentication: the listener is on loopback only and none is set up
    std::string token;         // empty: no token, no login form
    std::string proxy_header;  // e.g. "x-forwarded-user"; empty: no proxy is trusted
    std::vector<std::string> trusted_proxies;  // addresses the proxy connects from
    std::chrono::hours session_length{12};
};

// The cookie that carries a session.
inline constexpr const char* session_cookie = "scribe_session";

class access_guard {
  public:
    explicit access_guard(access_policy policy);

    // Who the request is from ("token", "session", "proxy user alice", "loopback"), or none
    // when it is refused.
    std::optional<std::string> admit(const adapters::net::incoming_request& request,
                                     std::chrono::system_clock::time_point now);

    // Whether the login form's token is the configured one (compared in constant time).
    bool token_matches(const std::string& candidate) const;

    // Wrong tokens at the login form, per address: after ten in a minute that address must
    // wait for the minute to pass, so the token cannot be guessed at speed.
    bool login_locked(const std::string& peer, std::chrono::system_clock::time_point now);
    void login_failed(const std::string& peer, std::chrono::system_clock::time_point now);
    static constexpr std::chrono::seconds login_window{60};

    // A new session; its id goes into the cookie.
    std::string open_session(std::chrono::system_clock::time_point now);
    void close_session(const adapters::net::incoming_request& request);

    bool open() const { return policy_.open; }
    bool has_login() const { return !policy_.token.empty(); }
    std::chrono::seconds session_length() const { return policy_.session_length; }

  private:
    std::optional<std::string> session_of(const adapters::net::incoming_request& request) const;

    access_policy policy_;
    std::mutex mutex_;
    std::map<std::string, std::chrono::system_clock::time_point> sessions_;  // id to expiry
    struct failures {
        std::chrono::system_clock::time_point since;  // the first of the current window
        int count = 0;
    };
    std::map<std::string, failures> failed_logins_;  // by address
};

// Whether a Host header names this machine's loopback ("localhost", "127.0.0.1:8080",
// "[::1]:8080"), or is missing. A page elsewhere that points its own name at 127.0.0.1 (DNS
// rebinding) sends its own name, and is turned away.
bool loopback_host(const std::string& host);

// The value of one cookie in a Cookie header, or none.
std::optional<std::string> cookie_value(const std::string& header, const std::string& name);

}  // namespace scribe::web
