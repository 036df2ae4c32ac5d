// Trends over many incidents, per month or ISO week: how many of each severity, the share of
// SEV1 and SEV2, median and p90 of the metrics, what caused, fixed and detected them, and
// action items opened against done. Pure: the caller says which local day an instant is.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bot/model/incident.hpp"

namespace scribe::model {

// What the trends need of one incident; from a fold (facts_of) or from the store's rows.
struct incident_facts {
    std::int64_t id = 0;
    severity level = severity::sev3;
    timestamp declared_at{};
    std::optional<duration> time_to_detect;
    std::optional<duration> time_to_mitigate;
    std::optional<duration> time_to_resolve;
    std::optional<cause_origin> origin;
    std::optional<resolution_type> resolution;
    std::optional<detection> detected_by;
    bool security = false;                  // flagged with !security
    bool data_lost = false;                 // !dataloss
    std::vector<timestamp> actions_opened;  // when each live action item was recorded
    std::vector<timestamp> actions_done;    // when each was marked done

    bool operator==(const incident_facts&) const = default;
};

incident_facts facts_of(const incident& state);

enum class trend_period { month, week };

// The median and the 90th percentile (linear between ranks) of a metric, over the incidents
// of a period that have it.
struct spread {
    std::size_t count = 0;
    std::optional<duration> median;
    std::optional<duration> p90;
};

struct trend_row {
    std::string period;                   // "2026-11", or the ISO week "2026-W47"
    std::map<severity, int> by_severity;  // every severity present, zero or not
    int incidents = 0;
    double sev1_sev2_percent = 0;  // of the period's incidents; 0 without any
    spread detect;
    spread mitigate;
    spread resolve;
    std::map<std::string, int> origins;      // "code_change": 3
    std::map<std::string, int> resolutions;  // "rollback": 2
    std::map<std::string, int> detections;   // "monitoring": 4
    int actions_opened = 0;
    int actions_done = 0;
};

// Incidents fall in the period of their declaration, action items in those of their own
// dates. Rows run from the earliest period to the latest without gaps, oldest first.
std::vector<trend_row> trends(const std::vector<incident_facts>& incidents, trend_period by,
                              const std::function<std::chrono::year_month_day(timestamp)>& day_of);

// The percentile `p` (0..100) of sorted values, linear between the closest ranks.
duration percentile(const std::vector<duration>& sorted, double p);

// "2026-W47": the ISO 8601 week a day falls in (weeks start on Monday; week 1 holds the
// year's first Thursday).
std::string iso_week(std::chrono::year_month_day day);

}  // namespace scribe::model
