// Resolving typed times against the clock value and zone the caller passes in.
#include "commands/time_spec.hpp"

#include <cctype>

namespace scribe::commands {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "14:05" or "14:05:30" as a time of day.
std::optional<std::chrono::seconds> parse_clock(std::string_view text) {
    auto two_digits = [&](std::size_t pos) -> std::optional<int> {
        if (pos + 2 > text.size() || !is_digit(text[pos]) || !is_digit(text[pos + 1])) {
            return std::nullopt;
        }
        return (text[pos] - '0') * 10 + (text[pos + 1] - '0');
    };
    std::size_t hour_digits = text.size() >= 2 && text[1] == ':' ? 1 : 2;
    int hour = 0;
    if (hour_digits == 1) {
        if (text.empty() || !is_digit(text[0])) return std::nullopt;
        hour = text[0] - '0';
    } else {
        const auto h = two_digits(0);
        if (!h) return std::nullopt;
        hour = *h;
    }
    if (text.size() <= hour_digits || text[hour_digits] != ':') return std::nullopt;
    const auto minute = two_digits(hour_digits + 1);
    if (!minute) return std::nullopt;
    int second = 0;
    const std::size_t after = hour_digits + 3;
    if (text.size() > after) {
        if (text[after] != ':') return std::nullopt;
        const auto s = two_digits(after + 1);
        if (!s || text.size() != after + 3) return std::nullopt;
        second = *s;
    }
    if (hour > 23 || *minute > 59 || second > 59) return std::nullopt;
    return std::chrono::hours(hour) + std::chrono::minutes(*minute) + std::chrono::seconds(second);
}

// A local date and time without an offset: "2026-11-21T14:05".
std::optional<model::timestamp> parse_local_date_time(std::string_view text,
                                                      const model::zone& zone) {
    if (text.size() < 16 || (text[10] != 'T' && text[10] != 't')) return std::nullopt;
    for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
        if (!is_digit(text[i])) return std::nullopt;
    }
    if (text[4] != '-' || text[7] != '-') return std::nullopt;
    const auto clock = parse_clock(text.substr(11));
    if (!clock) return std::nullopt;
    auto number = [&](std::size_t pos, std::size_t len) {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (text[i] - '0');
        return v;
    };
    const std::chrono::year_month_day day{std::chrono::year{number(0, 4)},
                                          std::chrono::month{static_cast<unsigned>(number(5, 2))},
                                          std::chrono::day{static_cast<unsigned>(number(8, 2))}};
    if (!day.ok()) return std::nullopt;
    const auto minutes = std::chrono::floor<std::chrono::minutes>(*clock);
    return zone.from_local(day, minutes) + (*clock - minutes);
}

}  // namespace

std::optional<model::duration> parse_span(std::string_view text) {
    if (text.empty()) return std::nullopt;
    model::duration total{0};
    std::size_t pos = 0;
    while (pos < text.size()) {
        long long value = 0;
        std::size_t digits = 0;
        while (pos < text.size() && is_digit(text[pos])) {
            if (++digits > 6) return std::nullopt;
            value = value * 10 + (text[pos] - '0');
            ++pos;
        }
        if (digits == 0 || pos == text.size()) return std::nullopt;
        switch (std::tolower(static_cast<unsigned char>(text[pos]))) {
            case 'd': total += std::chrono::hours(24 * value); break;
            case 'h': total += std::chrono::hours(value); break;
            case 'm': total += std::chrono::minutes(value); break;
            case 's': total += std::chrono::seconds(value); break;
            default: return std::nullopt;
        }
        ++pos;
    }
    if (total <= model::duration::zero()) return std::nullopt;
    return total;
}

bool looks_like_time(std::string_view token) {
    if (token.empty()) return false;
    if (token[0] == '@') return true;
    if (token[0] == '-' && token.size() > 1 && is_digit(token[1])) return true;
    return parse_clock(token).has_value();
}

std::variant<model::timestamp, std::string> resolve_time(std::string_view token,
                                                          model::timestamp now,
                                                          const model::zone& zone) {
    const std::string quoted = "'" + std::string(token) + "'";
    if (!token.empty() && token[0] == '-') {
        const auto span = parse_span(token.substr(1));
        if (!span) return quoted + " is not a span like -15m, -2h or -90s";
        if (*span > std::chrono::hours(24 * 30)) return quoted + " is more than 30 days ago";
        return now - *span;
    }
    const std::string_view bare = !token.empty() && token[0] == '@' ? token.substr(1) : token;
    if (const auto clock = parse_clock(bare)) {
        const auto today = zone.local_date(now);
        const auto minutes = std::chrono::floor<std::chrono::minutes>(*clock);
        auto t = zone.from_local(today, minutes) + (*clock - minutes);
        if (t > now) {
            const auto yesterday = std::chrono::sys_days{today} - std::chrono::days(1);
            t = zone.from_local(std::chrono::year_month_day{yesterday}, minutes) +
                (*clock - minutes);
        }
        return t;
    }
    std::optional<model::timestamp> t = model::parse_utc(bare);
    if (!t) t = parse_local_date_time(bare, zone);
    if (!t) {
        return quoted + " is not a time: use -15m, @14:05 or @2026-11-21T14:05Z";
    }
    if (*t > now + std::chrono::minutes(1)) return quoted + " is in the future";
    return *t;
}

}  // namespace scribe::commands
