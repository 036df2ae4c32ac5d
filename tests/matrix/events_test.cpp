// Matrix room events in the spec's shapes: messages, replies, edits, reactions, redactions, pins.
#include "adapters/matrix/events.hpp"

#include <doctest/doctest.h>

#include <string>

#include "tests/matrix/payloads.hpp"

using namespace scribe;
using namespace scribe::adapters::matrix;
namespace fixtures = scribe::testing::matrix;

namespace {

constexpr std::string_view room = "!726s6s6q:example.com";

template <class T>
T parsed_as(std::string_view event_json, std::string_view in_room = room) {
    const auto event = parse_event(event_json, in_room);
    if (const auto* u = std::get_if<unreadable>(&event)) FAIL("unreadable: " << u->reason);
    if (const auto* i = std::get_if<ignored>(&event)) FAIL("ignored: " << i->why);
    REQUIRE(std::holds_alternative<T>(event));
    return std::get<T>(event);
}

text_message message_with(std::string body, std::vector<std::string> mentioned = {},
                          msgtype kind = msgtype::text) {
    text_message m;
    m.room = std::string(room);
    m.event_id = "$m";
    m.sender = "@alice:example.org";
    m.body = std::move(body);
    m.mentioned_users = std::move(mentioned);
    m.kind = kind;
    return m;
}

}  // namespace

TEST_CASE("the spec's m.text example, room id from the event when none is given") {
    const auto m = parsed_as<text_message>(fixtures::text_message, "");
    CHECK(m.room == "!636q39766251:example.com");
    CHECK(m.event_id == "$143273582443PhrSn:example.org");
    CHECK(m.sender == "@example:example.org");
    CHECK(m.body == "This is an example text message");
    CHECK(m.formatted_body == "<b>This is an example text message</b>");
    CHECK(m.kind == msgtype::text);
    CHECK(m.origin_server_ts.time_since_epoch().count() == 1432735824653);
    CHECK(m.in_reply_to.empty());
    CHECK(m.mentioned_users.empty());
}

TEST_CASE("a rich reply loses its quoted fallback and keeps its mentions") {
    const auto m = parsed_as<text_message>(fixtures::reply_with_fallback);
    CHECK(m.room == room);
    CHECK(m.in_reply_to == "$another_event");
    CHECK(m.body == "That sounds like a great idea!");
    CHECK(m.formatted_body == "That sounds like a <i>great</i> idea!");
    CHECK(m.mentioned_users == std::vector<std::string>{"@scribe:example.org", "@bob:example.org"});
    CHECK_FALSE(m.mentions_room);
}

TEST_CASE("a thread's fallback reply is not a reply, and the thread root is kept") {
    const auto m = parsed_as<text_message>(fixtures::thread_fallback_reply);
    CHECK(m.thread_root == "$alice_hello");
    CHECK(m.in_reply_to.empty());
}

TEST_CASE("notices and emotes are typed, images and unknown events ignored") {
    const auto notice = parsed_as<text_message>(
        R"({"type":"m.room.message","event_id":"$n","sender":"@b:hs","content":{"msgtype":"m.notice","body":"hi"}})");
    CHECK(notice.kind == msgtype::notice);
    const auto emote = parsed_as<text_message>(
        R"({"type":"m.room.message","event_id":"$e","sender":"@b:hs","content":{"msgtype":"m.emote","body":"waves"}})");
    CHECK(emote.kind == msgtype::emote);
    CHECK(to_string(emote.kind) == "m.emote");

    const auto image = parse_event(
        R"({"type":"m.room.message","event_id":"$i","sender":"@b:hs","content":{"msgtype":"m.image","body":"x.png","url":"mxc://hs/x"}})",
        room);
    REQUIRE(std::holds_alternative<ignored>(image));
    CHECK(std::get<ignored>(image).event_id == "$i");
}

TEST_CASE("encrypted events and the room's encryption are read for the encryption device") {
    const auto sealed = parse_event(
        R"({"type":"m.room.encrypted","event_id":"$x","sender":"@b:hs","origin_server_ts":5,"content":{"algorithm":"m.megolm.v1.aes-sha2","ciphertext":"AwgA","session_id":"s"}})",
        room);
    REQUIRE(std::holds_alternative<encrypted>(sealed));
    const auto& e = std::get<encrypted>(sealed);
    CHECK(e.event_id == "$x");
    CHECK(e.sender == "@b:hs");
    CHECK(e.room == room);
    CHECK(e.event_json.find("\"ciphertext\":\"AwgA\"") != std::string::npos);
    CHECK(event_id_of(sealed) == "$x");

    const auto on = parse_event(
        R"({"type":"m.room.encryption","event_id":"$on","sender":"@a:hs","state_key":"","content":{"algorithm":"m.megolm.v1.aes-sha2","rotation_period_msgs":10}})",
        room);
    REQUIRE(std::holds_alternative<encryption_enabled>(on));
    // Only the room's state counts: a message of that type, or another state key, does not.
    CHECK(std::holds_alternative<ignored>(parse_event(
        R"({"type":"m.room.encryption","event_id":"$m","sender":"@a:hs","content":{"algorithm":"x"}})",
        room)));
    CHECK(std::holds_alternative<ignored>(parse_event(
        R"({"type":"m.room.encryption","event_id":"$k","sender":"@a:hs","state_key":"x","content":{}})",
        room)));
    CHECK(std::get<encryption_enabled>(on).content_json.find("rotation_period_msgs") !=
          std::string::npos);
}

