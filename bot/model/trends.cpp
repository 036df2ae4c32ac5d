// Trends: bucketing by local month or ISO week, percentiles, and the rows without gaps.
#include "bot/model/trends.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace scribe::model {
namespace {

using std::chrono::sys_days;
using std::chrono::year_month_day;

std::string month_label(year_month_day day) {
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u", static_cast<int>(day.year()),
                  static_cast<unsigned>(day.month()));
    return text;
}

// The Monday of the ISO week holding `day`.
sys_days week_start(year_month_day day) {
    const sys_days d{day};
    const auto monday_based = (std::chrono::weekday{d}.c_encoding() + 6) % 7;
    return d - std::chrono::days{monday_based};
}

// The period's first day, by which periods are ordered and stepped through.
sys_days period_start(year_month_day day, trend_period by) {
    if (by == trend_period::week) return week_start(day);
    return sys_days{day.year() / day.month() / 1};
}

sys_days next_period(sys_days start, trend_period by) {
    if (by == trend_period::week) return start + std::chrono::days{7};
    const year_month_day first{start};
    const auto next = std::chrono::year_month{first.year(), first.month()} + std::chrono::months{1};
    return sys_days{next / 1};
}

std::string label(sys_days start, trend_period by) {
    return by == trend_period::week ? iso_week(year_month_day{start})
                                    : month_label(year_month_day{start});
}

spread spread_of(std::vector<duration> values) {
    spread s;
    s.count = values.size();
    if (values.empty()) return s;
    std::sort(values.begin(), values.end());
    s.median = percentile(values, 50);
    s.p90 = percentile(values, 90);
    return s;
}

struct bucket {
    std::vector<const incident_facts*> incidents;
    int actions_opened = 0;
    int actions_done = 0;
};

}  // namespace

incident_facts facts_of(const incident& state) {
    incident_facts f;
    f.id = state.id;
    f.level = state.level;
    f.declared_at = state.declared_at;
    const auto m = compute_metrics(state);
    f.time_to_detect = m.time_to_detect;
    f.time_to_mitigate = m.time_to_mitigate;
    f.time_to_resolve = m.time_to_resolve;
    // A withdrawn cause or fix counts as not recorded, as in the draft.
    if (state.cause && !state.cause->retracted) f.origin = state.origin;
    if (state.resolution && !state.resolution->retracted) f.resolution = state.resolution_kind;
    if (state.marks.detected && state.detected_by != detection::unknown) {
        f.detected_by = state.detected_by;
    }
    f.security = state.security_flagged();
    f.data_lost = state.data_lost();
    for (const auto& action : state.actions) {
        if (action.retracted) continue;
        f.actions_opened.push_back(action.recorded_at);
        if (action.status == action_status::done && action.status_changed_at) {
            f.actions_done.push_back(*action.status_changed_at);
        }
    }
    return f;
}

duration percentile(const std::vector<duration>& sorted, double p) {
    if (sorted.empty()) return duration::zero();
    const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size() - 1);
    const auto lower = static_cast<std::size_t>(std::floor(rank));
    const auto upper = std::min(lower + 1, sorted.size() - 1);
    const double weight = rank - static_cast<double>(lower);
    const double value = static_cast<double>(sorted[lower].count()) * (1 - weight) +
                         static_cast<double>(sorted[upper].count()) * weight;
    return duration{static_cast<duration::rep>(std::llround(value))};
}

std::string iso_week(year_month_day day) {
    // The week belongs to the year of its Thursday.
    const auto thursday = week_start(day) + std::chrono::days{3};
    const year_month_day thursday_day{thursday};
    const sys_days year_start{thursday_day.year() / 1 / 1};
    const auto week = (thursday - year_start).count() / 7 + 1;
    char text[32];
    std::snprintf(text, sizeof text, "%04d-W%02d", static_cast<int>(thursday_day.year()),
                  static_cast<int>(week));
    return text;
}

std::vector<trend_row> trends(const std::vector<incident_facts>& incidents, trend_period by,
                              const std::function<year_month_day(timestamp)>& day_of) {
    std::map<sys_days, bucket> buckets;
    const auto bucket_of = [&](timestamp t) -> bucket& {
        return buckets[period_start(day_of(t), by)];
    };
    for (const auto& f : incidents) {
        bucket_of(f.declared_at).incidents.push_back(&f);
        for (const auto at : f.actions_opened) ++bucket_of(at).actions_opened;
        for (const auto at : f.actions_done) ++bucket_of(at).actions_done;
    }
    std::vector<trend_row> rows;
    if (buckets.empty()) return rows;
    const auto last = buckets.rbegin()->first;
    for (auto start = buckets.begin()->first; start <= last; start = next_period(start, by)) {
        trend_row row;
        row.period = label(start, by);
        for (const auto level : {severity::sev1, severity::sev2, severity::sev3, severity::sev4}) {
            row.by_severity[level] = 0;
        }
        const auto found = buckets.find(start);
        if (found != buckets.end()) {
            const auto& b = found->second;
            std::vector<duration> detect, mitigate, resolve;
            for (const auto* f : b.incidents) {
                ++row.by_severity[f->level];
                if (f->time_to_detect) detect.push_back(*f->time_to_detect);
                if (f->time_to_mitigate) mitigate.push_back(*f->time_to_mitigate);
                if (f->time_to_resolve) resolve.push_back(*f->time_to_resolve);
                if (f->origin) ++row.origins[std::string(to_string(*f->origin))];
                if (f->resolution) ++row.resolutions[std::string(to_string(*f->resolution))];
                if (f->detected_by) ++row.detections[std::string(to_string(*f->detected_by))];
            }
            row.incidents = static_cast<int>(b.incidents.size());
            if (row.incidents > 0) {
                row.sev1_sev2_percent =
                    100.0 * (row.by_severity[severity::sev1] + row.by_severity[severity::sev2]) /
                    row.incidents;
            }
            row.detect = spread_of(std::move(detect));
            row.mitigate = spread_of(std::move(mitigate));
            row.resolve = spread_of(std::move(resolve));
            row.actions_opened = b.actions_opened;
            row.actions_done = b.actions_done;
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace scribe::model
