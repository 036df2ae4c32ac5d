// The fold of an event log into incident state, and the metrics from its markers.
#include <doctest/doctest.h>

#include "bot/model/incident.hpp"
#include "tests/support/events.hpp"

using namespace scribe::model;
using scribe::testing::at;
using scribe::testing::log_builder;
using scribe::testing::user;

namespace {
const person alice = user("alice", "Alice");
const person bob = user("bob", "Bob");
}  // namespace

TEST_CASE("a declaration opens an incident with title, severity and declarer") {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"Users can't log in", severity::sev2});
    const incident s = fold(log.events());
    CHECK(s.id == 1);
    CHECK(s.title == "Users can't log in");
    CHECK(s.level == severity::sev2);
    CHECK(s.current == phase::investigating);
    CHECK(s.declared_by == alice);
    CHECK(s.is_open());
    REQUIRE(s.timeline.size() == 1);
    CHECK(s.timeline[0].kind == timeline_kind::system);
}

TEST_CASE("events before a declaration and a second declaration are ignored") {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::why_added{"orphan"});
    incident s = fold(log.events());
    CHECK(s.last_sequence == 0);
    CHECK(s.whys.empty());

    log_builder ok;
    ok.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"A", severity::sev3})
        .add(at("2026-11-21T14:01:00Z"), alice, payload::declared{"B", severity::sev1});
    s = fold(ok.events());
    CHECK(s.title == "A");
    CHECK(s.level == severity::sev3);
}

TEST_CASE("metrics come from markers, each only when its marker exists") {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"Data Sync", severity::sev2});
    CHECK_FALSE(compute_metrics(fold(log.events())).time_to_detect);

    log.add(at("2026-11-21T13:40:00Z"), alice, payload::started_marked{})
        .add(at("2026-11-21T13:55:00Z"), alice, payload::detected{detection::customer})
        .add(at("2026-11-21T14:30:00Z"), alice, payload::status_changed{phase::mitigated});
    incident s = fold(log.events());
    metrics m = compute_metrics(s);
    CHECK(s.detected_by == detection::customer);
    REQUIRE(m.time_to_detect);
    CHECK(*m.time_to_detect == std::chrono::minutes(15));
    REQUIRE(m.time_to_mitigate);
    CHECK(*m.time_to_mitigate == std::chrono::minutes(50));
    CHECK_FALSE(m.time_to_resolve);
    CHECK(s.current == phase::mitigated);

    log.add(at("2026-11-21T15:10:00Z"), bob, payload::status_changed{phase::resolved});
    m = compute_metrics(fold(log.events()));
    REQUIRE(m.time_to_resolve);
    CHECK(*m.time_to_resolve == std::chrono::minutes(90));
}

TEST_CASE("without a started marker the declaration is the start") {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", severity::sev3})
        .add(at("2026-11-21T14:20:00Z"), alice, payload::status_changed{phase::resolved});
    CHECK(*compute_metrics(fold(log.events())).time_to_resolve == std::chrono::minutes(20));
}

TEST_CASE("the latest marker wins and a retracted marker falls back to the one before") {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", severity::sev3})
        .add(at("2026-11-21T14:10:00Z"), alice, payload::status_changed{phase::mitigated})
        .add(at("2026-11-21T14:05:00Z"), alice, payload::status_changed{phase::mitigated});
    incident s = fold(log.events());
    REQUIRE(s.marks.mitigated);
    CHECK(s.marks.mitigated->number == 3);
    CHECK(*compute_metrics(s).time_to_mitigate == std::chrono::minutes(5));

    log.add(at("2026-11-21T14:20:00Z"), alice, payload::entry_retracted{3});
    s = fold(log.events());
    REQUIRE(s.marks.mitigated);
    CHECK(s.marks.mitigated->number == 2);

    log.add(at("2026-11-21T14:21:00Z"), alice, payload::entry_retracted{2});
    s = fold(log.events());
    CHECK_FALSE(s.marks.mitigated);
    CHECK(s.current == phase::investigating);
}

