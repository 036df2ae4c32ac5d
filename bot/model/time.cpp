// Formatting and parsing of UTC timestamps and spans, without locale or clock.
#include "bot/model/time.hpp"

#include <charconv>
#include <cstdio>

namespace scribe::model {
namespace {

// Reads exactly `digits` decimal digits at `pos`.
std::optional<int> read_number(std::string_view text, std::size_t& pos, std::size_t digits) {
    if (pos + digits > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    pos += digits;
    return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
    if (pos < text.size() && text[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

// "YYYY-MM-DD" at `pos`, naming a day that exists.
std::optional<std::chrono::year_month_day> read_date(std::string_view text, std::size_t& pos) {
    using namespace std::chrono;
    const auto y = read_number(text, pos, 4);
    if (!y || !expect(text, pos, '-')) return std::nullopt;
    const auto m = read_number(text, pos, 2);
    if (!m || !expect(text, pos, '-')) return std::nullopt;
    const auto d = read_number(text, pos, 2);
    if (!d) return std::nullopt;
    const year_month_day day{year{*y}, month{static_cast<unsigned>(*m)},
                             std::chrono::day{static_cast<unsigned>(*d)}};
    if (!day.ok()) return std::nullopt;
    return day;
}

}  // namespace

std::string format_date(std::chrono::year_month_day day) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(day.year()),
                  static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
    return buf;
}

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
    std::size_t pos = 0;
    auto day = read_date(text, pos);
    if (pos != text.size()) return std::nullopt;
    return day;
}

std::string format_utc(timestamp t) {
    std::string out;
    append_utc(out, t);
    return out;
}

// Digits written by hand: exports write millions of these, and snprintf dominated them.
void append_utc(std::string& out, timestamp t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<milliseconds> hms{t - day};
    const int year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) {
        char buf[48];
        std::snprintf(
            buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", year,
            static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
            static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
            static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
        out += buf;
        return;
    }
    char buf[] = "0000-00-00T00:00:00.000Z";
    const auto put = [&buf](std::size_t at, std::size_t width, long long value) {
        for (std::size_t i = 0; i < width; ++i) {
            buf[at + width - 1 - i] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, static_cast<unsigned>(ymd.month()));
    put(8, 2, static_cast<unsigned>(ymd.day()));
    put(11, 2, hms.hours().count());
    put(14, 2, hms.minutes().count());
    put(17, 2, hms.seconds().count());
    put(20, 3, hms.subseconds().count());
    out.append(buf, sizeof buf - 1);
}

std::optional<timestamp> parse_utc(std::string_view text) {
    using namespace std::chrono;
    std::size_t pos = 0;
    const auto date = read_date(text, pos);
    if (!date || !(expect(text, pos, 'T') || expect(text, pos, 't') || expect(text, pos, ' '))) {
        return std::nullopt;
    }
    const auto h = read_number(text, pos, 2);
    if (!h || !expect(text, pos, ':')) return std::nullopt;
    const auto mi = read_number(text, pos, 2);
    if (!mi) return std::nullopt;
    int sec = 0;
    int milli = 0;
    if (expect(text, pos, ':')) {
        const auto s = read_number(text, pos, 2);
        if (!s) return std::nullopt;
        sec = *s;
        if (expect(text, pos, '.')) {
            std::size_t digits = 0;
            int scale = 100;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                if (digits < 3) milli += (text[pos] - '0') * scale;
                scale /= 10;
                ++digits;
                ++pos;
            }
            if (digits == 0) return std::nullopt;
        }
    }
    minutes offset{0};
    if (expect(text, pos, 'Z') || expect(text, pos, 'z')) {
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const int sign = text[pos] == '-' ? -1 : 1;
        ++pos;
        const auto oh = read_number(text, pos, 2);
        expect(text, pos, ':');
        const auto om = read_number(text, pos, 2);
        if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
        offset = minutes{sign * (*oh * 60 + *om)};
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
    if (*h > 23 || *mi > 59 || sec > 59) return std::nullopt;
    return timestamp{sys_days{*date}} + hours{*h} + minutes{*mi} + seconds{sec} +
           milliseconds{milli} - offset;
}

std::string format_span(duration d) {
    using namespace std::chrono;
    const bool negative = d < duration::zero();
    auto rest = floor<seconds>(negative ? -d : d);
    const auto day_count = floor<days>(rest);
    rest -= day_count;
    const auto h = floor<hours>(rest);
    rest -= h;
    const auto m = floor<minutes>(rest);
    rest -= m;
    char buf[64];
    if (day_count.count() > 0) {
        std::snprintf(buf, sizeof buf, "%lldd %02lldh %02lldm",
                      static_cast<long long>(day_count.count()), static_cast<long long>(h.count()),
                      static_cast<long long>(m.count()));
    } else if (h.count() > 0) {
        std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(h.count()),
                      static_cast<long long>(m.count()));
    } else if (m.count() > 0) {
        std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(m.count()),
                      static_cast<long long>(rest.count()));
    } else {
        std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(rest.count()));
    }
    // A span that rounds to nothing has no sign: never "-0s".
    std::string out = negative && floor<seconds>(-d) > seconds::zero() ? "-" : "";
    out += buf;
    return out;
}

}  // namespace scribe::model
