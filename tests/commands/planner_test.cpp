// Commands checked against the channel's incident: the events they record, and refusals.
#include <doctest/doctest.h>

#include "commands/planner.hpp"
#include "tests/support/events.hpp"

using namespace scribe;
using namespace scribe::commands;
using scribe::testing::at;
using scribe::testing::log_builder;
using scribe::testing::user;

namespace {

const model::person alice = user("alice", "Alice");
const model::person bob = user("bob", "Bob");

message_context from(const model::person& who) {
    return {who, {"console", "ops", "msg-1", 0}, at("2026-11-21T14:30:00Z"), "!"};
}

model::incident open_incident() {
    log_builder log(7);
    log.add(at("2026-11-21T14:00:00Z"), alice, model::payload::declared{"Sync down", model::severity::sev2})
        .add(at("2026-11-21T14:05:00Z"), alice,
             model::payload::entry_added{model::entry_type::note, "alert fired", {}, {}, {}})
        .add(at("2026-11-21T14:06:00Z"), bob,
             model::payload::entry_added{model::entry_type::note, "bob's note", {}, {}, {}})
        .add(at("2026-11-21T14:07:00Z"), alice, model::payload::severity_changed{model::severity::sev1})
        .add(at("2026-11-21T14:08:00Z"), alice,
             model::payload::action_added{bob, "add monitoring", std::nullopt});
    return model::fold(log.events());
}

plan planned(const command& c, const channel_incidents& channel,
             const model::person& who = alice) {
    auto result = plan_command(c, from(who), channel);
    if (auto* error = std::get_if<parse_error>(&result)) FAIL("refused: " << error->message);
    return std::get<plan>(std::move(result));
}

parse_error refused(const command& c, const channel_incidents& channel,
                    const model::person& who = alice) {
    auto result = plan_command(c, from(who), channel);
    REQUIRE(std::holds_alternative<parse_error>(result));
    return std::get<parse_error>(result);
}

}  // namespace

TEST_CASE("a declaration needs a channel without an open incident") {
    const auto incident = open_incident();
    const auto p = planned(cmd::declare{"New", model::severity::sev2}, {});
    REQUIRE(p.events.size() == 1);
    CHECK(p.events[0].incident_id == 0);
    CHECK(p.events[0].source.message_id == "msg-1");
    CHECK(p.events[0].actor == alice);
    const auto e = refused(cmd::declare{"New", model::severity::sev2}, {&incident, &incident});
    CHECK(e.message.find("#7") != std::string::npos);
    CHECK(e.message.find("still open") != std::string::npos);
}

TEST_CASE("recording needs an open incident and goes to it, with the typed time") {
    const auto incident = open_incident();
    const auto p = planned(cmd::timeline{{at("2026-11-21T13:50:00Z"), {}}, "earlier"},
                           {&incident, &incident});
    REQUIRE(p.events.size() == 1);
    CHECK(p.events[0].incident_id == 7);
    CHECK(p.events[0].sequence == 0);
    CHECK(p.events[0].occurred_at == at("2026-11-21T13:50:00Z"));
    CHECK(p.events[0].recorded_at == at("2026-11-21T14:30:00Z"));

    const auto e = refused(cmd::why{"x"}, {});
    CHECK(e.message == "there is no open incident in this channel");
    CHECK(e.usage.find("!declare") != std::string::npos);
}

TEST_CASE("edits and retractions must name a live entry of the right kind") {
    const auto incident = open_incident();
    const channel_incidents channel{&incident, &incident};
    CHECK(planned(cmd::edit{2, "alert fired at 14:05"}, channel).events.size() == 1);
    CHECK(refused(cmd::edit{99, "x"}, channel).message == "incident #7 has no entry #99");
    CHECK(refused(cmd::edit{4, "x"}, channel).message.find("no text") != std::string::npos);
    CHECK(refused(cmd::edit{1, "x"}, channel).message.find("no text") != std::string::npos);
    CHECK(planned(cmd::retract{2}, channel).events.size() == 1);
    CHECK(refused(cmd::retract{4}, channel).message.find("cannot be retracted") != std::string::npos);
    CHECK(refused(cmd::retract{1}, channel).message.find("cannot be retracted") != std::string::npos);

    log_builder log(7);
    log.add(at("2026-11-21T14:00:00Z"), alice, model::payload::declared{"x", model::severity::sev2})
        .add(at("2026-11-21T14:05:00Z"), alice,
             model::payload::entry_added{model::entry_type::note, "a", {}, {}, {}})
        .add(at("2026-11-21T14:06:00Z"), alice, model::payload::entry_retracted{2});
    const auto retracted = model::fold(log.events());
    const channel_incidents that{&retracted, &retracted};
    CHECK(refused(cmd::retract{2}, that).message.find("already") != std::string::npos);
    CHECK(refused(cmd::edit{2, "b"}, that).message.find("retracted") != std::string::npos);
}

