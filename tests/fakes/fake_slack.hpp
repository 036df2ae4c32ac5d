// A fake Slack (Web API + Socket Mode) on loopback over real TLS, scripted by tests, with faults.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scribe::testing {
struct test_certificates;
}

namespace scribe::fakes {

// Behaviour Slack does not document is an option here, never a hard-coded guess
// (protocols.md marks those places UNDOCUMENTED).
struct fake_slack_options {
    // Identity. Tokens are checked, never logged or recorded.
    std::string app_token = "xapp-1-A0FAKEAPP01-1-fakeapptoken";
    std::string bot_token = "xoxb-1-fakebottoken";
    std::string team_id = "T0FAKETEAM1";
    std::string team_name = "Fake Workspace";
    std::string team_domain = "fake";
    std::string workspace_url = "https://fake.slack.test/";  // also the permalink host
    std::string app_id = "A0FAKEAPP01";
    std::string bot_user_id = "U0FAKEBOT01";
    std::string bot_id = "B0FAKEBOT01";
    std::string bot_name = "scribe";
    // The deprecated verification token Slack puts in payload.token; not a credential.
    std::string verification_token = "fakeverificationtoken";

    // TLS. Without `certificates`, a fresh CA and a server certificate for `cert_names` are made;
    // names that do not cover 127.0.0.1 give a server a correct client must refuse.
    std::vector<std::string> cert_names = {"127.0.0.1", "localhost"};
    std::shared_ptr<const testing::test_certificates> certificates;
    unsigned short port = 0;  // 0: any free port on 127.0.0.1

    // Every wait the fake does, and every control call from the test thread, is bounded by this.
    std::chrono::milliseconds io_timeout{5000};

    // Web API.
    std::string wrong_token_type_error = "invalid_auth";  // UNDOCUMENTED which code Slack uses
    std::size_t max_text_length = 40000;                  // above this: msg_too_long
    bool escape_slashes = true;  // Slack writes "https:\/\/…" in Web API JSON
    // Real Slack echoes the bot's own API actions back as events (message, message_changed,
    // reaction_added, member_joined_channel…) to every subscribed app, the bot included.
    bool emit_api_side_effect_events = true;
    // Events in a channel reach the app only when the bot user is a member.
    bool require_bot_membership = true;

    // Socket Mode.
    int max_links = 10;
    std::chrono::milliseconds ack_timeout{3000};
    int max_retries = 3;                             // UNDOCUMENTED for Socket Mode
    std::chrono::milliseconds redelivery_delay{0};   // UNDOCUMENTED schedule
    bool reuse_envelope_id_on_retry = false;         // UNDOCUMENTED
    std::chrono::milliseconds ping_interval{10000};  // UNDOCUMENTED; must be < 30 s for node
    bool reject_reused_ticket = true;                // UNDOCUMENTED
    unsigned reused_ticket_status = 401;             // UNDOCUMENTED (401 or 403)
    unsigned invalid_ticket_status = 401;
    std::chrono::seconds approximate_connection_time{3600};  // reported in hello
    // With debug_reconnects=true Slack reports 360 s and refreshes the link after that; tests
    // scale the real lifetime down while hello still says 360.
    std::chrono::milliseconds debug_reconnect_lifetime{360000};
    std::chrono::milliseconds refresh_warning_lead{10000};  // warning -> refresh_requested
    std::chrono::milliseconds disconnect_close_delay{
        200};                                    // disconnect -> close frame; UNDOCUMENTED
    std::uint16_t disconnect_close_code = 1000;  // UNDOCUMENTED
    // Push an app_mention too when a scripted message mentions <@bot_user_id>.
    bool mention_also_sends_app_mention = true;

    // deliveries() carries each envelope's JSON; a long benchmark may not want to keep them.
    bool keep_envelopes = true;

