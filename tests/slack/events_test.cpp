// Events API and slash-command payloads from the docs and SDK fixtures, self-filter and keys.
#include "adapters/slack/events.hpp"

#include <doctest/doctest.h>

#include "tests/slack/payloads.hpp"

using namespace scribe;
using namespace scribe::adapters::slack;
namespace fixtures = scribe::testing::slack;

namespace {

template <class T>
T parsed_as(const inbound_event& event) {
    if (const auto* u = std::get_if<unreadable>(&event)) FAIL("unreadable: " << u->reason);
    if (const auto* i = std::get_if<ignored>(&event)) FAIL("ignored: " << i->why);
    REQUIRE(std::holds_alternative<T>(event));
    return std::get<T>(event);
}

template <class T>
T event_of(std::string_view event_json) {
    return parsed_as<T>(parse_events_api(fixtures::wrapped(event_json)));
}

inbound_event from_envelope(std::string_view frame_text) {
    const auto f = parse_frame(frame_text);
    REQUIRE(std::holds_alternative<envelope>(f));
    return parse_payload(std::get<envelope>(f));
}

std::string ignored_why(std::string_view event_json) {
    const auto e = parse_events_api(fixtures::wrapped(event_json));
    REQUIRE(std::holds_alternative<ignored>(e));
    return std::get<ignored>(e).why;
}

std::string unreadable_reason(const inbound_event& e) {
    REQUIRE(std::holds_alternative<unreadable>(e));
    return std::get<unreadable>(e).reason;
}

}  // namespace

TEST_CASE("app_mention and message from the SDK fixtures") {
    const auto mention = parsed_as<app_mention>(from_envelope(fixtures::app_mention_envelope));
    CHECK(mention.channel == "C111");
    CHECK(mention.ts == "1610241741.000200");
    CHECK(mention.user == "U222");
    CHECK(mention.text == "<@U111>");
    CHECK(mention.event_id == "Ev111");
    CHECK(mention.event_ts == "1610241741.000200");
    CHECK(mention.thread_ts.empty());
    CHECK(mention.bot_id.empty());

    const auto message = parsed_as<message_posted>(from_envelope(fixtures::message_envelope));
    CHECK(message.text == "<@U111> Hi here!");
    CHECK(message.channel_type == "channel");
    CHECK(message.subtype.empty());
}

TEST_CASE("a message arriving as both message and app_mention has one key") {
    const auto mention = from_envelope(fixtures::app_mention_envelope);
    const auto message = from_envelope(fixtures::message_envelope);
    CHECK(event_key(mention) == event_key(message));
    CHECK(event_key(message) == model::source_key{"slack", "C111", "1610241741.000200", 0});
    CHECK(subject_key(message) == event_key(message));
}

TEST_CASE("plain message from the docs, with no event_ts or blocks") {
    const auto m = event_of<message_posted>(fixtures::message_plain);
    CHECK(m.channel == "C123ABC456");
    CHECK(m.user == "U123ABC456");
    CHECK(m.text == "Hello world");
    CHECK(m.ts == "1355517523.000005");
    CHECK(m.event_ts.empty());
    CHECK(m.event_id == "Ev222");
}

TEST_CASE("thread replies and authored subtypes are messages") {
    const auto reply = event_of<message_posted>(
        R"({"type":"message","channel":"C1","user":"U1","text":"!tl x","ts":"2.0","thread_ts":"1.0","parent_user_id":"U9"})");
    CHECK(reply.thread_ts == "1.0");
    for (const auto* subtype : {"thread_broadcast", "file_share", "me_message"}) {
        const auto m = event_of<message_posted>(
            std::string(
                R"({"type":"message","channel":"C1","user":"U1","text":"t","ts":"2.0","subtype":")") +
            subtype + R"("})");
        CHECK(m.subtype == subtype);
    }
}

