// Impact start, metrics that are never negative, conflicting markers, flapping incidents, and
// a property test over random marker histories.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "bot/model/conflicts.hpp"
#include "bot/model/incident.hpp"
#include "bot/model/rules.hpp"
#include "tests/support/events.hpp"

using namespace scribe::model;
using scribe::testing::at;
using scribe::testing::log_builder;
using scribe::testing::user;
using std::chrono::minutes;

namespace {
const person alice = user("alice", "Alice");
const person bob = user("bob", "Bob");
const person carol = user("carol", "Carol");

log_builder declared_at_1400() {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", severity::sev2});
    return log;
}
}  // namespace

TEST_CASE("a detection backdated before the declaration is the impact start") {
    auto log = declared_at_1400();
    log.add(at("2026-11-21T13:20:00Z"), alice, payload::detected{detection::monitoring},
            at("2026-11-21T14:00:00Z"));
    const incident s = fold(log.events());
    const auto start = s.start();
    CHECK(start.at == at("2026-11-21T13:20:00Z"));
    CHECK(start.from == impact_start::basis::earlier_marker);
    CHECK(start.marker == "detected");
    CHECK(start.number == 2);
    const auto m = compute_metrics(s);
    REQUIRE(m.time_to_detect);
    CHECK(*m.time_to_detect == minutes(0));
    CHECK(find_conflicts(s).empty());
}

TEST_CASE("an explicit start wins over the declaration and earlier markers") {
    auto log = declared_at_1400();
    log.add(at("2026-11-21T13:20:00Z"), alice, payload::detected{detection::customer})
        .add(at("2026-11-21T13:05:00Z"), alice, payload::started_marked{})
        .add(at("2026-11-21T14:30:00Z"), alice, payload::status_changed{phase::resolved});
    const incident s = fold(log.events());
    CHECK(s.start().from == impact_start::basis::started);
    CHECK(s.started_at() == at("2026-11-21T13:05:00Z"));
    const auto m = compute_metrics(s);
    CHECK(*m.time_to_detect == minutes(15));
    CHECK(*m.time_to_resolve == minutes(85));
}

TEST_CASE("a start after the detection is flagged and gives no negative metric") {
    auto log = declared_at_1400();
    log.add(at("2026-11-21T14:05:00Z"), alice, payload::detected{detection::monitoring})
        .add(at("2026-11-21T14:10:00Z"), bob, payload::started_marked{});
    const incident s = fold(log.events());
    CHECK_FALSE(compute_metrics(s).time_to_detect);
    const auto found = find_conflicts(s);
    REQUIRE(found.size() == 1);
    CHECK(found[0].type == conflict::kind::out_of_order);
    CHECK(found[0].earlier.what == "started");
    CHECK(found[0].earlier.number == 3);
    CHECK(found[0].later.what == "detected");
    CHECK(found[0].involves(2));
}

TEST_CASE("resolved before mitigated is one conflict, and the phase stays resolved") {
    auto log = declared_at_1400();
    log.add(at("2026-11-21T14:25:00Z"), alice, payload::status_changed{phase::resolved})
        .add(at("2026-11-21T14:28:00Z"), alice, payload::status_changed{phase::mitigated});
    const incident s = fold(log.events());
    const auto found = find_conflicts(s);
    REQUIRE(found.size() == 1);
    CHECK(found[0].type == conflict::kind::out_of_order);
    CHECK(found[0].earlier.what == "mitigated");
    CHECK(found[0].later.what == "resolved");
    // The latest in time is the phase, so this one did go back.
    CHECK(s.current == phase::mitigated);
}

TEST_CASE("a marker backdated after another fills in the past, and the phase stays") {
    auto log = declared_at_1400();
    log.add(at("2026-11-21T14:30:00Z"), alice, payload::status_changed{phase::resolved})
        .add(at("2026-11-21T14:20:00Z"), alice, payload::status_changed{phase::mitigated},
             at("2026-11-21T14:31:00Z"));
    const incident s = fold(log.events());
    CHECK(s.current == phase::resolved);
    CHECK(find_conflicts(s).empty());
    CHECK(*compute_metrics(s).time_to_mitigate == minutes(20));
}

