// The JSON encoding of events round-trips every payload kind and refuses bad input.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "bot/model/codec.hpp"
#include "tests/support/events.hpp"

using namespace scribe::model;
using scribe::testing::at;
using scribe::testing::user;

TEST_CASE("every payload kind survives a JSON round trip") {
    using std::chrono::November;
    const person bob = user("bob", "Bob");
    const std::vector<event_payload> payloads{
        payload::declared{"t", severity::sev1},
        payload::title_set{"t2"},
        payload::severity_changed{severity::sev4},
        payload::role_assigned{"comms", bob},
        payload::status_changed{phase::monitoring},
        payload::reopened{},
        payload::started_marked{},
        payload::detected{detection::monitoring},
        payload::entry_added{entry_type::pinned, "txt", bob, "https://u", "https://p", "1700.01"},
        payload::entry_edited{3, "new"},
        payload::entry_retracted{4},
        payload::sitrep_posted{"s", "i", "n", std::chrono::minutes(30)},
        payload::impact_set{"users"},
        payload::cause_noted{cause_origin::external_dependency, "dns"},
        payload::resolution_noted{resolution_type::fix_forward, "patch"},
        payload::why_added{"why"},
        payload::lesson_added{lesson_kind::differently, "l"},
        payload::action_added{bob, "do", std::chrono::year{2026} / November / 30},
        payload::action_updated{7, action_status::done},
        payload::security_flagged{"sec"},
        payload::room_linked{"matrix", "!abc:example.org"},
        payload::room_unlinked{"matrix", "!abc:example.org"},
        payload::reminders_set{false},
        payload::reminder_sent{reminder_kind::close, at("2026-11-21T15:00:00Z")},
        payload::data_lost{"orders of 12 minutes"},
    };
    REQUIRE(payloads.size() == std::variant_size_v<event_payload>);
    for (const auto& p : payloads) {
        event e;
        e.incident_id = 9;
        e.sequence = 12;
        e.occurred_at = at("2026-11-21T14:05:00.123Z");
        e.recorded_at = at("2026-11-21T14:06:00Z");
        e.actor = user("alice", "Alice \"A\"");
        e.source = {"slack", "C1", "1700000000.000100", 2};
        e.data = p;
        const auto text = event_to_json(e).dump();
        std::string error;
        const auto back = event_from_json(nlohmann::json::parse(text), error);
        CAPTURE(text);
        REQUIRE(back);
        CHECK(event_to_json(*back).dump() == text);
        CHECK(back->data.index() == p.index());
    }
}

TEST_CASE("decoding refuses unknown kinds, bad enums and newer schemas with a reason") {
    std::string error;
    CHECK_FALSE(payload_from_json("exploded", nlohmann::json::object(), error));
    CHECK(error.find("exploded") != std::string::npos);
    CHECK_FALSE(payload_from_json("severity_changed", nlohmann::json{{"severity", "sev9"}}, error));
    CHECK(error.find("sev9") != std::string::npos);
    CHECK_FALSE(payload_from_json("why_added", nlohmann::json::array(), error));

    event e;
    e.data = payload::reopened{};
    auto j = event_to_json(e);
    j["schema"] = event_schema_version + 1;
    CHECK_FALSE(event_from_json(j, error));
    CHECK(error.find("newer") != std::string::npos);
}