TEST_CASE("message_changed from the docs") {
    const auto e = parse_events_api(fixtures::wrapped(fixtures::message_changed_docs));
    const auto c = parsed_as<message_changed>(e);
    CHECK(c.channel == "C123ABC456");
    CHECK(c.ts == "1355517523.000005");
    CHECK(c.text == "Hello, world!");
    CHECK(c.user == "U123ABC456");
    CHECK(c.edit_ts == "1358878755.000001");
    CHECK(subject_key(e) == message_key("C123ABC456", "1355517523.000005"));
    CHECK(event_key(e) == message_key("C123ABC456", "1355517523.000005/edit/1358878755.000001"));
}

TEST_CASE("message_changed without a text change is ignored, without previous_message it counts") {
    CHECK(ignored_why(R"({"type":"message","subtype":"message_changed","channel":"C1","ts":"9.0",
        "message":{"text":"same","ts":"1.0","user":"U1"},"previous_message":{"text":"same","ts":"1.0"}})") ==
          "message_changed with the text unchanged");
    const auto c = event_of<message_changed>(
        R"({"type":"message","subtype":"message_changed","channel":"C1","ts":"9.0","message":{"text":"new","ts":"1.0","user":"U1"}})");
    CHECK(c.text == "new");
    CHECK(unreadable_reason(parse_events_api(fixtures::wrapped(
              R"({"type":"message","subtype":"message_changed","channel":"C1","ts":"9.0"})"))) ==
          "message_changed without message");
}

TEST_CASE("message_deleted from the docs") {
    const auto e = parse_events_api(fixtures::wrapped(fixtures::message_deleted_docs));
    const auto d = parsed_as<message_deleted>(e);
    CHECK(d.channel == "C123ABC456");
    CHECK(d.deleted_ts == "1358878749.000002");
    CHECK(d.user == "U123ABC456");
    CHECK(subject_key(e) == message_key("C123ABC456", "1358878749.000002"));
    CHECK(event_key(e) == message_key("C123ABC456", "1358878749.000002/delete"));
}

TEST_CASE("reaction_added from the docs, reaction_removed, and reactions to files") {
    const auto e = parse_events_api(fixtures::wrapped(fixtures::reaction_added_docs));
    const auto r = parsed_as<reaction>(e);
    CHECK(r.added);
    CHECK(r.user == "U123ABC456");
    CHECK(r.name == "thumbsup");
    CHECK(r.channel == "C123ABC456");
    CHECK(r.ts == "1360782400.498405");
    CHECK(r.item_user == "U222222222");
    CHECK(r.event_ts == "1360782804.083113");
    CHECK(subject_key(e) == message_key("C123ABC456", "1360782400.498405"));
    CHECK(event_key(e) ==
          message_key("C123ABC456", "1360782400.498405/reaction/1360782804.083113"));

    // A webhook's message has no item_user; newer payloads add item.channel_type.
    const auto removed = event_of<reaction>(
        R"({"type":"reaction_removed","user":"U1","reaction":"pushpin","item":{"type":"message","channel":"C1","ts":"1.0","channel_type":"channel"},"event_ts":"2.0"})");
    CHECK_FALSE(removed.added);
    CHECK(removed.name == "pushpin");
    CHECK(removed.item_user.empty());

    CHECK(
        ignored_why(
            R"({"type":"reaction_added","user":"U1","reaction":"x","item":{"type":"file","file":"F1"},"event_ts":"2.0"})") ==
        "reaction to a file");
}

TEST_CASE("member_joined_channel from the docs") {
    const auto e = parse_events_api(fixtures::wrapped(fixtures::member_joined_docs));
    const auto j = parsed_as<member_joined>(e);
    CHECK(j.channel == "C0698JE0H");
    CHECK(j.user == "W06GH7XHN");
    CHECK(j.inviter == "U123456789");
    CHECK_FALSE(event_key(e));
}

