// The JSON export: golden file, the state's fields, and the events that replay to it.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "bot/model/codec.hpp"
#include "bot/render/render.hpp"
#include "tests/render/fixtures.hpp"
#include "tests/render/golden.hpp"

namespace scribe::render::test {

using nlohmann::json;
namespace p = model::payload;

TEST_CASE("JSON export of the checkout story matches its golden file") {
    const auto log = checkout_story();
    check_golden("incident_checkout.json",
                 incident_json(log.fold(), log.events(), berlin_options()));
}

TEST_CASE("the JSON export holds the folded state and metrics") {
    const auto log = checkout_story();
    const auto doc = json::parse(incident_json(log.fold(), log.events(), berlin_options()));
    CHECK(doc.at("schema_version").get<int>() == 2);
    CHECK(doc.at("zone").get<std::string>() == "Europe/Berlin");
    const auto& inc = doc.at("incident");
    CHECK(inc.at("id").get<int>() == 42);
    CHECK(inc.at("severity").get<std::string>() == "sev2");
    CHECK(inc.at("phase").get<std::string>() == "closed");
    CHECK(inc.at("open").get<bool>() == false);
    CHECK(inc.at("roles").at("facilitator").at("name").get<std::string>() == "Erik Sand");
    CHECK(inc.at("markers").at("detected").at("at").get<std::string>() ==
          "2026-03-29T00:45:00.000Z");
    CHECK(inc.at("metrics").at("mttd_seconds").get<int>() == 420);
    CHECK(inc.at("metrics").at("mttm_seconds").get<int>() == 2880);
    CHECK(inc.at("metrics").at("mttr_seconds").get<int>() == 4320);
    CHECK(inc.at("cause").at("origin").get<std::string>() == "code-change");
    CHECK(inc.at("resolution").at("type").get<std::string>() == "rollback");
    CHECK(inc.at("whys").size() == 3);
    CHECK(inc.at("actions").at(1).at("status").get<std::string>() == "done");
    CHECK(inc.at("security").at("flagged").get<bool>() == false);

    const auto& timeline = inc.at("timeline");
    CHECK(timeline.size() == 17);
    const auto& edited = timeline.at(5);  // recording order: #6 is the sixth entry
    CHECK(edited.at("number").get<int>() == 6);
    CHECK(edited.at("history").at(0).at("previous_text").get<std::string>() ==
          "Error rate on checkout-api at 38%, only eu-west pods");
    bool found_retracted = false;
    for (const auto& entry : timeline) {
        if (entry.at("number").get<int>() != 16) continue;
        found_retracted = true;
        CHECK(entry.at("retracted").at("by").at("name").get<std::string>() == "Dana Kim");
    }
    CHECK(found_retracted);
}

TEST_CASE("the exported events decode and fold back to the same incident") {
    const auto log = checkout_story();
    const auto original = log.fold();
    const auto doc = json::parse(incident_json(original, log.events(), berlin_options()));
    std::vector<model::event> events;
    for (const auto& j : doc.at("events")) {
        std::string error;
        auto e = model::event_from_json(j, error);
        REQUIRE_MESSAGE(e.has_value(), error);
        events.push_back(std::move(*e));
    }
    REQUIRE(events.size() == log.events().size());
    const auto replayed = model::fold(events);
    CHECK(incident_json(replayed, events, berlin_options()) ==
          incident_json(original, log.events(), berlin_options()));
}

TEST_CASE("text that is not valid UTF-8 is exported with replacement characters") {
    auto log = bare_story();
    log.add(ana(), "2026-11-21T14:10:00Z",
            p::entry_added{model::entry_type::note, "bad \xff byte", {}, {}, {}});
    std::string out;
    CHECK_NOTHROW(out = incident_json(log.fold(), log.events(), utc_options()));
    CHECK(out.find("bad \xEF\xBF\xBD byte") != std::string::npos);
}

TEST_CASE("the export is written exactly as nlohmann would pretty-print it") {
    auto log = checkout_story();
    log.add(ana(), "2026-11-21T14:10:00Z",
            p::entry_added{model::entry_type::note,
                           "quotes \" backslash \\ tab \t newline \n ünïcödé \xF0\x9F\x93\x8C",
                           {},
                           {},
                           {}});
    const auto out = incident_json(log.fold(), log.events(), berlin_options());
    const auto parsed = nlohmann::ordered_json::parse(out);
    CHECK(out == parsed.dump(2, ' ', false) + "\n");
}

}  // namespace scribe::render::test
