// The bar raiser's rules, one by one: when a postmortem is needed, which action items will not
// get done as written, and where the analysis stopped short.
#include "bot/model/bar_raiser.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "tests/support/events.hpp"

using namespace scribe::model;
using scribe::testing::at;
using scribe::testing::log_builder;
using scribe::testing::user;
using namespace std::chrono;

namespace {

const person alice = user("alice", "Alice");
const bar_raiser_policy policy;
const year_month_day today = 2026y / November / 21;

log_builder declared(severity level = severity::sev2) {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", level});
    return log;
}

bar_raiser_review reviewed(const log_builder& log, timestamp now = at("2026-11-21T14:30:00Z")) {
    return review(fold(log.events()), policy, now, today);
}

bool mentions(const std::vector<std::string>& lines, std::string_view part) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
        return line.find(part) != std::string::npos;
    });
}

}  // namespace

TEST_CASE("a postmortem is not called for when no criterion matches") {
    auto log = declared();
    log.add(at("2026-11-21T14:10:00Z"), alice, payload::impact_set{"a few slow pages"});
    CHECK(reviewed(log).needed_because.empty());
}

TEST_CASE("an intervention calls for a postmortem") {
    auto log = declared();
    log.add(at("2026-11-21T14:10:00Z"), alice,
            payload::resolution_noted{resolution_type::rollback, "back to v41"});
    const auto r = reviewed(log);
    REQUIRE(r.needed_because.size() == 1);
    CHECK(r.needed_because[0] == "the fix was an intervention (rollback)");
}

TEST_CASE("impact past the thresholds, as counts or shares, calls for a postmortem") {
    for (const auto& [text, expect] : std::vector<std::pair<std::string, std::string>>{
             {"3,400 users could not pay", "names 3400"},
             {"about 2.5k requests failed", "names 2500"},
             {"12% of EU checkouts failed", "names 12%"},
             {"1.5% of logins", "names 1.5%"}}) {
        CAPTURE(text);
        auto log = declared();
        log.add(at("2026-11-21T14:10:00Z"), alice, payload::impact_set{text});
        CHECK(mentions(reviewed(log).needed_because, expect));
    }
    for (const auto& text : {"99 users for 45 minutes", "since 10:56 on 2026-11-21",
                             "0.5% of requests", "v42 broke 3 dashboards"}) {
        CAPTURE(text);
        auto log = declared();
        log.add(at("2026-11-21T14:10:00Z"), alice, payload::impact_set{text});
        CHECK(reviewed(log).needed_because.empty());
    }
}

