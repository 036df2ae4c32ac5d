// What an answer of a platform's HTTP API means for the request that got it. Each platform
// classifies its answers with a pure function of the answer; one caller (api_caller.hpp) acts
// on the verdicts, the same way for every platform.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace scribe::adapters {

// The parts of an HTTP answer a verdict depends on.
struct api_answer {
    unsigned status = 0;
    std::string_view body;
    std::optional<std::string_view> retry_after;  // the Retry-After header, when sent
};

struct api_verdict {
    enum class kind {
        success,             // use the body
        transient,           // a server error: retry with backoff
        rate_limited,        // wait `wait`, then retry the same request
        credential_refused,  // the token or password was refused: nothing helps but a person
        refused,             // refused for good (not allowed, not found, bad request): give up
    };
    kind what = kind::success;
    std::string code;     // the platform's error code ("invalid_auth", "M_FORBIDDEN"), or "HTTP 502"
    std::string message;  // the server's own words, for the log; may be empty
    std::chrono::milliseconds wait{0};  // for rate_limited: what the server asked, bounded
};

std::string_view to_string(api_verdict::kind kind);

// A platform refused a credential (a revoked token, a wrong password): nothing works until a
// person gives the bot a new one, so Scribe stops instead of retrying (README: exit codes).
class credential_refused : public std::runtime_error {
public:
    explicit credential_refused(const std::string& what, std::string code = {})
        : std::runtime_error(what), code_(std::move(code)) {}
    // The platform's word for it ("invalid_auth", "M_UNKNOWN_TOKEN"), when it gave one.
    const std::string& code() const { return code_; }

private:
    std::string code_;
};

// A request the platform refused for good, or whose retries ran out.
class api_failure : public std::runtime_error {
public:
    api_failure(const std::string& what, api_verdict verdict)
        : std::runtime_error(what), verdict_(std::move(verdict)) {}
    const api_verdict& verdict() const { return verdict_; }
    const std::string& code() const { return verdict_.code; }

private:
    api_verdict verdict_;
};

}  // namespace scribe::adapters
