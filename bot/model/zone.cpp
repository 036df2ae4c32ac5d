// Time zones through Howard Hinnant's date library, which reads the system's tz database;
// g++ 12 has no std::chrono::zoned_time yet.
#include "bot/model/zone.hpp"

#include <date/tz.h>

#include <cstdio>

#include "bot/model/time.hpp"

namespace scribe::model {

std::optional<zone> zone::locate(std::string_view name) {
    try {
        const auto* tz = date::locate_zone(name);
        return zone(tz, std::string(name));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

zone zone::utc() { return *locate("UTC"); }

std::chrono::minutes zone::offset_at(timestamp t) const {
    return std::chrono::duration_cast<std::chrono::minutes>(tz_->get_info(t).offset);
}

std::chrono::year_month_day zone::local_date(timestamp t) const {
    const auto local = t.time_since_epoch() + offset_at(t);
    return std::chrono::year_month_day{
        std::chrono::floor<std::chrono::days>(std::chrono::sys_time<duration>{local})};
}

std::string zone::format_date_time(timestamp t) const {
    return format_date(local_date(t)) + " " + format_time(t);
}

std::string zone::format_time(timestamp t) const {
    using namespace std::chrono;
    const auto local = sys_time<milliseconds>{t.time_since_epoch() + offset_at(t)};
    const hh_mm_ss<milliseconds> hms{local - floor<days>(local)};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()));
    return buf;
}

std::string zone::format_offset(timestamp t) const {
    const auto offset = offset_at(t).count();
    const long long magnitude = offset < 0 ? -offset : offset;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%c%02lld:%02lld", offset < 0 ? '-' : '+', magnitude / 60,
                  magnitude % 60);
    return buf;
}

zone::local_instants zone::from_local(std::chrono::year_month_day day,
                                      std::chrono::milliseconds time_of_day) const {
    const date::local_time<std::chrono::milliseconds> local{
        date::local_days{date::year{static_cast<int>(day.year())} /
                         static_cast<unsigned>(day.month()) / static_cast<unsigned>(day.day())}
            .time_since_epoch() +
        time_of_day};
    const auto info = tz_->get_info(local);
    const auto instant = [&](const date::sys_info& offset) {
        return timestamp{local.time_since_epoch() -
                         std::chrono::duration_cast<std::chrono::milliseconds>(offset.offset)};
    };
    switch (info.result) {
        case date::local_info::unique: return {local_instants::count::one, instant(info.first), {}};
        case date::local_info::ambiguous:
            return {local_instants::count::two, instant(info.first), instant(info.second)};
        default:
            return {local_instants::count::none,
                    std::chrono::time_point_cast<std::chrono::milliseconds>(info.first.end), {}};
    }
}

}  // namespace scribe::model