TEST_CASE("amounts are read as people write them") {
    CHECK(amounts_in("3,400 users").count == 3400);
    CHECK(amounts_in("1,2 users").count == 2);  // no thousands group: two numbers
    CHECK(amounts_in("2.5k requests").count == 2500);
    CHECK(amounts_in("1M events lost").count == 1'000'000);
    CHECK(amounts_in("30 minutes, 15 min, 2h").count == 0);
    CHECK(amounts_in("at 14:05, ticket #4711, build v42").count == 0);
    CHECK(amounts_in("12% and then 40%").percent == 40);
    CHECK(amounts_in("").count == 0);
    CHECK(amounts_in("999999999999999999999991 users").count == 1'000'000'000'000'000);
}

TEST_CASE("data lost, as the impact says it, calls for a postmortem") {
    auto log = declared();
    log.add(at("2026-11-21T14:10:00Z"), alice, payload::impact_set{"Some orders: Data Lost"});
    CHECK(mentions(reviewed(log).needed_because, "data was lost"));
}

TEST_CASE("data lost, as recorded with !dataloss, calls for a postmortem once") {
    auto log = declared();
    log.add(at("2026-11-21T14:10:00Z"), alice, payload::impact_set{"orders: data lost"})
        .add(at("2026-11-21T14:11:00Z"), alice, payload::data_lost{"12 minutes of orders"});
    const auto r = reviewed(log);
    REQUIRE(r.needed_because.size() == 1);
    CHECK(r.needed_because[0] ==
          "data was lost (recorded with !dataloss: \"12 minutes of orders\")");
}

TEST_CASE("a withdrawn fix or impact calls for nothing and counts as missing") {
    auto log = declared();
    log.add(at("2026-11-21T14:10:00Z"), alice,
            payload::resolution_noted{resolution_type::rollback, "back to v41"})
        .add(at("2026-11-21T14:11:00Z"), alice, payload::impact_set{"5,000 users"})
        .add(at("2026-11-21T14:12:00Z"), alice, payload::entry_retracted{2})
        .add(at("2026-11-21T14:13:00Z"), alice, payload::entry_retracted{3});
    const auto r = reviewed(log);
    CHECK(r.needed_because.empty());
    CHECK(r.missing.size() == 7);
}

TEST_CASE("resolution beyond the tolerance of the severity calls for a postmortem") {
    auto log = declared(severity::sev1);
    log.add(at("2026-11-21T15:30:00Z"), alice, payload::status_changed{phase::resolved});
    CHECK(mentions(reviewed(log, at("2026-11-21T16:00:00Z")).needed_because,
                   "resolution took 1h 30m, longer than the tolerance of 1h 00m for sev1"));

    auto quick = declared(severity::sev1);
    quick.add(at("2026-11-21T14:30:00Z"), alice, payload::status_changed{phase::resolved});
    CHECK(reviewed(quick, at("2026-11-21T16:00:00Z")).needed_because.empty());

    // Not resolved yet, and already past it.
    CHECK(mentions(reviewed(declared(severity::sev2), at("2026-11-21T19:00:00Z")).needed_because,
                   "unresolved after 5h 00m"));
}

TEST_CASE("action items without a due date, too big, overdue or habitual are flagged") {
    auto log = declared();
    const auto add = [&](std::string text, std::optional<year_month_day> due) {
        log.add(at("2026-11-10T14:10:00Z"), alice, payload::action_added{alice, text, due});
    };
    add("add a currency test", 2026y / November / 20);                   // #2: overdue
    add("rewrite the checkout service", 2027y / March / 1);              // #3: too big
    add("Be careful when deploying on Fridays", 2026y / November / 24);  // #4: habitual
    add("alert on error rate", std::nullopt);                            // #5: no due date
    add("add a dashboard", 2026y / November / 22);                       // #6: fine
    const auto r = reviewed(log);
    REQUIRE(r.actions.size() == 4);
    CHECK(r.actions[0].number == 2);
    CHECK(r.actions[0].reasons == std::vector<std::string>{"overdue since 2026-11-20"});
    CHECK(r.actions[1].number == 3);
    CHECK(mentions(r.actions[1].reasons, "more than 14 days after it was recorded"));
    CHECK(r.actions[2].number == 4);
    CHECK(mentions(r.actions[2].reasons, "habitual (\"be careful\")"));
    CHECK(r.actions[3].number == 5);
    CHECK(r.actions[3].reasons == std::vector<std::string>{"no due date"});
    CHECK(r.actions[3].owner == "Alice");
}

TEST_CASE("a done action item is not overdue, and a retracted one is not flagged") {
    auto log = declared();
    log.add(at("2026-11-10T14:10:00Z"), alice,
            payload::action_added{alice, "add a test", 2026y / November / 12});
    log.add(at("2026-11-11T14:10:00Z"), alice, payload::action_updated{2, action_status::done});
    log.add(at("2026-11-10T14:10:00Z"), alice,
            payload::action_added{alice, "remember to page", std::nullopt});
    log.add(at("2026-11-11T14:10:00Z"), alice, payload::entry_retracted{4});
    CHECK(reviewed(log).actions.empty());
}

TEST_CASE("whys that end at human error are flagged: keep digging") {
    auto log = declared();
    log.add(at("2026-11-21T14:10:00Z"), alice, payload::why_added{"the deploy had a bad config"});
    log.add(at("2026-11-21T14:11:00Z"), alice, payload::why_added{"Someone forgot the flag"});
    CHECK(reviewed(log).stops_at_human_error == "Someone forgot the flag");
    log.add(at("2026-11-21T14:12:00Z"), alice,
            payload::why_added{"the flag has no default and no check"});
    CHECK_FALSE(reviewed(log).stops_at_human_error);
}

TEST_CASE("what the draft lacks is listed once, with the command that records it") {
    auto bare = reviewed(declared());
    CHECK(bare.missing.size() == 7);
    CHECK(bare.missing[0].command == "impact <what users saw>");

    auto log = declared();
    log.add(at("2026-11-21T14:05:00Z"), alice, payload::impact_set{"slow"})
        .add(at("2026-11-21T14:06:00Z"), alice,
             payload::cause_noted{cause_origin::code_change, "a bad deploy"})
        .add(at("2026-11-21T14:07:00Z"), alice,
             payload::resolution_noted{resolution_type::rollback, "v41"})
        .add(at("2026-11-21T13:50:00Z"), alice, payload::detected{detection::monitoring})
        .add(at("2026-11-21T14:08:00Z"), alice, payload::status_changed{phase::mitigated})
        .add(at("2026-11-21T14:09:00Z"), alice, payload::status_changed{phase::resolved})
        .add(at("2026-11-21T14:10:00Z"), alice, payload::why_added{"no canary"});
    CHECK(reviewed(log).missing.empty());
}