    // Where the fake's log lines go (none by default). Lines never carry token values.
    std::function<void(std::string_view)> log;
};

struct slack_user {
    std::string id;
    std::string name;
    std::string real_name;
    std::string display_name;
    std::string tz = "UTC";
    std::string tz_label = "Coordinated Universal Time";
    int tz_offset = 0;  // seconds east of UTC, as users.info reports it
    bool is_bot = false;
};

struct slack_channel {
    std::string id;  // C… (public or private), G… (legacy private), D… (im)
    std::string name;
    std::vector<std::string> members;  // user ids; the bot is added when bot_is_member
    bool bot_is_member = true;
    bool is_private = false;
};

// What a scripted action produced, so tests can refer to it.
struct pushed_event {
    std::string ts;                         // the message's ts (or the event_ts)
    std::vector<std::string> event_ids;     // Ev… of each events_api envelope pushed
    std::vector<std::string> envelope_ids;  // empty when the bot would not receive the event
};

// One step of a scripted load (push_load): a message, or a reaction on the channel's last
// message from a user.
struct load_step {
    std::string channel;
    std::string user;
    std::string text;      // the message; empty for a reaction
    std::string reaction;  // the reaction's name; empty for a message
};

struct slash_command_result {
    std::string envelope_id;
    std::string trigger_id;
    std::string response_url;  // points at the fake
};

struct recorded_request {
    std::string http_method;
    std::string path;
    std::string api_method;  // "chat.postMessage"; empty for uploads and response_url posts
    std::string content_type;
    nlohmann::json args;  // strings from forms and queries, JSON values from JSON bodies
    std::string auth;     // "bot", "app", "none" or "invalid" — never the token itself
    unsigned status = 0;
    std::string error;  // the "error" the fake answered, if any
    std::chrono::system_clock::time_point at;
};

struct posted_message {
    std::string channel;
    std::string ts;
    std::string text;  // after any chat.update
    std::optional<std::string> thread_ts;
    nlohmann::json blocks;              // as sent; null when none
    std::vector<std::string> file_ids;  // a file share's files
    nlohmann::json metadata;            // as sent; null when none
    int updates = 0;
    bool deleted = false;
};

struct reaction_record {
    std::string channel;
    std::string ts;
    std::string name;
    std::string user;
};

struct shared_file {
    std::string id;
    std::string filename;
    std::string title;
    std::string content;
    std::string upload_content_type;
    std::size_t declared_length = 0;
    std::string channel;
    std::string initial_comment;
    std::optional<std::string> thread_ts;
};

struct ack_record {
    std::string envelope_id;
    std::string envelope_type;              // empty when the envelope_id matched nothing pending
    std::optional<nlohmann::json> payload;  // kept only where accepts_response_payload was true
    bool payload_ignored = false;           // a payload came for an envelope that takes none
    bool matched = false;
    int link = 0;
    std::chrono::system_clock::time_point at;
};

struct delivery_record {
    std::string envelope_id;
    std::string type;        // events_api, slash_commands, interactive
    std::string event_id;    // events_api only
    std::string event_type;  // payload.event.type, or the command
    int retry_attempt = 0;
    std::string retry_reason;
    int link = 0;
    std::chrono::system_clock::time_point at;
    nlohmann::json envelope;  // null unless keep_envelopes
};

struct response_url_post {
    std::string path;
    std::string content_type;
    std::string body;
    nlohmann::json json;  // null when the body was not JSON
};

struct link_info {
    int id = 0;
    bool open = false;
    bool accepted = false;  // got hello (not turned away with a disconnect)
    bool debug_reconnects = false;
    bool silent = false;
    int pings_sent = 0;
    int pongs_received = 0;
    int client_pings = 0;
    std::string last_pong;
    std::string close_reason;
};

struct fake_slack_stats {
    int connections_open_calls = 0;  // every apps.connections.open request
    int tickets_issued = 0;
    int tickets_rejected = 0;     // upgrades refused: unknown or reused ticket
    int links_opened = 0;         // every completed websocket handshake
    int open_links = 0;           // accepted and still connected
    int envelopes_delivered = 0;  // first deliveries
    int envelopes_redelivered = 0;
    int envelopes_given_up = 0;  // retries exhausted, or slash commands left unacked
    int backlog = 0;             // waiting for a link
    int pending_acks = 0;
    int acks = 0;
    int unmatched_acks = 0;
    int ack_timeouts = 0;
    int stray_frames = 0;  // client frames that were not acks (binary ones included)
    // Faults, counted when they fire.
    int rate_limited = 0;
    int http_errors = 0;
    int injected_errors = 0;
    int auth_failures = 0;
    int links_dropped = 0;
    int refreshes = 0;
    int links_disabled = 0;
    int too_many_websockets = 0;
    int silenced_links = 0;
    int raw_frames = 0;
    int binary_frames = 0;
    int oversized_frames = 0;
};

class fake_slack {
  public:
    explicit fake_slack(fake_slack_options options = {});
    ~fake_slack();  // stops
    fake_slack(const fake_slack&) = delete;
    fake_slack& operator=(const fake_slack&) = delete;

