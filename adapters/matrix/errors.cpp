// Matrix error answers: the standard error body, what kind of failure it is, how long to wait.
#include "adapters/matrix/errors.hpp"

#include <algorithm>

#include "adapters/matrix/read_event.hpp"
#include "adapters/retry_after.hpp"
#include "adapters/matrix/text.hpp"

namespace scribe::adapters::matrix {

namespace {

// Error bodies are tiny; a large one is an HTML page from something in between.
constexpr std::size_t max_error_bytes = 64 * 1024;

}  // namespace

matrix_error parse_error(int status, std::string_view body) {
    matrix_error e;
    e.status = status;
    const auto parsed = detail::read_homeserver_json(body, max_error_bytes);
    if (!parsed.error.empty()) return e;
    e.errcode = json_input::text_at(parsed.value, "errcode");
    e.error = json_input::text_at(parsed.value, "error");
    if (const auto ms = json_input::int_at(parsed.value, "retry_after_ms"); ms && *ms >= 0) {
        e.retry_after_ms = std::chrono::milliseconds{*ms};
    }
    e.soft_logout = json_input::flag_at(parsed.value, "soft_logout");
    return e;
}

error_kind classify(const matrix_error& e) {
    if (e.errcode == "M_UNKNOWN_TOKEN" || e.errcode == "M_MISSING_TOKEN") {
        return error_kind::unauthorized;
    }
    if (e.errcode == "M_LIMIT_EXCEEDED") return error_kind::rate_limited;
    if (e.errcode == "M_FORBIDDEN") return error_kind::forbidden;
    if (e.errcode == "M_NOT_FOUND") return error_kind::not_found;
    const bool by_status = e.errcode.empty() || e.errcode == "M_UNKNOWN";
    if (by_status && e.status == 429) return error_kind::rate_limited;
    if (e.status >= 500 || e.status == 0) return error_kind::transient;
    if (by_status && e.status == 401) return error_kind::unauthorized;
    if (by_status && e.status == 403) return error_kind::forbidden;
    if (by_status && e.status == 404) return error_kind::not_found;
    return error_kind::rejected;
}

std::string_view to_string(error_kind kind) {
    switch (kind) {
        case error_kind::unauthorized:
            return "unauthorized";
        case error_kind::forbidden:
            return "forbidden";
        case error_kind::not_found:
            return "not_found";
        case error_kind::rate_limited:
            return "rate_limited";
        case error_kind::transient:
            return "transient";
        case error_kind::rejected:
            return "rejected";
    }
    return "rejected";
}

std::chrono::milliseconds rate_limit_wait(const matrix_error& e,
                                          std::optional<std::string_view> retry_after_header,
                                          std::chrono::system_clock::time_point now,
                                          std::chrono::milliseconds fallback,
                                          std::chrono::milliseconds cap) {
    std::optional<std::chrono::milliseconds> wait;
    if (retry_after_header) wait = parse_retry_after(*retry_after_header, now);
    if (!wait && e.retry_after_ms) wait = bounded_wait(*e.retry_after_ms);
    return std::min(wait.value_or(fallback), cap);
}

api_verdict classify(const api_answer& answer, std::chrono::system_clock::time_point now) {
    using verdict = api_verdict::kind;
    if (answer.status >= 200 && answer.status < 300) return {verdict::success, {}, {}, {}};
    const matrix_error e = parse_error(static_cast<int>(answer.status), answer.body);
    const std::string status = "HTTP " + std::to_string(answer.status);
    const std::string code = e.errcode.empty() ? status : e.errcode;
    const std::string message = e.error.empty() ? status : status + ": " + e.error;
    switch (classify(e)) {
        case error_kind::unauthorized: return {verdict::credential_refused, code, message, {}};
        case error_kind::rate_limited:
            return {verdict::rate_limited, code, message,
                    rate_limit_wait(e, answer.retry_after, now)};
        case error_kind::transient: return {verdict::transient, code, message, {}};
        case error_kind::forbidden:
        case error_kind::not_found:
        case error_kind::rejected: break;
    }
    return {verdict::refused, code, message, {}};
}

}  // namespace scribe::adapters::matrix