TEST_CASE("malformed events are unreadable, never thrown") {
    for (
        const std::string_view bad :
        {"", "nope", "[]", "{}", R"({"type":"m.room.message","sender":"@a:hs"})",
         R"({"type":"m.room.message","event_id":"$1","sender":"@a:hs","content":{"msgtype":"m.text"}})",
         R"({"type":"m.room.message","event_id":"$1","sender":"@a:hs","content":{"msgtype":"m.text","body":5}})",
         R"({"type":"m.room.redaction","event_id":"$1","sender":"@a:hs","content":{}})",
         R"({"type":"m.room.member","event_id":"$1","sender":"@a:hs","content":{"membership":"join"}})",
         R"({"type":"m.reaction","event_id":"$1","sender":"@a:hs","content":{"m.relates_to":{"rel_type":"m.annotation","key":"x"}}})"}) {
        CAPTURE(bad);
        CHECK(std::holds_alternative<unreadable>(parse_event(bad, room)));
    }
}

TEST_CASE("an edit carries the target and the body from m.new_content") {
    const auto e = parsed_as<edit>(fixtures::edit);
    CHECK(e.event_id == "$edit1");
    CHECK(e.target == "$some_event_id");
    CHECK(e.new_body == "Hello! My name is bar");
    CHECK(e.sender == "@alice:example.org");

    const auto change = to_message_change(e);
    CHECK(change.message == model::source_key{"matrix", std::string(room), "$some_event_id", 0});
    CHECK(change.new_text == "Hello! My name is bar");
    CHECK(change.change_id == "$edit1");
    CHECK_FALSE(change.deleted);
    CHECK(change.by.id == "@alice:example.org");
    CHECK(change.at.time_since_epoch().count() == 1700000000500);

    CHECK(std::holds_alternative<unreadable>(parse_event(
        R"({"type":"m.room.message","event_id":"$e","sender":"@a:hs","content":{"msgtype":"m.text","body":"* x","m.relates_to":{"rel_type":"m.replace","event_id":"$t"}}})",
        room)));
}

TEST_CASE("redactions read redacts from the top level (v1-10) and from content (v11)") {
    for (const std::string_view payload : {fixtures::redaction_v10, fixtures::redaction_v11}) {
        const auto r = parsed_as<redaction>(payload);
        CHECK(r.redacts == "$fukweghifu23:localhost");
        CHECK(r.reason == "Spamming");
        CHECK(r.sender == "@mod:example.org");
        const auto change = to_message_change(r);
        CHECK(change.deleted);
        CHECK(change.new_text.empty());
        CHECK(change.message.message_id == "$fukweghifu23:localhost");
        CHECK(change.change_id == r.event_id);
    }
}

TEST_CASE("a redacted event is recognised, not read as an empty message") {
    const auto r = parsed_as<redacted>(fixtures::redacted_message);
    CHECK(r.event_id == "$gone");
    CHECK(r.type == "m.room.message");
}

TEST_CASE("membership events") {
    const auto m = parsed_as<member>(fixtures::member_join);
    CHECK(m.user == "@scribe:example.org");
    CHECK(m.state == membership::join);
    CHECK(m.display_name == "Scribe");
    CHECK(to_string(m.state) == "join");
    // Own joins are not filtered: the adapter learns from them that it is in the room.
    CHECK_FALSE(is_own(parse_event(fixtures::member_join, room), "@scribe:example.org"));
}

TEST_CASE("own events are filtered, and an empty id matches nothing") {
    const auto event = parse_event(fixtures::text_message, room);
    CHECK(is_own(event, "@example:example.org"));
    CHECK_FALSE(is_own(event, "@other:example.org"));
    CHECK_FALSE(is_own(event, ""));
    CHECK_FALSE(is_own(room_event{unreadable{"x"}}, ""));
    CHECK(event_id_of(event) == "$143273582443PhrSn:example.org");
    CHECK(sender_of(event) == "@example:example.org");
}

