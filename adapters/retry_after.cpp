// Reading Retry-After without trusting its numbers: every value is bounded before any
// arithmetic that could overflow.
#include "adapters/retry_after.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace scribe::adapters {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::optional<std::int64_t> number(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range && !text.empty() && text.front() != '-') {
        return INT64_MAX;  // all digits, just too many: a very long wait
    }
    if (ec != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

// "Wed, 21 Oct 2015 07:28:00 GMT" (RFC 9110 IMF-fixdate; servers do not send the obsolete
// forms), as seconds since the epoch.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text) {
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
        std::chrono::year{static_cast<int>(*year)},
        std::chrono::month{static_cast<unsigned>(month - months.begin() + 1)},
        std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok()) return std::nullopt;
    // Four-digit years keep this within sys_seconds' range.
    return std::chrono::sys_seconds{std::chrono::sys_days{date}} + std::chrono::hours{*hour} +
           std::chrono::minutes{*minute} + std::chrono::seconds{*second};
}

}  // namespace

std::chrono::milliseconds bounded_wait(std::chrono::milliseconds asked) {
    return std::clamp(asked, std::chrono::milliseconds{0}, max_server_wait);
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view header, std::chrono::system_clock::time_point now) {
    header = trim(header);
    const auto cap = std::chrono::duration_cast<std::chrono::seconds>(max_server_wait);
    if (const auto seconds = number(header)) {
        return std::chrono::milliseconds{std::min(std::chrono::seconds{*seconds}, cap)};
    }
    const auto date = parse_http_date(header);
    if (!date) return std::nullopt;
    // Compared in seconds: a date in the year 9999 is far outside what nanoseconds hold.
    const auto from = std::chrono::floor<std::chrono::seconds>(now);
    if (*date <= from) return std::chrono::milliseconds{0};
    return std::chrono::milliseconds{std::min(*date - from, cap)};
}

}  // namespace scribe::adapters
