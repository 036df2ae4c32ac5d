// Real Socket Mode frames and Events API payloads (protocols.md §1 and §2.4), shared by the tests.
#pragma once

#include <string>
#include <string_view>

namespace scribe::testing::slack {

// ---- hello and disconnect -------------------------------------------------------------------

// docs: using-socket-mode (with the missing colon after "started" restored).
inline constexpr std::string_view hello_docs = R"json({
  "type": "hello",
  "connection_info": { "app_id": "A1234" },
  "num_connections": 1,
  "debug_info": {
    "host": "applink-7fc4fdbb64-4x5xq",
    "started": "2020-10-11 12:12:12.120",
    "build_number": 54,
    "approximate_connection_time": 3600
  }
})json";

// python-slack-sdk tests/slack_sdk/socket_mode/mock_socket_mode_server.py
inline constexpr std::string_view hello_sdk =
    R"json({"type":"hello","num_connections":2,"debug_info":{"host":"applink-111-xxx","build_number":10,"approximate_connection_time":18060},"connection_info":{"app_id":"A111"}})json";

inline constexpr std::string_view disconnect_link_disabled =
    R"json({ "type": "disconnect", "reason": "link_disabled", "debug_info": { "host": "wss-111.slack.com" } })json";
inline constexpr std::string_view disconnect_warning =
    R"json({ "type": "disconnect", "reason": "warning", "debug_info": { "host": "wss-111.slack.com" } })json";
inline constexpr std::string_view disconnect_refresh =
    R"json({ "type": "disconnect", "reason": "refresh_requested", "debug_info": { "host": "wss-111.slack.com" } })json";
// bolt-js #2238 log
inline constexpr std::string_view disconnect_too_many =
    R"json({"type":"disconnect","reason":"too_many_websockets","debug_info":{"host":"applink-10"}})json";
// python-slack-sdk fixture: extra fields beside the reason
inline constexpr std::string_view disconnect_too_many_sdk =
    R"json({"type":"disconnect","reason":"too_many_websockets","num_connections":2,"debug_info":{"host":"applink-111-xxx"},"connection_info":{"app_id":"A111"}})json";

// ---- envelopes --------------------------------------------------------------------------------

// python-slack-sdk fixture
inline constexpr std::string_view app_mention_envelope =
    R"json({"envelope_id":"cda4159a-72a5-4744-aba3-4d66eb52682b","payload":{"token":"verification-token","team_id":"T111","api_app_id":"A111","event":{"client_msg_id":"f0582a78-72db-4feb-b2f3-1e47d66365c8","type":"app_mention","text":"<@U111>","user":"U222","ts":"1610241741.000200","team":"T111","blocks":[{"type":"rich_text","block_id":"Sesm","elements":[{"type":"rich_text_section","elements":[{"type":"user","user_id":"U111"}]}]}],"channel":"C111","event_ts":"1610241741.000200"},"type":"event_callback","event_id":"Ev111","event_time":1610241741,"authorizations":[{"enterprise_id":null,"team_id":"T111","user_id":"U222","is_bot":true,"is_enterprise_install":false}],"is_ext_shared_channel":false,"event_context":"1-app_mention-T111-C111"},"type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":""})json";

// python-slack-sdk fixture: the same message as a `message` event
inline constexpr std::string_view message_envelope =
    R"json({"envelope_id":"ac2cfd40-6f8c-4d5e-a1ad-646e532baa19","payload":{"token":"verification-token","team_id":"T111","api_app_id":"A111","event":{"client_msg_id":"f0582a78-72db-4feb-b2f3-1e47d66365c8","type":"message","text":"<@U111> Hi here!","user":"U222","ts":"1610241741.000200","team":"T111","channel":"C111","event_ts":"1610241741.000200","channel_type":"channel"},"type":"event_callback","event_id":"Ev111","event_time":1610241741,"authorizations":[{"enterprise_id":null,"team_id":"T111","user_id":"U333","is_bot":true,"is_enterprise_install":false}],"is_ext_shared_channel":false,"event_context":"1-message-T111-C111"},"type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":""})json";

// docs: using-socket-mode
inline constexpr std::string_view slash_envelope_docs = R"json({
  "payload": {
    "token": "bHKJ2n9AW6Ju3MjciOHfbA1b", "team_id": "T123ABC456", "team_domain": "maria",
    "channel_id": "C123ABC456", "channel_name": "general",
    "user_id": "U123ABC456", "user_name": "rainer",
    "command": "/randorilke", "text": "",
    "response_url": "https://rilke.slack.com/commands/T0SNL8S4S/37053613554/YMB2ZESDLNjNLqSFZ1quhNAh",
    "trigger_id": "37053613634.26768298162.440952c06ef4de2653466a48fe495f93"
  },
  "envelope_id": "dbdd0ef3-1543-4f94-bfb4-133d0e6c1545",
  "type": "slash_commands",
  "accepts_response_payload": true
})json";