TEST_CASE("a phase going back is flagged") {
    auto log = declared_at_1400();
    log.add(at("2026-11-21T14:10:00Z"), alice, payload::status_changed{phase::monitoring})
        .add(at("2026-11-21T14:20:00Z"), alice, payload::status_changed{phase::investigating});
    const incident s = fold(log.events());
    CHECK(s.current == phase::investigating);
    const auto found = find_conflicts(s);
    REQUIRE(found.size() == 1);
    CHECK(found[0].type == conflict::kind::phase_backwards);
    CHECK(found[0].earlier.what == "monitoring");
    CHECK(found[0].later.what == "investigating");
}

TEST_CASE("a flapping incident keeps every resolution, MTTR runs to the last") {
    auto log = declared_at_1400();
    log.add(at("2026-11-21T14:30:00Z"), alice, payload::status_changed{phase::resolved})
        .add(at("2026-11-21T14:35:00Z"), alice, payload::status_changed{phase::closed})
        .add(at("2026-11-21T15:00:00Z"), bob, payload::reopened{});
    incident s = fold(log.events());
    // Reopened and not resolved again: the old resolution stands, flagged.
    REQUIRE(s.marks.resolved);
    CHECK(*compute_metrics(s).time_to_resolve == minutes(30));
    auto found = find_conflicts(s);
    REQUIRE(found.size() == 1);
    CHECK(found[0].type == conflict::kind::unresolved_reopen);
    CHECK(found[0].earlier.number == 2);
    CHECK(found[0].later.number == 4);

    log.add(at("2026-11-21T15:05:00Z"), bob, payload::status_changed{phase::closed});
    s = fold(log.events());
    CHECK_FALSE(s.is_open());
    REQUIRE(s.marks.resolved);
    CHECK(*compute_metrics(s).time_to_resolve == minutes(30));
    CHECK(find_conflicts(s).size() == 1);

    log.add(at("2026-11-21T15:20:00Z"), bob, payload::reopened{})
        .add(at("2026-11-21T15:40:00Z"), bob, payload::status_changed{phase::resolved})
        .add(at("2026-11-21T15:45:00Z"), bob, payload::status_changed{phase::closed});
    s = fold(log.events());
    REQUIRE(s.marks.resolved);
    CHECK(s.marks.resolved->number == 7);
    CHECK(*compute_metrics(s).time_to_resolve == minutes(100));
    REQUIRE(s.marks.earlier_resolutions.size() == 1);
    CHECK(s.marks.earlier_resolutions[0].number == 2);
    CHECK(s.marks.reopened.size() == 2);
    CHECK(find_conflicts(s).empty());
}

TEST_CASE("spans that round to nothing have no sign") {
    CHECK(format_span(std::chrono::milliseconds(-400)) == "0s");
    CHECK(format_span(std::chrono::milliseconds(-1400)) == "-1s");
}

TEST_CASE("a closed incident takes the retro's outcomes, not live changes") {
    CHECK(accepts_when_closed(payload::lesson_added{lesson_kind::helped, "x"}));
    CHECK(accepts_when_closed(payload::why_added{"x"}));
    CHECK(accepts_when_closed(payload::action_added{bob, "x", {}}));
    CHECK(accepts_when_closed(payload::role_assigned{"facilitator", bob}));
    CHECK(accepts_when_closed(payload::entry_edited{2, "x"}));
    CHECK(accepts_when_closed(payload::entry_retracted{2}));
    CHECK_FALSE(accepts_when_closed(payload::entry_added{}));
    CHECK_FALSE(accepts_when_closed(payload::sitrep_posted{}));
    CHECK_FALSE(accepts_when_closed(payload::status_changed{phase::resolved}));
    CHECK_FALSE(accepts_when_closed(payload::severity_changed{severity::sev1}));
    CHECK_FALSE(accepts_when_closed(payload::detected{}));
}