    // Binds 127.0.0.1 and runs the fake on its own thread. Throws when it cannot bind.
    void start();
    // Ends every connection and joins the thread; bounded by io_timeout.
    void stop();

    unsigned short port() const;
    // Unreachable: connections to the port are refused and open ones cut, as when the service
    // is down; reachable again on the same port.
    void set_reachable(bool reachable);
    std::string api_base_url() const;  // https://127.0.0.1:<port>/api/
    std::string ca_pem() const;        // trust this to reach the fake
    std::filesystem::path ca_file() const;
    const fake_slack_options& options() const;

    // Every call below is thread-safe: it runs on the fake's thread and waits (bounded).

    // --- Scripting -------------------------------------------------------------------------
    void add_user(slack_user user);
    void add_channel(slack_channel channel);
    // A human message; ts assigned. Also an app_mention when it mentions the bot (see options).
    pushed_event post_user_message(std::string channel, std::string user, std::string text,
                                   std::optional<std::string> thread_ts = std::nullopt);
    // Many steps in one call on the fake's thread, so a load is limited by the links and not
    // by the calls; a reaction before any message in its channel is skipped.
    std::vector<pushed_event> push_load(std::vector<load_step> steps);
    pushed_event edit_message(std::string channel, std::string ts, std::string new_text);
    pushed_event delete_message(std::string channel, std::string ts);
    pushed_event add_reaction(std::string channel, std::string user, std::string ts,
                              std::string name);
    pushed_event remove_reaction(std::string channel, std::string user, std::string ts,
                                 std::string name);
    pushed_event member_joined(std::string channel, std::string user, std::string inviter = {});
    slash_command_result slash_command(std::string channel, std::string user, std::string command,
                                       std::string text);
    // Any event, wrapped in the event_callback envelope (event_ts filled in when missing).
    pushed_event push_event(nlohmann::json event);
    // Raw frames; nullopt sends to every accepted open link.
    void push_raw_frame(std::string text, std::optional<int> link = std::nullopt);
    void push_binary_frame(std::string bytes, std::optional<int> link = std::nullopt);
    // A JSON text frame of exactly `bytes` bytes that is no envelope.
    void push_oversized_frame(std::size_t bytes, std::optional<int> link = std::nullopt);
    // Deliver every envelope, retries too, to this link while it is open; nullopt goes back to
    // round-robin (where a retry avoids the link that missed it).
    void pin_delivery(std::optional<int> link);

    // --- Faults (nullopt link: every accepted open link) -------------------------------------
    void drop_link(std::optional<int> link = std::nullopt);     // TCP close, no close frame
    void refresh_link(std::optional<int> link = std::nullopt);  // warning, refresh_requested, close
    void too_many_websockets(std::optional<int> link = std::nullopt);
    // link_disabled on every link; new links get link_disabled too until enabled again.
    void disable_socket_mode();
    void enable_socket_mode();
    void silence_link(std::optional<int> link = std::nullopt, bool silent = true);
    // method "*" matches any Web API method and "upload" the upload URL (HTTP status and 429
    // faults only). Faults fire in the order they were added.
    void rate_limit_next(std::string method, int count, int retry_after_seconds);
    void http_error_next(std::string method, int count, unsigned status = 500);
    void error_next(std::string method, std::string error, int count = 1);
    // Drops the Web API faults that have not fired yet.
    void clear_faults();
    // A standing limit: more than max_calls per window (per channel if asked) answers 429.
    void set_rate_limit(std::string method, int max_calls, std::chrono::milliseconds window,
                        bool per_channel = false);
    // Every call answers this error (an expired or revoked token) until called with false.
    void expire_tokens(bool expired = true, std::string error = "invalid_auth");

    // --- Queries ------------------------------------------------------------------------------
    std::vector<posted_message> bot_messages(std::string channel = {}) const;
    std::vector<reaction_record> bot_reactions() const;
    std::vector<shared_file> shared_files() const;
    std::vector<ack_record> acks() const;
    std::vector<delivery_record> deliveries() const;
    std::vector<response_url_post> response_url_posts() const;
    std::vector<recorded_request> requests(std::string api_method = {}) const;
    std::vector<link_info> links() const;
    std::vector<slack_channel> channels() const;
    std::vector<std::string> stray_frames() const;
    fake_slack_stats stats() const;

    // Polls `done` (from the calling thread) until it holds or `timeout` passes.
    bool wait_for(const std::function<bool()>& done,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace scribe::fakes