// python-slack-sdk fixture, with its slashes escaped as Slack's own JSON encoder writes them
inline constexpr std::string_view slash_envelope_escaped =
    R"json({"envelope_id":"1d3c79ab-0ffb-41f3-a080-d19e85f53649","payload":{"token":"verification-token","team_id":"T111","team_domain":"xxx","channel_id":"C111","channel_name":"random","user_id":"U111","user_name":"testxyz","command":"\/incident","text":"tl deploy rolled back \u2014 see <https:\/\/grafana.example.com\/d\/1|dashboard>","api_app_id":"A111","response_url":"https:\/\/hooks.slack.com\/commands\/T111\/111\/xxx","trigger_id":"111.222.xxx"},"type":"slash_commands","accepts_response_payload":true})json";

// python-slack-sdk fixture
inline constexpr std::string_view shortcut_envelope =
    R"json({"envelope_id":"57d6a792-4d35-4d0b-b6aa-3361493e1caf","payload":{"type":"shortcut","token":"verification-token","action_ts":"1610198080.300836","team":{"id":"T111","domain":"testxyz"},"user":{"id":"U111","username":"testxyz","team_id":"T111"},"is_enterprise_install":false,"enterprise":null,"callback_id":"do-something","trigger_id":"111.222.xxx"},"type":"interactive","accepts_response_payload":false})json";

// ---- Events API payloads (the event_callback wrapper) ----------------------------------------

// Wraps a documented inner event in the wrapper of protocols.md §1.5.
inline std::string wrapped(std::string_view event, std::string_view event_id = "Ev222") {
    return R"json({"token":"verification-token","team_id":"T111","api_app_id":"A111","event":)json" +
           std::string(event) + R"json(,"type":"event_callback","event_id":")json" +
           std::string(event_id) +
           R"json(","event_time":1358878755,"authorizations":[{"enterprise_id":null,"team_id":"T111","user_id":"U0BOT","is_bot":true,"is_enterprise_install":false}],"is_ext_shared_channel":false})json";
}

// An events_api envelope around a wrapped event.
inline std::string events_envelope(std::string_view envelope_id, std::string_view event,
                                   std::string_view event_id, int retry_attempt = 0) {
    return R"json({"envelope_id":")json" + std::string(envelope_id) + R"json(","payload":)json" +
           wrapped(event, event_id) +
           R"json(,"type":"events_api","accepts_response_payload":false,"retry_attempt":)json" +
           std::to_string(retry_attempt) + R"json(,"retry_reason":")json" +
           (retry_attempt > 0 ? "timeout" : "") + R"json("})json";
}

// docs: message (plain)
inline constexpr std::string_view message_plain =
    R"json({"type":"message","channel":"C123ABC456","user":"U123ABC456","text":"Hello world","ts":"1355517523.000005","channel_type":"channel"})json";

// docs: message_changed
inline constexpr std::string_view message_changed_docs =
    R"json({"type":"message","subtype":"message_changed","hidden":true,"channel":"C123ABC456","ts":"1358878755.000001",
 "message":{"type":"message","user":"U123ABC456","text":"Hello, world!","ts":"1355517523.000005","edited":{"user":"U123ABC456","ts":"1358878755.000001"}},
 "previous_message":{"type":"message","user":"U123ABC456","text":"Hello, wrld!","ts":"1355517523.000005"},
 "event_ts":"1358878755.000001","channel_type":"channel"})json";

// docs: message_deleted
inline constexpr std::string_view message_deleted_docs =
    R"json({"type":"message","subtype":"message_deleted","hidden":true,"channel":"C123ABC456","ts":"1358878755.000001","deleted_ts":"1358878749.000002","previous_message":{"type":"message","user":"U123ABC456","text":"Hello world","ts":"1358878749.000002"},"event_ts":"1358878755.000001"})json";

// docs: reaction_added
inline constexpr std::string_view reaction_added_docs =
    R"json({"type":"reaction_added","user":"U123ABC456","reaction":"thumbsup","item_user":"U222222222",
 "item":{"type":"message","channel":"C123ABC456","ts":"1360782400.498405"},"event_ts":"1360782804.083113"})json";

// docs: member_joined_channel
inline constexpr std::string_view member_joined_docs =
    R"json({"type":"member_joined_channel","user":"W06GH7XHN","channel":"C0698JE0H","channel_type":"C","team":"T024BE7LD","inviter":"U123456789","event_ts":"1360782804.083113"})json";

}  // namespace scribe::testing::slack