TEST_CASE("an entry may be corrected by its author, the incident commander and the scribe") {
    auto log = declared_at_1400();
    log.add(at("2026-11-21T14:01:00Z"), bob,
            payload::entry_added{entry_type::note, "restarted", {}, {}, {}, {}})
        .add(at("2026-11-21T14:02:00Z"), bob,
             payload::entry_added{entry_type::pinned, "from chat", carol, {}, {}, {}});
    incident s = fold(log.events());
    // Without an IC the declarer holds the role.
    CHECK(may_correct(s, 2, bob));
    CHECK(may_correct(s, 2, alice));
    CHECK_FALSE(may_correct(s, 2, carol));
    CHECK(may_correct(s, 3, carol));  // the pinned message's author

    log.add(at("2026-11-21T14:03:00Z"), alice, payload::role_assigned{"ic", carol})
        .add(at("2026-11-21T14:04:00Z"), alice, payload::role_assigned{"scribe", alice});
    s = fold(log.events());
    CHECK(may_correct(s, 2, carol));
    CHECK(may_correct(s, 2, alice));
    const auto who = correctors(s, 2);
    REQUIRE(who.size() == 3);
    CHECK(who[0].because == "who recorded it");
    CHECK(who[1].because == "incident commander");
    CHECK(who[2].because == "scribe");
    CHECK_FALSE(may_correct(s, 2, user("dave", "Dave")));
}

// Random histories of markers, backdates, reopens, closes and retractions: whatever happens,
// no metric is negative, the start is never after a metric's marker that has a figure, and
// every marker earlier than an explicit start is flagged.
TEST_CASE("property: metrics are never negative and every contradiction is flagged") {
    std::mt19937 random(20261202);
    for (int round = 0; round < 2000; ++round) {
        log_builder log;
        const timestamp declared = at("2026-11-21T14:00:00Z");
        log.add(declared, alice, payload::declared{"X", severity::sev2});
        timestamp now = declared;
        bool closed = false;
        const int steps = std::uniform_int_distribution<int>(1, 14)(random);
        for (int step = 0; step < steps; ++step) {
            now += minutes(std::uniform_int_distribution<int>(0, 20)(random));
            const auto when = now - minutes(std::uniform_int_distribution<int>(0, 90)(random));
            const auto count = static_cast<std::int64_t>(log.events().size());
            switch (std::uniform_int_distribution<int>(0, 8)(random)) {
                case 0:
                    log.add(when, alice, payload::started_marked{}, now);
                    break;
                case 1:
                    log.add(when, alice, payload::detected{detection::monitoring}, now);
                    break;
                case 2:
                    log.add(when, alice, payload::status_changed{phase::mitigated}, now);
                    break;
                case 3:
                    log.add(when, alice, payload::status_changed{phase::resolved}, now);
                    break;
                case 4:
                    log.add(when, alice, payload::status_changed{phase::investigating}, now);
                    break;
                case 5:
                    log.add(now, alice,
                            payload::status_changed{closed ? phase::monitoring : phase::closed});
                    closed = !closed;
                    break;
                case 6:
                    if (closed) {
                        log.add(now, alice, payload::reopened{});
                        closed = false;
                    }
                    break;
                default: {
                    const auto target =
                        std::uniform_int_distribution<std::int64_t>(1, count)(random);
                    log.add(now, alice, payload::entry_retracted{target});
                    break;
                }
            }
        }
        const incident s = fold(log.events());
        const auto start = s.started_at();
        const auto m = compute_metrics(s);
        const auto conflicts = find_conflicts(s);
        const auto flagged = [&](std::int64_t number) {
            return std::any_of(conflicts.begin(), conflicts.end(),
                               [&](const conflict& c) { return c.involves(number); });
        };
        if (!s.marks.started) CHECK(start <= s.declared_at);
        const std::pair<const std::optional<marker>*, const std::optional<duration>*> pairs[] = {
            {&s.marks.detected, &m.time_to_detect},
            {&s.marks.mitigated, &m.time_to_mitigate},
            {&s.marks.resolved, &m.time_to_resolve}};
        for (const auto& [mark, metric] : pairs) {
            if (*metric) CHECK(**metric >= duration::zero());
            CHECK(mark->has_value() >= metric->has_value());
            if (*mark && !*metric) CHECK(flagged((*mark)->number));
            if (*mark && (*mark)->at < start) CHECK(flagged((*mark)->number));
        }
        if (s.marks.mitigated && s.marks.resolved && s.marks.resolved->at < s.marks.mitigated->at) {
            CHECK(flagged(s.marks.resolved->number));
        }
        if (!s.marks.reopened.empty() && s.marks.resolved &&
            s.marks.reopened.back().number > s.marks.resolved->number) {
            CHECK(flagged(s.marks.reopened.back().number));
        }
        CHECK(s.is_open() == !s.marks.closed.has_value());
    }
}