TEST_CASE("slash commands from the docs and with escaped slashes") {
    const auto docs = parsed_as<slash_command>(from_envelope(fixtures::slash_envelope_docs));
    CHECK(docs.command == "/randorilke");
    CHECK(docs.channel_id == "C123ABC456");
    CHECK(docs.user_id == "U123ABC456");
    CHECK(docs.user_name == "rainer");
    CHECK(docs.text.empty());
    CHECK(docs.trigger_id == "37053613634.26768298162.440952c06ef4de2653466a48fe495f93");
    CHECK(docs.team_id == "T123ABC456");

    const auto e = from_envelope(fixtures::slash_envelope_escaped);
    const auto escaped = parsed_as<slash_command>(e);
    CHECK(escaped.command == "/incident");
    CHECK(escaped.response_url == "https://hooks.slack.com/commands/T111/111/xxx");
    CHECK(escaped.text ==
          "tl deploy rolled back \xE2\x80\x94 see <https://grafana.example.com/d/1|dashboard>");
    CHECK(event_key(e) == message_key("C111", "command/111.222.xxx"));
    CHECK_FALSE(subject_key(e));
}

TEST_CASE("bookkeeping subtypes, other event types and wrappers are ignored") {
    CHECK(
        ignored_why(
            R"({"type":"message","subtype":"channel_join","channel":"C1","user":"U1","ts":"1.0","text":"<@U1> has joined the channel"})") ==
        "message subtype 'channel_join'");
    CHECK(
        ignored_why(
            R"({"type":"message","subtype":"bot_message","bot_id":"B1","username":"ci","ts":"1.0","channel":"C1","text":"build failed"})") ==
        "message subtype 'bot_message'");
    CHECK(ignored_why(
              R"({"type":"pin_added","user":"U1","channel_id":"C1","item":{},"event_ts":"1.0"})") ==
          "event type 'pin_added'");
    const auto verification = parse_events_api(R"({"type":"url_verification","challenge":"x"})");
    REQUIRE(std::holds_alternative<ignored>(verification));
    CHECK(std::get<ignored>(verification).why == "wrapper type 'url_verification'");
    const auto interactive = from_envelope(fixtures::shortcut_envelope);
    REQUIRE(std::holds_alternative<ignored>(interactive));
    CHECK(std::get<ignored>(interactive).why == "envelope type 'interactive'");
}

TEST_CASE("payloads that are not what Slack documents are unreadable, never exceptions") {
    CHECK(unreadable_reason(parse_events_api("")) == "events_api payload not JSON");
    CHECK(unreadable_reason(parse_events_api("[]")) == "events_api payload is not an object");
    CHECK(unreadable_reason(parse_events_api("{}")) == "events_api payload without event");
    CHECK(unreadable_reason(parse_events_api(R"({"event":"message"})")) ==
          "events_api payload without event");
    CHECK(unreadable_reason(parse_events_api(fixtures::wrapped(
              R"({"type":"message","text":"x"})"))) == "message without channel or ts");
    // Fields of the wrong kind count as missing.
    CHECK(unreadable_reason(parse_events_api(
              fixtures::wrapped(R"({"type":"message","channel":5,"ts":["1.0"],"user":{}})"))) ==
          "message without channel or ts");
    CHECK(unreadable_reason(parse_slash_command(R"({"text":"x"})")) ==
          "slash command without command, channel_id or user_id");
    CHECK(unreadable_reason(parse_slash_command("\xff")) == "slash command payload not JSON");
}

TEST_CASE("extra unknown fields anywhere are ignored") {
    const auto m = event_of<message_posted>(
        R"({"type":"message","channel":"C1","user":"U1","text":"hi","ts":"1.0","future":{"a":[1,{"b":null}]},
            "blocks":[{"type":"rich_text","elements":[]}],"metadata":{"event_type":"x","event_payload":{}}})");
    CHECK(m.text == "hi");
}

