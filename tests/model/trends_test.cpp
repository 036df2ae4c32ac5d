// Trend arithmetic: percentiles, ISO weeks, months in the team's time zone, rows without gaps,
// and what each row counts.
#include "bot/model/trends.hpp"

#include <doctest/doctest.h>

#include "bot/model/zone.hpp"
#include "tests/support/events.hpp"

using namespace scribe::model;
using scribe::testing::at;
using namespace std::chrono;

namespace {

incident_facts declared(const char* when, severity level = severity::sev3) {
    incident_facts f;
    f.level = level;
    f.declared_at = at(when);
    return f;
}

const auto in_utc = [](timestamp t) { return year_month_day{floor<days>(t)}; };

}  // namespace

TEST_CASE("percentiles are linear between the closest ranks") {
    const std::vector<scribe::model::duration> values{minutes(1), minutes(2), minutes(3),
                                                      minutes(4)};
    CHECK(percentile(values, 50) == seconds(150));
    CHECK(percentile(values, 90) == milliseconds(222'000));
    CHECK(percentile(values, 0) == minutes(1));
    CHECK(percentile(values, 100) == minutes(4));
    CHECK(percentile(std::vector<scribe::model::duration>{minutes(7)}, 90) == minutes(7));
}

TEST_CASE("ISO weeks start on Monday and belong to the year of their Thursday") {
    CHECK(iso_week(2026y / January / 1) == "2026-W01");
    CHECK(iso_week(2024y / December / 30) == "2025-W01");
    CHECK(iso_week(2021y / January / 3) == "2020-W53");
    CHECK(iso_week(2026y / November / 21) == "2026-W47");
    CHECK(iso_week(2026y / November / 23) == "2026-W48");
}

TEST_CASE("months are the team's: an incident late on the last day in UTC can be next month's") {
    const auto berlin = *zone::locate("Europe/Berlin");
    const std::vector<incident_facts> incidents{declared("2026-10-31T23:30:00Z"),
                                                declared("2026-10-31T22:30:00Z")};
    const auto local =
        trends(incidents, trend_period::month, [&](timestamp t) { return berlin.local_date(t); });
    // 00:30 on 1 November and 23:30 on 31 October in Berlin (CET, UTC+1).
    REQUIRE(local.size() == 2);
    CHECK(local[0].period == "2026-10");
    CHECK(local[0].incidents == 1);
    CHECK(local[1].period == "2026-11");
    CHECK(local[1].incidents == 1);
    const auto utc = trends(incidents, trend_period::month, in_utc);
    REQUIRE(utc.size() == 1);
    CHECK(utc[0].period == "2026-10");
    CHECK(utc[0].incidents == 2);
}

TEST_CASE("rows run without gaps, and each counts its incidents, shares and metrics") {
    auto a = declared("2026-09-03T10:00:00Z", severity::sev1);
    a.time_to_resolve = minutes(60);
    a.time_to_detect = minutes(5);
    a.origin = cause_origin::code_change;
    a.resolution = resolution_type::rollback;
    a.detected_by = detection::monitoring;
    a.actions_opened = {at("2026-09-04T10:00:00Z"), at("2026-11-02T10:00:00Z")};
    a.actions_done = {at("2026-11-20T10:00:00Z")};
    auto b = declared("2026-09-20T10:00:00Z", severity::sev3);
    b.time_to_resolve = minutes(20);
    b.origin = cause_origin::code_change;
    auto c = declared("2026-09-25T10:00:00Z", severity::sev2);
    auto d = declared("2026-11-01T10:00:00Z", severity::sev4);
    const auto rows = trends({a, b, c, d}, trend_period::month, in_utc);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].period == "2026-09");
    CHECK(rows[1].period == "2026-10");
    CHECK(rows[2].period == "2026-11");

    const auto& sep = rows[0];
    CHECK(sep.incidents == 3);
    CHECK(sep.by_severity.at(severity::sev1) == 1);
    CHECK(sep.by_severity.at(severity::sev4) == 0);
    CHECK(sep.sev1_sev2_percent == doctest::Approx(200.0 / 3));
    CHECK(sep.resolve.count == 2);
    CHECK(sep.resolve.median == minutes(40));
    CHECK(sep.resolve.p90 == minutes(56));
    CHECK(sep.detect.count == 1);
    CHECK_FALSE(sep.mitigate.median);
    CHECK(sep.origins.at("code-change") == 2);
    CHECK(sep.resolutions.at("rollback") == 1);
    CHECK(sep.detections.at("monitoring") == 1);
    CHECK(sep.actions_opened == 1);

    CHECK(rows[1].incidents == 0);  // a quiet month is a row, not a gap
    CHECK(rows[1].sev1_sev2_percent == 0);
    CHECK(rows[2].incidents == 1);
    CHECK(rows[2].actions_opened == 1);
    CHECK(rows[2].actions_done == 1);

    a.actions_opened.clear();
    a.actions_done.clear();
    const auto weeks = trends({a, b}, trend_period::week, in_utc);
    REQUIRE(weeks.size() == 3);  // W36, W37 (quiet), W38
    CHECK(weeks.front().period == "2026-W36");
    CHECK(weeks.back().period == "2026-W38");
    CHECK(trends({}, trend_period::month, in_utc).empty());
}

TEST_CASE("the facts of a folded incident") {
    scribe::testing::log_builder log;
    const person alice = scribe::testing::user("alice", "Alice");
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", severity::sev1})
        .add(at("2026-11-21T13:50:00Z"), alice, payload::detected{detection::customer})
        .add(at("2026-11-21T14:40:00Z"), alice, payload::status_changed{phase::resolved})
        .add(at("2026-11-21T14:41:00Z"), alice,
             payload::cause_noted{cause_origin::infrastructure, "disk"})
        .add(at("2026-11-21T14:42:00Z"), alice, payload::action_added{alice, "alert", std::nullopt})
        .add(at("2026-11-21T14:43:00Z"), alice, payload::action_added{alice, "gone", std::nullopt})
        .add(at("2026-11-21T14:44:00Z"), alice, payload::entry_retracted{6});
    const auto f = facts_of(fold(log.events()));
    CHECK(f.level == severity::sev1);
    CHECK(f.time_to_detect == minutes(0));
    CHECK(f.time_to_resolve == minutes(50));
    CHECK(f.origin == cause_origin::infrastructure);
    CHECK_FALSE(f.resolution);
    CHECK(f.detected_by == detection::customer);
    CHECK(f.actions_opened.size() == 1);
    CHECK(f.actions_done.empty());
}
