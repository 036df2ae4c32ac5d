// Socket Mode frames: hello, disconnect and envelopes as Slack sends them, and what we refuse.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "adapters/slack/socket_mode.hpp"
#include "adapters/slack/payload_tree.hpp"
#include "tests/slack/payloads.hpp"

using namespace scribe::adapters::slack;
namespace fixtures = scribe::testing::slack;
using nlohmann::json;

namespace {

template <class T>
T parsed_as(std::string_view text) {
    auto f = parse_frame(text);
    if (const auto* m = std::get_if<malformed>(&f)) FAIL("malformed: " << m->reason);
    REQUIRE(std::holds_alternative<T>(f));
    return std::get<T>(std::move(f));
}

std::string malformed_reason(std::string_view text,
                             std::size_t max_bytes = default_max_frame_bytes) {
    const auto f = parse_frame(text, max_bytes);
    REQUIRE(std::holds_alternative<malformed>(f));
    return std::get<malformed>(f).reason;
}

}  // namespace

TEST_CASE("hello from the docs and from the SDK fixture") {
    const auto docs = parsed_as<hello>(fixtures::hello_docs);
    CHECK(docs.num_connections == 1);
    CHECK(docs.app_id == "A1234");
    CHECK(docs.host == "applink-7fc4fdbb64-4x5xq");
    CHECK(docs.approximate_connection_time == std::chrono::seconds{3600});

    const auto sdk = parsed_as<hello>(fixtures::hello_sdk);
    CHECK(sdk.num_connections == 2);
    CHECK(sdk.app_id == "A111");
    CHECK(sdk.approximate_connection_time == std::chrono::seconds{18060});
}

TEST_CASE("hello with every optional field missing or of the wrong kind") {
    const auto bare = parsed_as<hello>(R"({"type":"hello"})");
    CHECK(bare.num_connections == 0);
    CHECK(bare.app_id.empty());
    CHECK(bare.approximate_connection_time == std::chrono::seconds{0});

    const auto odd = parsed_as<hello>(
        R"({"type":"hello","num_connections":"2","debug_info":[],"connection_info":{"app_id":7}})");
    CHECK(odd.num_connections == 0);
    CHECK(odd.app_id.empty());

    const auto fraction = parsed_as<hello>(R"({"type":"hello","num_connections":1.5})");
    CHECK(fraction.num_connections == 0);
    const auto big = parsed_as<hello>(R"({"type":"hello","num_connections":99999999999999})");
    CHECK(big.num_connections == std::numeric_limits<int>::max());
}

TEST_CASE("disconnect reasons") {
    CHECK(parsed_as<disconnect>(fixtures::disconnect_warning).reason == disconnect_reason::warning);
    CHECK(parsed_as<disconnect>(fixtures::disconnect_refresh).reason ==
          disconnect_reason::refresh_requested);
    const auto disabled = parsed_as<disconnect>(fixtures::disconnect_link_disabled);
    CHECK(disabled.reason == disconnect_reason::link_disabled);
    CHECK(disabled.host == "wss-111.slack.com");
    CHECK(parsed_as<disconnect>(fixtures::disconnect_too_many).reason ==
          disconnect_reason::too_many_websockets);
    CHECK(parsed_as<disconnect>(fixtures::disconnect_too_many_sdk).reason ==
          disconnect_reason::too_many_websockets);

    const auto unknown = parsed_as<disconnect>(R"({"type":"disconnect","reason":"maintenance"})");
    CHECK(unknown.reason == disconnect_reason::unknown);
    CHECK(unknown.reason_text == "maintenance");
    CHECK(parsed_as<disconnect>(R"({"type":"disconnect"})").reason == disconnect_reason::unknown);
    CHECK(to_string(disconnect_reason::too_many_websockets) == "too_many_websockets");
}

TEST_CASE("events_api envelope from the SDK fixture") {
    const auto e = parsed_as<envelope>(fixtures::app_mention_envelope);
    CHECK(e.envelope_id == "cda4159a-72a5-4744-aba3-4d66eb52682b");
    CHECK(e.type == envelope_type::events_api);
    CHECK(e.type_text == "events_api");
    CHECK_FALSE(e.accepts_response_payload);
    CHECK(e.retry_attempt == 0);
    CHECK(e.retry_reason.empty());
    CHECK(e.event_id == "Ev111");
    const auto payload = e.payload->value;
    CHECK(text_at(*object_at(payload, "event"), "type") == "app_mention");
    CHECK(text_at(payload, "event_context") == "1-app_mention-T111-C111");
}

TEST_CASE("slash_commands envelope from the docs, and one with escaped slashes") {
    const auto docs = parsed_as<envelope>(fixtures::slash_envelope_docs);
    CHECK(docs.type == envelope_type::slash_commands);
    CHECK(docs.accepts_response_payload);
    CHECK(docs.envelope_id == "dbdd0ef3-1543-4f94-bfb4-133d0e6c1545");
    CHECK(docs.event_id.empty());
    CHECK(docs.retry_attempt == 0);  // absent for slash commands

    const auto escaped = parsed_as<envelope>(fixtures::slash_envelope_escaped);
    const auto payload = escaped.payload->value;
    CHECK(text_at(payload, "response_url") == "https://hooks.slack.com/commands/T111/111/xxx");
    CHECK(text_at(payload, "command") == "/incident");
}

