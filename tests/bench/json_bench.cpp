// Reading a Socket Mode envelope: nlohmann/json with the depth limit Scribe used before, and
// without it; simdjson's on-demand parser; and simdjson's document tree as the Slack adapter
// reads frames now. Each takes the fields the adapter reads from a message event. Medians of
// five runs.
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/json_input.hpp"
#include "adapters/slack/payload_tree.hpp"
#include "adapters/slack/socket_mode.hpp"

namespace {

using scribe::adapters::json_input::json;
using scribe::adapters::json_input::text_at;
using bench_clock = std::chrono::steady_clock;
namespace slack = scribe::adapters::slack;

// What the adapter keeps of a message envelope.
struct message_read {
    std::string envelope_id, event_id, channel, ts, thread_ts, user, text, subtype, event_ts;
};

// A message event as Slack sends it today: rich-text blocks beside the text.
std::string sample_envelope() {
    return R"({"envelope_id":"1d2b4c7e-9a61-4f3e-b0f5-7c3a9e2d1b44","payload":{"token":"XXYYZZ",)"
           R"("team_id":"T0TEAM0001","context_team_id":"T0TEAM0001","context_enterprise_id":null,)"
           R"("api_app_id":"A0APP00001","event":{"user":"U0ALICE01","type":"message",)"
           R"("ts":"1764662400.000200","client_msg_id":"5a1f0c2e-7d4b-4c8a-9e3f-2b6d8a1c0f77",)"
           R"("text":"!tl rolled back checkout-api to v2.14.3, error rate falling",)"
           R"("team":"T0TEAM0001","blocks":[{"type":"rich_text","block_id":"Xk3p",)"
           R"("elements":[{"type":"rich_text_section","elements":[{"type":"text",)"
           R"("text":"!tl rolled back checkout-api to v2.14.3, error rate falling"}]}]}],)"
           R"("channel":"C0INC00042","event_ts":"1764662400.000200","channel_type":"channel"},)"
           R"("type":"event_callback","event_id":"Ev0A1B2C3D4","event_time":1764662400,)"
           R"("authorizations":[{"enterprise_id":null,"team_id":"T0TEAM0001","user_id":"U0BOT0001",)"
           R"("is_bot":true,"is_enterprise_install":false}],"is_ext_shared_channel":false,)"
           R"("event_context":"4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJUMFRFQU0wMDAxIn0"},)"
           R"("type":"events_api","accepts_response_payload":false,"retry_attempt":0,)"
           R"("retry_reason":""})";
}

message_read from_tree(const json& frame) {
    message_read m;
    m.envelope_id = text_at(frame, "envelope_id");
    const json& payload = frame.at("payload");
    m.event_id = text_at(payload, "event_id");
    const json& event = payload.at("event");
    m.channel = text_at(event, "channel");
    m.ts = text_at(event, "ts");
    m.thread_ts = text_at(event, "thread_ts");
    m.user = text_at(event, "user");
    m.text = text_at(event, "text");
    m.subtype = text_at(event, "subtype");
    m.event_ts = text_at(event, "event_ts");
    return m;
}

message_read with_depth_callback(std::string_view text) {
    auto parsed = scribe::adapters::json_input::read_json(
        text, scribe::adapters::slack::default_max_frame_bytes,
        scribe::adapters::slack::max_json_depth, scribe::adapters::json_input::too_deep::fail);
    return from_tree(parsed.value);
}

message_read without_callback(std::string_view text) {
    return from_tree(json::parse(text.begin(), text.end(), nullptr, false));
}

std::string text_of(simdjson::ondemand::object& object, std::string_view key) {
    std::string_view value;
    if (object.find_field_unordered(key).get_string().get(value) != simdjson::SUCCESS) return {};
    return std::string(value);
}

// On demand, fields are read in the order they are asked for; the envelope's own fields after
// its payload are found by reading on.
message_read on_demand(simdjson::ondemand::parser& parser, std::string_view text) {
    message_read m;
    const simdjson::padded_string padded(text);
    simdjson::ondemand::document doc = parser.iterate(padded);
    simdjson::ondemand::object frame = doc.get_object();
    m.envelope_id = text_of(frame, "envelope_id");
    simdjson::ondemand::object payload = frame.find_field_unordered("payload").get_object();
    simdjson::ondemand::object event = payload.find_field_unordered("event").get_object();
    m.user = text_of(event, "user");
    m.ts = text_of(event, "ts");
    m.text = text_of(event, "text");
    m.channel = text_of(event, "channel");
    m.event_ts = text_of(event, "event_ts");
    m.thread_ts = text_of(event, "thread_ts");
    m.subtype = text_of(event, "subtype");
    m.event_id = text_of(payload, "event_id");
    return m;
}

// As the Slack adapter reads a frame: a tree of its own per envelope, as it outlives the next
// frame's parse.
message_read as_adapter(std::string_view text) {
    message_read m;
    auto tree = std::make_shared<slack::payload_tree>();
    if (!slack::read_tree(*tree, text, slack::default_max_frame_bytes).empty()) return m;
    const slack::json_element frame = tree->value;
    m.envelope_id = slack::text_at(frame, "envelope_id");
    const slack::json_element payload = *slack::object_at(frame, "payload");
    const slack::json_element event = *slack::object_at(payload, "event");
    m.event_id = slack::text_at(payload, "event_id");
    m.channel = slack::text_at(event, "channel");
    m.ts = slack::text_at(event, "ts");
    m.thread_ts = slack::text_at(event, "thread_ts");
    m.user = slack::text_at(event, "user");
    m.text = slack::text_at(event, "text");
    m.subtype = slack::text_at(event, "subtype");
    m.event_ts = slack::text_at(event, "event_ts");
    return m;
}

template <class Read>
double median_ns_per_read(Read read, int reads) {
    std::vector<double> runs;
    std::size_t checksum = 0;
    for (int run = 0; run < 5; ++run) {
        const auto start = bench_clock::now();
        for (int i = 0; i < reads; ++i) checksum += read().text.size();
        const std::chrono::duration<double, std::nano> spent = bench_clock::now() - start;
        runs.push_back(spent.count() / reads);
    }
    if (checksum == 0) std::puts("nothing read");
    std::sort(runs.begin(), runs.end());
    return runs[runs.size() / 2];
}

}  // namespace

