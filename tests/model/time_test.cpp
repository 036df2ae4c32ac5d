// Timestamps, spans and time zones.
#include <doctest/doctest.h>

#include "bot/model/zone.hpp"
#include "tests/support/events.hpp"

using namespace scribe::model;
using scribe::testing::at;

TEST_CASE("UTC timestamps round-trip and accept offsets") {
    const auto t = at("2026-11-21T14:05:06.789Z");
    CHECK(format_utc(t) == "2026-11-21T14:05:06.789Z");
    CHECK(parse_utc("2026-11-21T14:05Z") == at("2026-11-21T14:05:00.000Z"));
    CHECK(parse_utc("2026-11-21T15:05:00+01:00") == at("2026-11-21T14:05:00Z"));
    CHECK(parse_utc("2026-11-21T09:05-05:00") == at("2026-11-21T14:05:00Z"));
}

TEST_CASE("malformed timestamps are refused") {
    for (const char* bad : {"", "2026-11-21", "2026-13-01T00:00Z", "2026-02-30T00:00Z",
                            "2026-11-21T24:00Z", "2026-11-21T14:05", "2026-11-21T14:05Zjunk",
                            "2026-11-21T14:05:00.Z", "2026-11-21T14:05+25:00"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_utc(bad));
    }
}

TEST_CASE("calendar days are written and read in one form only") {
    using namespace std::chrono;
    CHECK(format_date(year{2026} / March / 9) == "2026-03-09");
    CHECK(parse_date("2026-03-09") == year{2026} / March / 9);
    CHECK(parse_date("2028-02-29") == year{2028} / February / 29);
    for (const char* bad :
         {"", "2026-3-9", "2026-02-29", "2026-13-01", "2026-11-21 ", " 2026-11-21",
          "2026-11-21T14:05Z", "+026-11-21", "2026/11/21", "2026-11-2x"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_date(bad));
    }
}

TEST_CASE("spans read like a person writes them") {
    using namespace std::chrono;
    CHECK(format_span(seconds(45)) == "45s");
    CHECK(format_span(minutes(12) + seconds(30)) == "12m 30s");
    CHECK(format_span(hours(1) + minutes(5)) == "1h 05m");
    CHECK(format_span(hours(49)) == "2d 01h 00m");
    CHECK(format_span(-minutes(3)) == "-3m 00s");
}

TEST_CASE("zones show local time with offset and read local wall-clock times") {
    const auto berlin = zone::locate("Europe/Berlin");
    REQUIRE(berlin);
    const auto t = at("2026-11-21T14:05:00Z");
    CHECK(berlin->format_time(t) == "15:05");
    CHECK(berlin->format_offset(t) == "+01:00");
    CHECK(berlin->format_date_time(at("2026-07-01T23:30:00Z")) == "2026-07-02 01:30");
    CHECK(berlin->format_offset(at("2026-07-01T23:30:00Z")) == "+02:00");
    using namespace std::chrono;
    const auto found = berlin->from_local(year{2026} / November / 21, hours(15) + minutes(5));
    CHECK(found.found == zone::local_instants::count::one);
    CHECK(found.first == t);
    CHECK_FALSE(zone::locate("Mars/Olympus_Mons"));
    CHECK(zone::utc().format_offset(t) == "+00:00");
}

TEST_CASE("a local time the clocks skipped names no instant, one they showed twice names two") {
    using namespace std::chrono;
    const auto berlin = zone::locate("Europe/Berlin");
    REQUIRE(berlin);
    const auto skipped = berlin->from_local(year{2026} / March / 29, hours(2) + minutes(30));
    CHECK(skipped.found == zone::local_instants::count::none);
    CHECK(skipped.first == at("2026-03-29T01:00:00Z"));
    const auto twice = berlin->from_local(year{2026} / October / 25, hours(2) + minutes(30));
    CHECK(twice.found == zone::local_instants::count::two);
    CHECK(twice.first == at("2026-10-25T00:30:00Z"));
    CHECK(twice.second == at("2026-10-25T01:30:00Z"));
}