TEST_CASE("close and reopen: the close marker is cleared, the resolution is kept") {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", severity::sev3})
        .add(at("2026-11-21T14:30:00Z"), alice, payload::status_changed{phase::resolved})
        .add(at("2026-11-21T14:40:00Z"), alice, payload::status_changed{phase::closed});
    incident s = fold(log.events());
    CHECK_FALSE(s.is_open());
    CHECK(s.marks.closed);
    CHECK_FALSE(is_retractable(s, 3));

    log.add(at("2026-11-21T15:00:00Z"), alice, payload::reopened{});
    s = fold(log.events());
    CHECK(s.is_open());
    CHECK(s.current == phase::investigating);
    REQUIRE(s.marks.resolved);
    CHECK(s.marks.resolved->number == 2);
    CHECK(s.marks.earlier_resolutions.empty());
    REQUIRE(s.marks.reopened.size() == 1);
    CHECK(s.marks.reopened[0].number == 4);
    CHECK_FALSE(s.marks.closed);
    CHECK_FALSE(is_retractable(s, 4));
    CHECK_FALSE(is_retractable(s, 1));
}

TEST_CASE("edits keep the history and retractions keep the entry") {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", severity::sev3})
        .add(at("2026-11-21T14:05:00Z"), alice,
             payload::entry_added{entry_type::note, "port 1443 blocked", {}, {}, {}})
        .add(at("2026-11-21T14:06:00Z"), bob, payload::entry_edited{2, "port 1433 blocked"})
        .add(at("2026-11-21T14:07:00Z"), bob, payload::entry_retracted{2})
        .add(at("2026-11-21T14:08:00Z"), bob, payload::entry_edited{2, "after retraction"});
    const incident s = fold(log.events());
    REQUIRE(s.timeline.size() == 2);
    const auto& entry = s.timeline[1];
    CHECK(entry.text == "port 1433 blocked");
    REQUIRE(entry.history.size() == 1);
    CHECK(entry.history[0].previous_text == "port 1443 blocked");
    CHECK(entry.history[0].by == bob);
    REQUIRE(entry.retracted);
    CHECK(entry.retracted->sequence == 4);
    CHECK(entry.author == alice);
}

TEST_CASE("edits and retractions of unknown or non-text numbers change nothing") {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", severity::sev3})
        .add(at("2026-11-21T14:01:00Z"), alice, payload::severity_changed{severity::sev1})
        .add(at("2026-11-21T14:02:00Z"), alice, payload::entry_edited{2, "sneaky"})
        .add(at("2026-11-21T14:03:00Z"), alice, payload::entry_edited{99, "nothing"})
        .add(at("2026-11-21T14:04:00Z"), alice, payload::entry_retracted{99})
        .add(at("2026-11-21T14:05:00Z"), alice, payload::entry_retracted{2});
    const incident s = fold(log.events());
    CHECK(s.level == severity::sev1);
    CHECK(s.timeline[1].text == "Severity set to SEV1");
    CHECK_FALSE(s.timeline[1].retracted);
    CHECK_FALSE(is_editable(s, 2));
    CHECK_FALSE(is_retractable(s, 2));
}

TEST_CASE("pinned messages keep their own author") {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", severity::sev3})
        .add(at("2026-11-21T14:09:00Z"), alice,
             payload::entry_added{entry_type::pinned, "restarting sync", bob, {}, "https://chat/p/1"});
    const incident s = fold(log.events());
    CHECK(s.timeline[1].kind == timeline_kind::pinned);
    CHECK(s.timeline[1].author == bob);
    CHECK(s.timeline[1].recorded_by == alice);
    CHECK(s.timeline[1].permalink == "https://chat/p/1");
}