int main() {
    const std::string text = sample_envelope();
    simdjson::ondemand::parser parser;
    const auto before = with_depth_callback(text);
    for (const auto& other : {on_demand(parser, text), as_adapter(text)}) {
        if (before.text != other.text || before.event_id != other.event_id ||
            before.envelope_id != other.envelope_id || before.channel != other.channel) {
            std::puts("the parsers disagree");
            return 1;
        }
    }
    constexpr int reads = 200'000;
    const double callback = median_ns_per_read([&] { return with_depth_callback(text); }, reads);
    const double plain = median_ns_per_read([&] { return without_callback(text); }, reads);
    const double simd = median_ns_per_read([&] { return on_demand(parser, text); }, reads);
    const double tree = median_ns_per_read([&] { return as_adapter(text); }, reads);
    std::printf("A %zu-byte message envelope, %d reads, medians of 5 runs:\n\n", text.size(),
                reads);
    std::printf("| parser | ns per envelope | relative to before |\n|---|---|---|\n");
    std::printf("| nlohmann/json with the depth callback (before) | %.0f | 1.00x |\n", callback);
    std::printf("| nlohmann/json without a callback | %.0f | %.2fx |\n", plain, plain / callback);
    std::printf("| simdjson on demand | %.0f | %.2fx |\n", simd, simd / callback);
    std::printf("| simdjson's document tree, a tree per envelope (Scribe) | %.0f | %.2fx |\n", tree,
                tree / callback);
}