TEST_CASE("our own events, after bolt's ignoreSelf") {
    const auto own = [](std::string_view event_json) {
        return is_own(parse_events_api(fixtures::wrapped(event_json)), "U0BOT", "B0BOT");
    };
    CHECK(own(
        R"({"type":"message","channel":"C1","user":"U0BOT","bot_id":"B0BOT","text":"Logged #3","ts":"1.0"})"));
    CHECK(own(
        R"({"type":"message","channel":"C1","bot_id":"B0BOT","text":"x","ts":"1.0","subtype":"thread_broadcast"})"));
    CHECK(own(
        R"({"type":"app_mention","channel":"C1","user":"U0BOT","text":"<@U0BOT>","ts":"1.0"})"));
    CHECK_FALSE(own(fixtures::message_plain));
    // message_changed and message_deleted carry no top-level user.
    CHECK(own(
        R"({"type":"message","subtype":"message_changed","channel":"C1","ts":"9.0","message":{"bot_id":"B0BOT","text":"edited","ts":"1.0"}})"));
    CHECK(own(
        R"({"type":"message","subtype":"message_changed","channel":"C1","ts":"9.0","message":{"user":"U0BOT","text":"edited","ts":"1.0"}})"));
    CHECK_FALSE(own(fixtures::message_changed_docs));
    CHECK(own(
        R"({"type":"message","subtype":"message_deleted","channel":"C1","ts":"9.0","deleted_ts":"1.0","previous_message":{"user":"U0BOT","ts":"1.0"}})"));
    CHECK(own(
        R"({"type":"message","subtype":"message_deleted","channel":"C1","ts":"9.0","deleted_ts":"1.0","previous_message":{"bot_id":"B0BOT","ts":"1.0"}})"));
    CHECK_FALSE(own(fixtures::message_deleted_docs));
    CHECK(own(
        R"({"type":"reaction_added","user":"U0BOT","reaction":"white_check_mark","item":{"type":"message","channel":"C1","ts":"1.0"},"event_ts":"2.0"})"));
    CHECK_FALSE(own(fixtures::reaction_added_docs));
    // The bot joining a channel is news to the bot.
    CHECK_FALSE(
        own(R"({"type":"member_joined_channel","user":"U0BOT","channel":"C1","event_ts":"1.0"})"));
    // Unknown ids (before auth.test answered) match nothing, not every message without a bot_id.
    CHECK_FALSE(is_own(parse_events_api(fixtures::wrapped(fixtures::message_plain)), "", ""));
}

TEST_CASE("Slack timestamps to instants") {
    CHECK(parse_ts("1610241741.000200") ==
          model::timestamp{std::chrono::milliseconds{1'610'241'741'000}});
    CHECK(parse_ts("1360782804.083113") ==
          model::timestamp{std::chrono::milliseconds{1'360'782'804'083}});
    CHECK(parse_ts("1360782804") == model::timestamp{std::chrono::milliseconds{1'360'782'804'000}});
    CHECK(parse_ts("1.5") == model::timestamp{std::chrono::milliseconds{1'500}});
    for (const auto* bad :
         {"", ".", "1.", ".5", "-1.0", "1.2.3", "12a.0", "9999999999999.0", " 1.0"}) {
        CHECK_MESSAGE(!parse_ts(bad), bad);
    }
}

TEST_CASE("messages become inbound messages with decoded text") {
    const auto e = parse_events_api(fixtures::wrapped(
        R"({"type":"message","channel":"C1","user":"U2","text":"!tl rollback &amp; <https://ci.example.com/1|pipeline> <!here>","ts":"1610241741.000200"})"));
    const auto m = to_inbound_message(e);
    REQUIRE(m);
    CHECK(m->author == model::person{"slack", "U2", "U2"});
    CHECK(m->source == message_key("C1", "1610241741.000200"));
    CHECK(m->text == "!tl rollback & pipeline (https://ci.example.com/1) @here");
    CHECK(m->sent_at == model::timestamp{std::chrono::milliseconds{1'610'241'741'000}});
    CHECK(to_inbound_message(from_envelope(fixtures::app_mention_envelope))->text == "<@U111>");
    CHECK_FALSE(
        to_inbound_message(parse_events_api(fixtures::wrapped(fixtures::reaction_added_docs))));
}
