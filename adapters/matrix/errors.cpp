// Matrix error answers: the standard error body, what kind of failure it is, how long to wait.
#include "adapters/matrix/errors.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "adapters/matrix/read_event.hpp"
#include "adapters/matrix/text.hpp"

namespace scribe::adapters::matrix {

namespace {

// Error bodies are tiny; a large one is an HTML page from something in between.
constexpr std::size_t max_error_bytes = 64 * 1024;

std::optional<int> number(std::string_view text) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

// "Wed, 21 Oct 2015 07:28:00 GMT" (RFC 9110 IMF-fixdate; the obsolete forms are not sent by
// homeservers).
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
    constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT") {
        return std::nullopt;
    }
    const auto month = std::find(months.begin(), months.end(), text.substr(8, 3));
    const auto day = number(text.substr(5, 2));
    const auto year = number(text.substr(12, 4));
    const auto hour = number(text.substr(17, 2));
    const auto minute = number(text.substr(20, 2));
    const auto second = number(text.substr(23, 2));
    if (month == months.end() || !day || !year || !hour || !minute || !second || text[16] != ' ' ||
        text[19] != ':' || text[22] != ':' || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{
        std::chrono::year{*year},
        std::chrono::month{static_cast<unsigned>(month - months.begin() + 1)},
        std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok()) return std::nullopt;
    return std::chrono::sys_days{date} + std::chrono::hours{*hour} + std::chrono::minutes{*minute} +
           std::chrono::seconds{*second};
}

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

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view header, std::chrono::system_clock::time_point now) {
    header = detail::trim(header);
    if (const auto seconds = number(header)) return std::chrono::seconds{*seconds};
    const auto date = parse_http_date(header);
    if (!date) return std::nullopt;
    return std::max(std::chrono::milliseconds{0},
                    std::chrono::duration_cast<std::chrono::milliseconds>(*date - now));
}

std::chrono::milliseconds rate_limit_wait(const matrix_error& e,
                                          std::optional<std::string_view> retry_after_header,
                                          std::chrono::system_clock::time_point now,
                                          std::chrono::milliseconds fallback,
                                          std::chrono::milliseconds cap) {
    std::optional<std::chrono::milliseconds> wait;
    if (retry_after_header) wait = parse_retry_after(*retry_after_header, now);
    if (!wait) wait = e.retry_after_ms;
    return std::min(wait.value_or(fallback), cap);
}

}  // namespace scribe::adapters::matrix
