// A named time zone (IANA, from the system's tz database) for showing and reading local times.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "bot/model/time.hpp"

namespace date {
class time_zone;
}

namespace scribe::model {

class zone {
public:
    // nullopt when the name is not in the tz database.
    static std::optional<zone> locate(std::string_view name);
    static zone utc();

    const std::string& name() const { return name_; }
    std::chrono::minutes offset_at(timestamp t) const;
    std::chrono::year_month_day local_date(timestamp t) const;

    // "2026-11-21 14:05" and "14:05" in this zone; "+01:00" its offset at t.
    std::string format_date_time(timestamp t) const;
    std::string format_time(timestamp t) const;
    std::string format_offset(timestamp t) const;

    // The instant of a local wall-clock time; in a gap or overlap of a DST change, the
    // earlier instant.
    timestamp from_local(std::chrono::year_month_day day, std::chrono::minutes time_of_day) const;

private:
    zone(const date::time_zone* tz, std::string name) : tz_(tz), name_(std::move(name)) {}
    const date::time_zone* tz_;  // owned by the tz database, lives as long as the process
    std::string name_;
};

}  // namespace scribe::model
