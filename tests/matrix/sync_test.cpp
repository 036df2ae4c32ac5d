// /sync and /messages answers, and the sync cursor: initial sync, dedupe, invites, gaps.
#include "adapters/matrix/sync.hpp"

#include <doctest/doctest.h>

#include <string>

#include "adapters/matrix/backfill.hpp"
#include "adapters/matrix/sync_state.hpp"
#include "tests/matrix/payloads.hpp"

using namespace scribe::adapters::matrix;
namespace fixtures = scribe::testing::matrix;

namespace {

constexpr std::string_view us = "@scribe:example.org";
constexpr std::string_view room = "!726s6s6q:example.com";

sync_response sync_of(std::string_view body) {
    auto parsed = parse_sync(body, us);
    if (const auto* e = std::get_if<malformed>(&parsed)) FAIL("parse error: " << e->reason);
    return std::get<sync_response>(std::move(parsed));
}

messages_response messages_of(std::string_view body) {
    auto parsed = parse_messages(body, room);
    if (const auto* e = std::get_if<malformed>(&parsed)) FAIL("parse error: " << e->reason);
    return std::get<messages_response>(std::move(parsed));
}

sync_state make_state() {
    return sync_state({std::string(us), invite_policy({"example.com"}), 100});
}

// A one-room incremental sync with the given timeline events.
std::string batch(std::string_view next, std::string_view events, bool limited = false) {
    return std::string(R"({"next_batch":")") + std::string(next) +
           R"(","rooms":{"join":{"!726s6s6q:example.com":{"timeline":{"events":[)" +
           std::string(events) + "],\"limited\":" + (limited ? "true" : "false") +
           R"(,"prev_batch":"p-)" + std::string(next) + R"("}}}}})";
}

std::string text_event(std::string_view id, std::string_view body) {
    return std::string(R"({"type":"m.room.message","event_id":")") + std::string(id) +
           R"(","sender":"@alice:example.com","origin_server_ts":1,"content":{"msgtype":"m.text","body":")" +
           std::string(body) + R"("}})";
}

std::vector<std::string> delivered_ids(const std::vector<sync_action>& actions) {
    std::vector<std::string> ids;
    for (const auto& a : actions) {
        if (const auto* d = std::get_if<deliver>(&a)) ids.emplace_back(event_id_of(d->event));
    }
    return ids;
}

template <class T>
std::vector<T> actions_of(const std::vector<sync_action>& actions) {
    std::vector<T> out;
    for (const auto& a : actions) {
        if (const auto* t = std::get_if<T>(&a)) out.push_back(*t);
    }
    return out;
}

}  // namespace

TEST_CASE("the spec's sync skeleton: timeline in order, limited, invites, leaves") {
    const auto s = sync_of(fixtures::sync_limited);
    CHECK(s.next_batch == "s72595_4483_1934");
    REQUIRE(s.joined.size() == 1);
    const auto& r = s.joined[0];
    CHECK(r.room_id == room);
    CHECK(r.limited);
    CHECK(r.prev_batch == "t34-23535_0_0");
    REQUIRE(r.timeline.size() == 4);
    CHECK(std::get<text_message>(r.timeline[0]).body == "!tl db down");
    CHECK(std::get<text_message>(r.timeline[0]).room == room);
    CHECK(std::get<text_message>(r.timeline[1]).kind == msgtype::notice);
    CHECK(std::holds_alternative<ignored>(r.timeline[2]));
    CHECK(std::holds_alternative<unreadable>(r.timeline[3]));
    CHECK(s.devices.to_device.empty());
    // Servers leave out the algorithms of which they hold no key: none left.
    CHECK(s.devices.one_time_keys == 0);
    CHECK_FALSE(s.devices.fallback_unused);
    REQUIRE(s.invites.size() == 2);
    CHECK(s.invites[0].room_id == "!696r7674:example.com");
    CHECK(s.invites[0].inviter == "@alice:example.com");
    CHECK(s.invites[1].inviter == "@spammer:spam.example");
    CHECK(s.left == std::vector<std::string>{"!old:example.com"});
}

TEST_CASE("sync answers that are not a sync are errors, not throws") {
    for (const std::string_view bad :
         {"", "<html>502</html>", "[]", "{}", R"({"next_batch":5})", "{\"next_batch\":\"x\""}) {
        CAPTURE(bad);
        CHECK(std::holds_alternative<malformed>(parse_sync(bad, us)));
    }
    CHECK(std::holds_alternative<malformed>(parse_sync(fixtures::sync_limited, us, 100)));
    // An empty long-poll timeout answer.
    const auto empty = sync_of(R"({"next_batch":"s2","rooms":{"join":{},"invite":{},"leave":{}}})");
    CHECK(empty.joined.empty());
    CHECK(sync_of(R"({"next_batch":"s3"})").invites.empty());
    // Odd shapes inside are tolerated.
    const auto odd = sync_of(
        R"({"next_batch":"s4","rooms":{"join":{"!a:hs":5,"!b:hs":{"timeline":{"events":7}}},"invite":{"!c:hs":{}}}})");
    REQUIRE(odd.joined.size() == 1);
    CHECK(odd.joined[0].timeline.empty());
    REQUIRE(odd.invites.size() == 1);
    CHECK(odd.invites[0].inviter.empty());
}

TEST_CASE("one deeply nested event does not make the whole sync unreadable") {
    const std::string deep = std::string(10'000, '[') + std::string(10'000, ']');
    const std::string event =
        R"({"type":"m.room.message","event_id":"$deep","sender":"@a:example.com","content":{"msgtype":"m.text","body":"hi","x":)" +
        deep + "}}";
    const auto s = sync_of(batch("s9", event));
    REQUIRE(s.joined.size() == 1);
    REQUIRE(s.joined[0].timeline.size() == 1);
    CHECK(std::get<text_message>(s.joined[0].timeline[0]).body == "hi");
}

TEST_CASE("/messages: chunk newest first, start and end") {
    const auto m = messages_of(fixtures::messages_page);
    CHECK(m.start == "t34-23535_0_0");
    CHECK(m.end == "t29-57_2_0");
    REQUIRE(m.chunk.size() == 2);
    CHECK(event_id_of(m.chunk[0]) == "$g2");
    CHECK(std::get<text_message>(m.chunk[0]).room == room);
    CHECK(std::holds_alternative<malformed>(parse_messages("nope", room)));
    CHECK(messages_of(R"({"start":"a","chunk":[]})").end.empty());
}

TEST_CASE("the initial sync acts on invites only, then records its position") {
    auto state = make_state();
    CHECK(state.initial());
    const auto actions = state.on_sync(sync_of(fixtures::sync_limited));
    CHECK(delivered_ids(actions).empty());
    CHECK(actions_of<fetch_gap>(actions).empty());
    CHECK(actions_of<left_room>(actions).empty());
    const auto joins = actions_of<join_room>(actions);
    REQUIRE(joins.size() == 1);
    CHECK(joins[0].room_id == "!696r7674:example.com");
    const auto declines = actions_of<decline_invite>(actions);
    REQUIRE(declines.size() == 1);
    CHECK(declines[0].inviter == "@spammer:spam.example");
    REQUIRE(std::holds_alternative<commit>(actions.back()));
    CHECK(std::get<commit>(actions.back()).next_batch == "s72595_4483_1934");
    // The position moves only once the batch is committed.
    CHECK(state.since().empty());
    state.on_committed();
    CHECK(state.since() == "s72595_4483_1934");
    CHECK_FALSE(state.initial());
}

TEST_CASE("incremental syncs deliver in order, drop own and ignored events, dedupe by id") {
    auto state = make_state();
    state.resume("s1");
    auto actions = state.on_sync(sync_of(fixtures::sync_limited));
    // $e2 is ours, $e3 a topic change, the fourth unreadable (logged).
    CHECK(delivered_ids(actions) == std::vector<std::string>{"$e1"});
    CHECK(actions_of<log_entry>(actions).size() == 1);
    CHECK(actions_of<left_room>(actions).size() == 1);
    const auto gaps = actions_of<fetch_gap>(actions);
    REQUIRE(gaps.size() == 1);
    CHECK(gaps[0].room_id == room);
    CHECK(gaps[0].from == "t34-23535_0_0");
    CHECK(gaps[0].to == "s1");
    // The gap comes before the room's timeline, so the bot sees the room in order.
    CHECK(std::holds_alternative<fetch_gap>(actions[2]));
    CHECK(std::holds_alternative<deliver>(actions[3]));
    state.on_committed();

    const auto again = state.on_sync(
        sync_of(batch("s3", text_event("$e1", "dup") + "," + text_event("$e4", "new"))));
    CHECK(delivered_ids(again) == std::vector<std::string>{"$e4"});
}

TEST_CASE("a batch fetched again before its commit is delivered again in full") {
    auto state = make_state();
    state.resume("s1");
    const auto body = batch("s2", text_event("$a", "one") + "," + text_event("$a", "dup"));
    CHECK(delivered_ids(state.on_sync(sync_of(body))) == std::vector<std::string>{"$a"});
    // Not committed (the bot failed): the retried batch still carries $a.
    CHECK(delivered_ids(state.on_sync(sync_of(body))) == std::vector<std::string>{"$a"});
    CHECK(state.since() == "s1");
    state.on_committed();
    CHECK(state.since() == "s2");
    CHECK(delivered_ids(state.on_sync(sync_of(body))).empty());
}

TEST_CASE("dedupe memory is bounded") {
    sync_state state({std::string(us), invite_policy{}, 2});
    state.resume("s0");
    for (const auto* id : {"$1", "$2", "$3"}) {
        state.on_sync(sync_of(batch(std::string("s") + id, text_event(id, "x"))));
        state.on_committed();
    }
    // $1 was forgotten, $3 is remembered.
    CHECK(delivered_ids(state.on_sync(
              sync_of(batch("s9", text_event("$1", "x") + "," + text_event("$3", "x"))))) ==
          std::vector<std::string>{"$1"});
}

TEST_CASE("a limited timeline is backfilled page by page, oldest first, deduped") {
    auto state = make_state();
    state.resume("s1");
    const auto actions =
        state.on_sync(sync_of(batch("s2", text_event("$t1", "after the gap"), true)));
    const auto gaps = actions_of<fetch_gap>(actions);
    REQUIRE(gaps.size() == 1);

    gap_filler filler(gaps[0], 10, 2);
    auto req = filler.next_request();
    CHECK(req.method == http_method::get);
    CHECK(req.path == "/_matrix/client/v3/rooms/%21726s6s6q%3Aexample.com/messages");
    CHECK(req.query.starts_with("dir=b&from=p-s2&to=s1&limit=2&filter="));
    CHECK(filler.on_page(messages_of(fixtures::messages_page)));
    req = filler.next_request();
    CHECK(req.query.find("from=t29-57_2_0") != std::string::npos);
    // The last page has no end: the gap is filled.
    CHECK_FALSE(filler.on_page(messages_of(std::string(R"({"start":"t29-57_2_0","chunk":[)") +
                                           text_event("$g0", "zero") + "]}")));
    CHECK_FALSE(filler.truncated());
    const auto filled = state.on_gap_filled(filler.take_events());
    CHECK(delivered_ids(filled) == std::vector<std::string>{"$g0", "$g1", "$g2"});
    // An event of the timeline after the gap that comes in the gap too is delivered once, in
    // its timeline place.
    CHECK(delivered_ids(state.on_gap_filled({parse_event(text_event("$t1", "x"), room)})).empty());
}

TEST_CASE("a huge gap stops at max_events, keeping the newest") {
    gap_filler filler({std::string(room), "p", "s1"}, 1, 5);
    CHECK_FALSE(filler.on_page(messages_of(fixtures::messages_page)));
    CHECK(filler.truncated());
    const auto events = filler.take_events();
    REQUIRE(events.size() == 1);
    CHECK(event_id_of(events[0]) == "$g2");
    // A page whose end does not move ends the gap rather than looping.
    gap_filler stuck({std::string(room), "t29-57_2_0", "s1"});
    CHECK_FALSE(stuck.on_page(messages_of(fixtures::messages_page)));
}

namespace {
std::string our_join(std::string_view id) {
    return std::string(R"({"type":"m.room.member","event_id":")") + std::string(id) +
           R"(","sender":"@scribe:example.org","state_key":"@scribe:example.org",)"
           R"("origin_server_ts":1,"content":{"membership":"join"}})";
}
}  // namespace

TEST_CASE("a room just joined: its history before the bot's join is not acted on") {
    auto state = make_state();
    state.resume("s1");
    const auto events = text_event("$old1", "!declare Before the bot") + "," +
                        text_event("$old2", "!tl typed before the invite") + "," +
                        our_join("$join") + "," + text_event("$new1", "!tl after the join");
    const auto actions = state.on_sync(sync_of(batch("s2", events, true)));
    CHECK(delivered_ids(actions) == std::vector<std::string>{"$new1"});
    // The gap before such a timeline is history too: nothing is fetched.
    CHECK(actions_of<fetch_gap>(actions).empty());
}

TEST_CASE("a gap that reaches past the bot's join yields only what follows the join") {
    auto state = make_state();
    state.resume("s1");
    const auto actions =
        state.on_sync(sync_of(batch("s2", text_event("$new2", "!tl latest"), true)));
    REQUIRE(actions_of<fetch_gap>(actions).size() == 1);
    std::vector<room_event> gap;
    for (const auto& json : {text_event("$old", "!declare history"), our_join("$join"),
                             text_event("$new1", "!tl after")}) {
        gap.push_back(parse_event(json, room));
    }
    CHECK(delivered_ids(state.on_gap_filled(std::move(gap))) ==
          std::vector<std::string>{"$new1"});
}

TEST_CASE("a sync's news for the encryption device: to-device events, device lists, key counts") {
    const auto s = sync_of(R"json({
      "next_batch": "s2",
      "to_device": {"events": [
        {"type": "m.room.encrypted", "sender": "@a:hs", "content": {"algorithm": "m.olm.v1.curve25519-aes-sha2"}},
        "not an event"
      ]},
      "device_lists": {"changed": ["@a:hs", 5, "@b:hs"], "left": ["@c:hs"]},
      "device_one_time_keys_count": {"signed_curve25519": 12},
      "device_unused_fallback_key_types": []
    })json");
    REQUIRE(s.devices.to_device.size() == 1);
    CHECK(s.devices.to_device[0].find("m.olm.v1") != std::string::npos);
    CHECK(s.devices.changed == std::vector<std::string>{"@a:hs", "@b:hs"});
    CHECK(s.devices.left == std::vector<std::string>{"@c:hs"});
    CHECK(s.devices.one_time_keys == 12);
    CHECK(s.devices.fallback_unused == false);
}