TEST_CASE("interactive and unknown envelope types are still envelopes") {
    const auto shortcut = parsed_as<envelope>(fixtures::shortcut_envelope);
    CHECK(shortcut.type == envelope_type::interactive);
    CHECK(to_string(shortcut.type) == "interactive");

    const auto future = parsed_as<envelope>(
        R"({"envelope_id":"e-9","type":"workflow_steps","payload":{"x":1},"brand_new":true})");
    CHECK(future.type == envelope_type::other);
    CHECK(future.type_text == "workflow_steps");
    CHECK(int_at(future.payload->value, "x") == 1);
}

TEST_CASE("envelope with extra fields, a retry, and missing optional fields") {
    const auto retry = parsed_as<envelope>(
        R"({"envelope_id":"e-2","type":"events_api","payload":{"event_id":"Ev9","event":{}},
            "accepts_response_payload":false,"retry_attempt":2,"retry_reason":"timeout",
            "debug_info":{"host":"x"},"some_future_field":[1,2,3]})");
    CHECK(retry.retry_attempt == 2);
    CHECK(retry.retry_reason == "timeout");
    CHECK(retry.event_id == "Ev9");

    const auto bare = parsed_as<envelope>(R"({"envelope_id":"e-3"})");
    CHECK(bare.type == envelope_type::other);
    CHECK(bare.payload == nullptr);
    CHECK_FALSE(bare.accepts_response_payload);

    const auto odd = parsed_as<envelope>(
        R"({"envelope_id":"e-4","type":"events_api","payload":"text","retry_attempt":-3,
            "accepts_response_payload":"yes"})");
    CHECK(odd.payload == nullptr);
    CHECK(odd.retry_attempt == 0);
    CHECK_FALSE(odd.accepts_response_payload);
}

TEST_CASE("malformed frames are values, never exceptions") {
    CHECK(malformed_reason("") == "not JSON");
    CHECK(malformed_reason("hello") == "not JSON");
    CHECK(malformed_reason(R"({"type":"hello")") == "not JSON");
    CHECK(malformed_reason("[1,2,3]") == "not a JSON object");
    CHECK(malformed_reason("42") == "not a JSON object");
    CHECK(malformed_reason(R"({"type":"hello","num_connections":1e400})") == "not JSON");
    CHECK(malformed_reason("{}") == "no type");
    CHECK(malformed_reason(R"({"type":"events_api","payload":{}})") ==
          "envelope without envelope_id");
    CHECK(malformed_reason(R"({"envelope_id":7,"type":"events_api"})") ==
          "envelope_id is not a non-empty string");
    CHECK(malformed_reason(R"({"envelope_id":"","type":"events_api"})") ==
          "envelope_id is not a non-empty string");
    CHECK(malformed_reason(R"({"type":"ping\n\u0000"})") ==
          "unknown frame type 'ping?"
          "?'");  // two controls
    CHECK(malformed_reason(std::string_view("\x00\xff\xfe{\x81", 5)) == "not JSON");
    CHECK(malformed_reason("{\"type\":\"hello\",\"x\":\"\xc3\x28\"}") == "not JSON");  // bad UTF-8
    CHECK(malformed_reason(fixtures::hello_sdk, 20) == "larger than 20 bytes");
}

TEST_CASE("nesting is bounded, so nothing downstream recurses without limit") {
    const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
    CHECK(malformed_reason(deep) == "nested deeper than 64 levels");
    const std::string deep_payload = R"({"envelope_id":"e","type":"events_api","payload":{"a":)" +
                                     std::string(70, '[') + std::string(70, ']') + "}}";
    CHECK(malformed_reason(deep_payload) == "nested deeper than 64 levels");
    const std::string fine = R"({"envelope_id":"e","type":"events_api","payload":{"a":)" +
                             std::string(30, '[') + std::string(30, ']') + "}}";
    CHECK(parsed_as<envelope>(fine).envelope_id == "e");
}

TEST_CASE("ack frames") {
    CHECK(ack_frame("dbdd0ef3-1543-4f94-bfb4-133d0e6c1545") ==
          R"({"envelope_id":"dbdd0ef3-1543-4f94-bfb4-133d0e6c1545"})");
    CHECK(ack_frame("e-1", R"({"text":"I got it!"})") ==
          R"({"envelope_id":"e-1","payload":{"text":"I got it!"}})");
    CHECK(
        ack_frame(
            "e-1",
            R"({"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"Book of Hours"}}]})") ==
        R"({"envelope_id":"e-1","payload":{"blocks":[{"text":{"text":"Book of Hours","type":"mrkdwn"},"type":"section"}]}})");
    // The ack matters more than a response body that cannot be sent.
    CHECK(ack_frame("e-1", "not json") == R"({"envelope_id":"e-1"})");
    CHECK(ack_frame("e-1", "[1]") == R"({"envelope_id":"e-1"})");
    CHECK(ack_frame(R"(q"\)") == R"({"envelope_id":"q\"\\"})");
    // Both forms parse back to the id Slack sent.
    const auto e = parsed_as<envelope>(fixtures::slash_envelope_docs);
    CHECK(json::parse(ack_frame(e.envelope_id)).at("envelope_id").get<std::string>() ==
          e.envelope_id);
}