TEST_CASE("postmortem material: roles, whys, lessons, actions, cause, fix, security") {
    using std::chrono::November;
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", severity::sev3})
        .add(at("2026-11-21T14:01:00Z"), alice, payload::role_assigned{"ic", alice})
        .add(at("2026-11-21T14:01:00Z"), alice, payload::role_assigned{"comms", bob})
        .add(at("2026-11-21T14:02:00Z"), alice, payload::why_added{"port blocked"})
        .add(at("2026-11-21T14:03:00Z"), alice, payload::lesson_added{lesson_kind::helped, "alerts"})
        .add(at("2026-11-21T14:04:00Z"), alice,
             payload::action_added{bob, "add monitoring", std::chrono::year{2026} / November / 30})
        .add(at("2026-11-21T14:05:00Z"), alice, payload::action_updated{6, action_status::done})
        .add(at("2026-11-21T14:06:00Z"), alice,
             payload::cause_noted{cause_origin::infrastructure, "firewall change"})
        .add(at("2026-11-21T14:07:00Z"), alice,
             payload::resolution_noted{resolution_type::rollback, "reverted"})
        .add(at("2026-11-21T14:08:00Z"), alice, payload::security_flagged{"port policy"})
        .add(at("2026-11-21T14:09:00Z"), alice, payload::entry_edited{6, "add dependency checks"});
    const incident s = fold(log.events());
    CHECK(s.roles.at("ic") == alice);
    CHECK(s.roles.at("comms") == bob);
    CHECK(s.whys.size() == 1);
    CHECK(s.lessons[0].kind == lesson_kind::helped);
    REQUIRE(s.actions.size() == 1);
    CHECK(s.actions[0].status == action_status::done);
    CHECK(s.actions[0].text == "add dependency checks");
    CHECK(s.origin_known);
    CHECK(s.origin == cause_origin::infrastructure);
    CHECK(s.resolution_kind == resolution_type::rollback);
    CHECK(s.security_flagged());
    const auto people = s.participants();
    CHECK(people.size() == 2);
}

TEST_CASE("a linked room feeds the incident, and one person on two platforms is listed once") {
    const person bob_on_matrix{"matrix", "@bob:example.org", "Bob"};
    const person other_bob{bob.platform, "bob2", "Bob"};
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", severity::sev3})
        .add(at("2026-11-21T14:01:00Z"), bob_on_matrix,
             payload::room_linked{"matrix", "!room:example.org"})
        .add(at("2026-11-21T14:02:00Z"), bob_on_matrix,
             payload::room_linked{"matrix", "!room:example.org"})
        .add(at("2026-11-21T14:03:00Z"), bob, payload::role_assigned{"comms", bob})
        .add(at("2026-11-21T14:04:00Z"), bob_on_matrix,
             payload::entry_added{entry_type::note, "from Matrix", bob_on_matrix, {}, {}, {}})
        .add(at("2026-11-21T14:05:00Z"), other_bob,
             payload::entry_added{entry_type::note, "another Bob", other_bob, {}, {}, {}});
    incident s = fold(log.events());
    REQUIRE(s.linked_rooms.size() == 1);
    CHECK(s.serves({"matrix", "!room:example.org", {}, 0}));
    CHECK(s.serves(s.channel));
    CHECK_FALSE(s.serves({"matrix", "!other:example.org", {}, 0}));
    CHECK(s.timeline[1].text == "Linked Matrix room !room:example.org (Bob)");
    // Bob on Matrix is Bob in the home channel; another Bob on the same platform is not.
    CHECK(s.participants().size() == 3);

    log.add(at("2026-11-21T14:06:00Z"), bob_on_matrix,
            payload::room_unlinked{"matrix", "!room:example.org"});
    s = fold(log.events());
    CHECK(s.linked_rooms.empty());
    CHECK_FALSE(s.serves({"matrix", "!room:example.org", {}, 0}));
}

TEST_CASE("replayed events are not applied twice") {
    log_builder log;
    log.add(at("2026-11-21T14:00:00Z"), alice, payload::declared{"X", severity::sev3})
        .add(at("2026-11-21T14:02:00Z"), alice, payload::why_added{"a"});
    incident s = fold(log.events());
    apply(s, log.events()[1]);
    CHECK(s.whys.size() == 1);
}
