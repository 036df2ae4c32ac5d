// Matrix error answers: the standard error body, what kind of failure it is, how long to wait.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/api_verdict.hpp"
#include "adapters/retry_after.hpp"

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

// What a homeserver's answer means for the request that got it: 2xx is a success, and an
// error body is classified as above, a rate limit carrying its wait.
api_verdict classify(const api_answer& answer, std::chrono::system_clock::time_point now);

// How long to wait before retrying a rate-limited request: the Retry-After header when it
// parses (preferred since v1.10), else retry_after_ms, else `fallback`; never more than
// max_server_wait (retry_after.hpp).
std::chrono::milliseconds rate_limit_wait(
    const matrix_error& e, std::optional<std::string_view> retry_after_header,
    std::chrono::system_clock::time_point now,
    std::chrono::milliseconds fallback = std::chrono::seconds{5},
    std::chrono::milliseconds cap = max_server_wait);

}  // namespace scribe::adapters::matrix