TEST_CASE("undo withdraws the caller's own last entry") {
    const auto incident = open_incident();
    const channel_incidents channel{&incident, &incident};
    auto p = planned(cmd::undo{}, channel, alice);
    CHECK(std::get<model::payload::entry_retracted>(p.events[0].data).target == 5);
    p = planned(cmd::undo{}, channel, bob);
    CHECK(std::get<model::payload::entry_retracted>(p.events[0].data).target == 3);
    const auto carol = user("carol", "Carol");
    CHECK(refused(cmd::undo{}, channel, carol).message.find("no entry") != std::string::npos);
}

TEST_CASE("action status works on the open incident and after it closed") {
    auto incident = open_incident();
    auto p = planned(cmd::action_status{5, model::action_status::done}, {&incident, &incident});
    CHECK(std::get<model::payload::action_updated>(p.events[0].data).target == 5);
    CHECK(refused(cmd::action_status{2, model::action_status::done}, {&incident, &incident})
              .message.find("no action item #2") != std::string::npos);
    p = planned(cmd::action_status{5, model::action_status::done}, {nullptr, &incident});
    CHECK(p.events[0].incident_id == 7);
}

TEST_CASE("close, reopen and documents pick the channel's incident") {
    auto incident = open_incident();
    const auto closing = planned(cmd::close{}, {&incident, &incident});
    CHECK(std::get<model::payload::status_changed>(closing.events[0].data).to ==
          model::phase::closed);
    CHECK(refused(cmd::reopen{}, {&incident, &incident}).message.find("still open") !=
          std::string::npos);
    CHECK(planned(cmd::reopen{}, {nullptr, &incident}).events[0].incident_id == 7);
    CHECK(refused(cmd::reopen{}, {}).message.find("no incident") != std::string::npos);
    CHECK(planned(cmd::show{cmd::view::draft, 0}, {nullptr, &incident}).show->incident_id == 7);
    CHECK(planned(cmd::show{cmd::view::draft, 3}, {}).show->incident_id == 3);
    CHECK(refused(cmd::show{cmd::view::draft, 0}, {}).message.find("no incident") !=
          std::string::npos);
    CHECK(planned(cmd::list_actions{}, {}).list_actions);
    CHECK(planned(cmd::list_incidents{}, {}).list_incidents);
    CHECK(planned(cmd::help{"tl"}, {}).reply.find("!tl") != std::string::npos);
}

TEST_CASE("confirmations name the number, the time in the zone and what was recorded") {
    auto incident = open_incident();
    const auto berlin = *model::zone::locate("Europe/Berlin");
    model::event e;
    e.incident_id = 7;
    e.sequence = 6;
    e.occurred_at = at("2026-11-21T13:50:00Z");
    e.recorded_at = at("2026-11-21T14:30:00Z");
    e.data = model::payload::entry_added{model::entry_type::note, "db failover", {}, {}, {}};
    const auto text = confirmation(e, incident, berlin, "!");
    CHECK(text == "#6 at 14:50 (UTC+01:00), recorded 15:30: \"db failover\"");

    e.occurred_at = e.recorded_at;
    e.data = model::payload::declared{"Sync down", model::severity::sev2};
    CHECK(confirmation(e, incident, berlin, "!").find("Incident #7 declared at 15:30") == 0);
    e.data = model::payload::sitrep_posted{"stable", "none", "watch", std::chrono::minutes(30)};
    const auto sitrep = confirmation(e, incident, berlin, "!");
    CHECK(sitrep.find("SitRep #6") == 0);
    CHECK(sitrep.find("Next update: 16:00") != std::string::npos);
    e.data = model::payload::action_added{bob, "add monitoring", std::nullopt};
    CHECK(confirmation(e, incident, berlin, "!").find("!action done 6") != std::string::npos);
}

namespace {
model::incident closed_incident() {
    log_builder log(7);
    log.add(at("2026-11-21T14:00:00Z"), alice, model::payload::declared{"Sync down", model::severity::sev2})
        .add(at("2026-11-21T14:05:00Z"), bob,
             model::payload::entry_added{model::entry_type::note, "bob's note", {}, {}, {}})
        .add(at("2026-11-21T14:20:00Z"), alice, model::payload::status_changed{model::phase::closed});
    return model::fold(log.events());
}
}  // namespace

TEST_CASE("after the close the retro's outcomes go to the channel's last incident") {
    const auto incident = closed_incident();
    const channel_incidents channel{nullptr, &incident};
    for (const command& c : std::vector<command>{
             cmd::lesson{model::lesson_kind::helped, "runbook", 0}, cmd::why{"port closed", 0},
             cmd::action{bob, "alert on 1433", std::nullopt, 0}, cmd::impact{"sync stopped", 0},
             cmd::cause{model::cause_origin::config, "firewall", 0},
             cmd::fix{model::resolution_type::rollback, "reverted", 0},
             cmd::assign_role{"facilitator", bob, 0}, cmd::edit{2, "bob's better note", 0},
             cmd::retract{2, 0}}) {
        const auto p = planned(c, channel);
        REQUIRE(p.events.size() == 1);
        CHECK(p.events[0].incident_id == 7);
    }
    // What changes the live incident still needs a reopen.
    CHECK(refused(cmd::timeline{{at("2026-11-21T14:25:00Z"), {}}, "late"}, channel).message ==
          "there is no open incident in this channel");
    CHECK(refused(cmd::set_severity{model::severity::sev1}, channel).message ==
          "there is no open incident in this channel");
}

