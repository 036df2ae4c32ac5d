// Resolving typed times against the clock value and zone the caller passes in.
#include "commands/time_spec.hpp"

#include <cctype>

#include "bot/model/time.hpp"

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
struct local_date_time {
    std::chrono::year_month_day day;
    std::chrono::milliseconds time_of_day;
};

std::optional<local_date_time> parse_local_date_time(std::string_view text) {
    if (text.size() < 16 || (text[10] != 'T' && text[10] != 't')) return std::nullopt;
    const auto day = model::parse_date(text.substr(0, 10));
    const auto clock = parse_clock(text.substr(11));
    if (!day || !clock) return std::nullopt;
    return local_date_time{*day, *clock};
}

// A local time on a given day: one instant, or a problem when the clocks skipped it. When they
// showed it twice, the first is taken unless only the second is before `latest`.
std::variant<resolved_time, std::string> local_instant(const std::string& quoted,
                                                       const local_date_time& local,
                                                       const model::zone& zone,
                                                       model::timestamp latest) {
    using count = model::zone::local_instants::count;
    const auto found = zone.from_local(local.day, local.time_of_day);
    if (found.found == count::none) {
        return quoted + " did not exist on " + model::format_date(local.day) + " in " +
               zone.name() + ": the clocks skipped it when they went forward at " +
               zone.format_time(found.first) + "; give the time with its offset or in UTC (" +
               model::format_date(local.day) + "T…Z)";
    }
    if (found.found == count::two && found.second <= latest) {
        return resolved_time{
            found.first, quoted + " happened twice on " + model::format_date(local.day) + " in " +
                             zone.name() + " (the clocks went back); taken as the first, UTC" +
                             zone.format_offset(found.first) +
                             ". For the second, give the offset: @" +
                             model::format_date(local.day) + "T" + zone.format_time(found.second) +
                             zone.format_offset(found.second)};
    }
    return resolved_time{found.first, {}};
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

std::variant<resolved_time, std::string> resolve_time(std::string_view token, model::timestamp now,
                                                      const model::zone& zone) {
    const std::string quoted = "'" + std::string(token) + "'";
    const auto latest = now + max_clock_skew;
    std::variant<resolved_time, std::string> result;
    if (!token.empty() && token[0] == '-') {
        const auto span = parse_span(token.substr(1));
        if (!span) return quoted + " is not a span like -15m, -2h or -90s";
        result = resolved_time{now - *span, {}};
    } else {
        const std::string_view bare = !token.empty() && token[0] == '@' ? token.substr(1) : token;
        if (const auto clock = parse_clock(bare)) {
            // Today, or yesterday when today's is still to come.
            const auto today = zone.local_date(now);
            result = local_instant(quoted, {today, *clock}, zone, now);
            const auto* today_at = std::get_if<resolved_time>(&result);
            const bool later_than_now = today_at ? today_at->at > now
                                                 : zone.from_local(today, *clock).first > now;
            if (later_than_now) {
                const std::chrono::year_month_day yesterday{std::chrono::sys_days{today} -
                                                            std::chrono::days(1)};
                result = local_instant(quoted, {yesterday, *clock}, zone, now);
            }
        } else if (const auto utc = model::parse_utc(bare)) {
            result = resolved_time{*utc, {}};
        } else if (const auto local = parse_local_date_time(bare)) {
            result = local_instant(quoted, *local, zone, latest);
        } else {
            return quoted + " is not a time: use -15m, @14:05 or @2026-11-21T14:05Z";
        }
    }
    if (const auto* resolved = std::get_if<resolved_time>(&result)) {
        if (resolved->at < now - max_backdate) return quoted + " is more than 30 days ago";
        if (resolved->at > latest) return quoted + " is in the future";
    }
    return result;
}

}  // namespace scribe::commands
