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
    const auto p = planned(cmd::timeline{at("2026-11-21T13:50:00Z"), "earlier"},
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
    CHECK(refused(cmd::edit{99, "x"}, channel).message == "there is no entry #99");
    CHECK(refused(cmd::edit{4, "x"}, channel).message.find("no text") != std::string::npos);
    CHECK(refused(cmd::edit{1, "x"}, channel).message.find("no text") != std::string::npos);
    CHECK(planned(cmd::retract{2}, channel).events.size() == 1);
    CHECK(refused(cmd::retract{4}, channel).message.find("can be retracted") != std::string::npos);
    CHECK(refused(cmd::retract{1}, channel).message.find("can be retracted") != std::string::npos);

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