TEST_CASE("#n names one of the room's incidents, open or closed") {
    const auto old = closed_incident();
    auto current = open_incident();
    current.id = 9;
    channel_incidents channel{&current, &current, &old};
    auto p = planned(cmd::lesson{model::lesson_kind::learned, "x", 7}, channel);
    CHECK(p.events[0].incident_id == 7);
    p = planned(cmd::lesson{model::lesson_kind::learned, "x", 0}, channel);
    CHECK(p.events[0].incident_id == 9);
    CHECK(refused(cmd::lesson{model::lesson_kind::learned, "x", 8}, channel).message ==
          "there is no incident #8");

    auto elsewhere = closed_incident();
    elsewhere.channel = {"console", "other-room", {}, 0};
    channel.named = &elsewhere;
    CHECK(refused(cmd::why{"x", 7}, channel).message.find("neither declared in this room") !=
          std::string::npos);
}

TEST_CASE("only the author, the incident commander and the scribe may correct an entry") {
    const auto incident = open_incident();
    const channel_incidents channel{&incident, &incident};
    const auto carol = user("carol", "Carol");
    const auto e = refused(cmd::edit{3, "carol's version"}, channel, carol);
    CHECK(e.message == "only Bob (who recorded it) or Alice (incident commander) may edit #3");
    CHECK(refused(cmd::retract{3}, channel, carol).message.find("may retract #3") !=
          std::string::npos);
    CHECK(planned(cmd::edit{3, "bob again"}, channel, bob).events.size() == 1);
    CHECK(planned(cmd::retract{3}, channel, alice).events.size() == 1);
}

TEST_CASE("link-room names the problem that is really there") {
    const auto mine = open_incident();
    CHECK(refused(cmd::link_room{99}, {&mine, &mine, nullptr}).message ==
          "there is no incident #99");
    auto other = open_incident();
    other.id = 12;
    other.channel = {"console", "elsewhere", {}, 0};
    CHECK(refused(cmd::link_room{12}, {&mine, &mine, &other}).message.find("is open in this room") !=
          std::string::npos);
    CHECK(refused(cmd::link_room{7}, {&mine, &mine, &mine}).message ==
          "this room already feeds incident #7");
    CHECK(planned(cmd::link_room{12}, {nullptr, nullptr, &other}).events.size() == 1);
}

TEST_CASE("a due date in the past is taken with a note") {
    const auto incident = open_incident();
    using namespace std::chrono;
    auto p = planned(cmd::action{bob, "x", year{2026} / November / 1, 0}, {&incident, &incident});
    REQUIRE(p.notes.size() == 1);
    CHECK(p.notes[0].find("2026-11-01 is already past") != std::string::npos);
    p = planned(cmd::action{bob, "x", year{2026} / November / 21, 0}, {&incident, &incident});
    CHECK(p.notes.empty());
}

TEST_CASE("a time that needed explaining is noted for the reply") {
    const auto incident = open_incident();
    const auto p = planned(cmd::timeline{{at("2026-11-21T13:50:00Z"), "taken as the first"}, "x"},
                           {&incident, &incident});
    REQUIRE(p.notes.size() == 1);
    CHECK(p.notes[0] == "taken as the first");
}

TEST_CASE("confirmations show the date of another day, the closed incident, and conflicts") {
    const auto utc = model::zone::utc();
    log_builder log(7);
    log.add(at("2026-11-21T14:00:00Z"), alice, model::payload::declared{"Sync", model::severity::sev2})
        .add(at("2026-11-21T14:05:00Z"), alice, model::payload::detected{model::detection::monitoring})
        .add(at("2026-11-21T14:10:00Z"), alice, model::payload::started_marked{});
    auto state = model::fold(log.events());
    auto e = log.events().back();
    const auto text = confirmation(e, state, utc, "!");
    CHECK(text.find("Warning: detected (#2, 14:05) is earlier than impact started (#3, 14:10)") !=
          std::string::npos);

    e.occurred_at = at("2026-11-20T23:50:00Z");
    e.recorded_at = at("2026-11-21T00:10:00Z");
    e.data = model::payload::entry_added{model::entry_type::note, "late", {}, {}, {}};
    CHECK(confirmation(e, state, utc, "!").find("#3 at 2026-11-20 23:50 (UTC+00:00), recorded 00:10") == 0);

    const auto closed = closed_incident();
    e.data = model::payload::lesson_added{model::lesson_kind::helped, "runbook"};
    e.occurred_at = e.recorded_at;
    CHECK(confirmation(e, closed, utc, "!").find("#3 in closed incident #7 at") == 0);
}
