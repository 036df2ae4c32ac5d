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

    // The instants a local wall-clock time names. Around a change of offset (DST) a time can
    // name none (the clocks skipped it) or two (they showed it twice).
    struct local_instants {
        enum class count { one, none, two };
        count found = count::one;
        timestamp first{};   // the instant; the earlier of two; for none, when the clocks jumped
        timestamp second{};  // the later of two
    };
    local_instants from_local(std::chrono::year_month_day day,
                              std::chrono::milliseconds time_of_day) const;

private:
    zone(const date::time_zone* tz, std::string name) : tz_(tz), name_(std::move(name)) {}
    const date::time_zone* tz_;  // owned by the tz database, lives as long as the process
    std::string name_;
};

}  // namespace scribe::model
