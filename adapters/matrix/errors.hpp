// Matrix error answers: the standard error body, what kind of failure it is, how long to wait.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace scribe::adapters::matrix {

// {"errcode":"M_FORBIDDEN","error":"…","retry_after_ms":2000,"soft_logout":true}
struct matrix_error {
    int status = 0;       // the HTTP status
    std::string errcode;  // empty when the body had none (a proxy's HTML page, say)
    std::string error;    // for the log
    std::optional<std::chrono::milliseconds> retry_after_ms;  // deprecated since v1.10
    bool soft_logout = false;
};

// Never throws; a body that is not a Matrix error leaves errcode and error empty.
matrix_error parse_error(int status, std::string_view body);

enum class error_kind {
    unauthorized,  // M_UNKNOWN_TOKEN, M_MISSING_TOKEN: fatal; stop and say the token is bad
    forbidden,     // M_FORBIDDEN: not allowed in that room; give up on this request
    not_found,     // M_NOT_FOUND
    rate_limited,  // wait rate_limit_wait(), then retry the same request
    transient,     // 5xx or no errcode on a 5xx: retry with backoff
    rejected,      // any other 4xx (M_BAD_JSON, M_DUPLICATE_ANNOTATION, …): retrying won't help
};

// By errcode first, as the spec asks, and by status for M_UNKNOWN or no errcode. Rate
// limiting is M_LIMIT_EXCEEDED, or 429 with M_UNKNOWN or no errcode (matrix-js-sdk's rule).
error_kind classify(const matrix_error& e);

std::string_view to_string(error_kind kind);

// A Retry-After header: delta-seconds ("2") or an IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT",
// counted from `now`). nullopt for anything else; a date in the past is a wait of zero.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view header, std::chrono::system_clock::time_point now);

// How long to wait before retrying a rate-limited request: the Retry-After header when it
// parses (preferred since v1.10), else retry_after_ms, else `fallback`; at most `cap`, so a
// misbehaving server cannot park the bot for a day.
std::chrono::milliseconds rate_limit_wait(
    const matrix_error& e, std::optional<std::string_view> retry_after_header,
    std::chrono::system_clock::time_point now,
    std::chrono::milliseconds fallback = std::chrono::seconds{5},
    std::chrono::milliseconds cap = std::chrono::minutes{10});

}  // namespace scribe::adapters::matrix