TEST_CASE("to_inbound_message: source, author by localpart, time") {
    const auto m = to_inbound_message(parsed_as<text_message>(fixtures::text_message));
    CHECK(m.source ==
          model::source_key{"matrix", std::string(room), "$143273582443PhrSn:example.org", 0});
    CHECK(m.author == model::person{"matrix", "@example:example.org", "example"});
    CHECK(m.text == "This is an example text message");
    CHECK(m.sent_at.time_since_epoch().count() == 1432735824653);
    CHECK(localpart("@alice:example.org") == "alice");
    CHECK(server_name("@alice:example.org:8448") == "example.org:8448");
    CHECK(localpart("nocolon") == "nocolon");
}

TEST_CASE("addressed_text: prefix, mentions by m.mentions and by name") {
    const std::string us = "@scribe:example.org";
    const auto addressed = [&](text_message m) { return addressed_text(m, us, "Scribe Bot", "!"); };
    CHECK(addressed(message_with("!tl db down")) == "!tl db down");
    CHECK(addressed(message_with("Scribe Bot: tl db down")) == "!tl db down");
    CHECK(addressed(message_with("scribe bot tl db down")) == "!tl db down");
    CHECK(addressed(message_with("scribe: !tl db down")) == "!tl db down");
    CHECK(addressed(message_with("@scribe:example.org: status")) == "!status");
    CHECK(addressed(message_with("status please", {us})) == "!status please");
    CHECK(addressed(message_with("scribes are great")) == std::nullopt);
    CHECK(addressed(message_with("hello everyone", {"@bob:example.org"})) == std::nullopt);
    CHECK(addressed(message_with("Scribe")) == std::nullopt);
    // Bots talk in notices; answering them could make two bots loop.
    CHECK(addressed(message_with("!tl x", {}, msgtype::notice)) == std::nullopt);
    CHECK(addressed(message_with("Scribe: tl x", {us}, msgtype::emote)) == std::nullopt);
    // A reply's quoted fallback does not hide a mention at the start of the new text.
    const auto reply = parsed_as<text_message>(fixtures::reply_with_fallback);
    CHECK(addressed_text(reply, us, "Scribe", "!") == "!That sounds like a great idea!");
}

TEST_CASE("pins: the key with or without a variation selector, unpin through the index") {
    const auto r = parsed_as<reaction>(fixtures::pin_reaction);
    CHECK(r.target == "$some_event_id");
    CHECK(r.key == default_pin_key);
    CHECK(is_pin(r));
    reaction with_vs = r;
    with_vs.key = std::string(default_pin_key) + "\xEF\xB8\x8F";
    CHECK(is_pin(with_vs));
    reaction thumbs = r;
    thumbs.key = "👍";
    CHECK_FALSE(is_pin(thumbs));
    CHECK(is_pin(thumbs, "👍"));

    text_message target = message_with("db is down");
    target.event_id = "$some_event_id";
    target.sender = "@bob:example.org";
    const auto pin = to_pin_request(r, target);
    CHECK(pin.pinned.source.message_id == "$some_event_id");
    CHECK(pin.pinned.author.id == "@bob:example.org");
    CHECK(pin.pinned_by.id == "@carol:example.org");
    CHECK(pin.event_id == "$react1");
    CHECK(pin.permalink == "https://matrix.to/#/%21726s6s6q%3Aexample.com/%24some_event_id");

    reaction_index index(2);
    index.remember(r);
    redaction undo{std::string(room), "$undo", "@carol:example.org", "$react1", "", {}};
    const auto* entry = index.find(undo.redacts);
    REQUIRE(entry != nullptr);
    const auto unpin = to_unpin_request(undo, *entry);
    CHECK(unpin.pinned.source ==
          model::source_key{"matrix", std::string(room), "$some_event_id", 0});
    CHECK(unpin.event_id == "$undo");
    CHECK(unpin.pinned_by.id == "@carol:example.org");
}

TEST_CASE("the reaction index forgets its oldest entries beyond its capacity") {
    reaction_index index(2);
    const auto make = [](std::string id) {
        return reaction{"!r:hs", std::move(id), "@a:hs", "$target", "x", {}};
    };
    index.remember(make("$1"));
    index.remember(make("$2"));
    index.remember(make("$3"));
    CHECK(index.find("$1") == nullptr);
    CHECK(index.find("$2") != nullptr);
    CHECK(index.size() == 2);
    index.forget("$2");
    CHECK(index.find("$2") == nullptr);
    // Remembering an id again renews it, and churn keeps the index bounded.
    for (int i = 0; i < 100; ++i) {
        index.remember(make("$3"));
        index.remember(make("$" + std::to_string(i % 5 + 10)));
        index.forget("$" + std::to_string(i % 5 + 10));
    }
    CHECK(index.size() <= 2);
    CHECK(index.find("$3") != nullptr);
}
