// The fake Slack's state and logic, shared by its scripting, Web API and Socket Mode sources.
#pragma once

#include <deque>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include "tests/fakes/fake_runtime.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/fakes/http_server.hpp"

namespace scribe::fakes {

// What a Web API method answers, before it becomes an HTTP response.
struct api_result {
    unsigned status = 200;
    nlohmann::json body;  // {"ok":…}; null for a non-JSON answer
    std::string text;     // the answer when body is null
    std::optional<int> retry_after;
};

// All members are touched only on the fake's io thread (or before it starts / after it stops),
// so nothing here needs a lock.
struct fake_slack::impl {
    explicit impl(fake_slack_options options);

    // --- lifetime (fake_slack.cpp) ---------------------------------------------------------
    void start();
    void stop();
    void log(std::string_view line) const;

    // --- model (fake_slack.cpp) ---------------------------------------------------------------
    struct message_state {
        std::string ts;
        std::string user;  // the author; the bot user for the bot's posts
        bool from_bot = false;
        std::string text;
        std::optional<std::string> thread_ts;
        nlohmann::json blocks;       // as delivered in events
        nlohmann::json sent_blocks;  // the blocks argument the bot sent, if any
        std::string client_msg_id;   // human messages only
        std::optional<std::pair<std::string, std::string>> edited;  // user, ts
        std::vector<std::string> file_ids;
        nlohmann::json metadata;  // chat.postMessage's, if any
        int updates = 0;
        bool deleted = false;
        std::map<std::string, std::set<std::string>> reactions;  // name -> users
    };
    struct channel_state {
        slack_channel info;
        std::set<std::string> members;
        std::vector<message_state> messages;
        std::int64_t created = 0;
        std::string creator;
    };

    std::string next_ts();
    std::string random_id(std::string_view prefix, std::size_t length);
    std::string uuid();
    std::string base_url(std::string_view scheme) const;  // "https://127.0.0.1:<port>"

    channel_state* find_channel(std::string_view id_or_name);
    channel_state& require_channel(std::string_view id);
    static const message_state* find_message(const channel_state& channel, std::string_view ts);
    static message_state* find_message(channel_state& channel, std::string_view ts);
    message_state& require_message(channel_state& channel, std::string_view ts);
    bool bot_is_member(const channel_state& channel) const;
    std::string channel_type(const channel_state& channel) const;
    nlohmann::json message_json(const channel_state& channel, const message_state& message) const;
    nlohmann::json channel_json(const channel_state& channel) const;
    nlohmann::json user_json(const slack_user& user) const;
    nlohmann::json bot_profile_json() const;
    nlohmann::json rich_text_blocks(std::string_view text);
    // Events about messages; the channel's members see them.
    nlohmann::json message_event(const channel_state& channel, const message_state& message) const;
    nlohmann::json message_changed_event(const channel_state& channel,
                                         const nlohmann::json& previous,
                                         const message_state& message, const std::string& ts) const;
    nlohmann::json message_deleted_event(const channel_state& channel,
                                         const nlohmann::json& previous,
                                         const message_state& message, const std::string& ts) const;
    nlohmann::json reaction_event(const channel_state& channel, const message_state& message,
                                  const std::string& type, const std::string& user,
                                  const std::string& name);
    nlohmann::json member_joined_event(const channel_state& channel, const std::string& user,
                                       const std::string& inviter);

    // Scripting, as called through the public API.
    void add_user(slack_user user);
    void add_channel(slack_channel channel);
    pushed_event post_user_message(const std::string& channel, const std::string& user,
                                   const std::string& text,
                                   const std::optional<std::string>& thread_ts);
    pushed_event edit_message(const std::string& channel, const std::string& ts,
                              const std::string& text);
    pushed_event delete_message(const std::string& channel, const std::string& ts);
    pushed_event change_reaction(const std::string& channel, const std::string& user,
                                 const std::string& ts, std::string name, bool add);
    pushed_event member_joined(const std::string& channel, const std::string& user,
                               const std::string& inviter);
    slash_command_result slash_command(const std::string& channel, const std::string& user,
                                       const std::string& command, const std::string& text);
    pushed_event push_event(nlohmann::json event);

    // --- Socket Mode (fake_slack_socket.cpp) ---------------------------------------------------
    struct link_state {
        link_info info;
        std::shared_ptr<websocket_connection> connection;
        bool draining = false;  // a disconnect was sent: no new envelopes
    };
    struct envelope_state {
        std::string envelope_id;
        std::string type;
        nlohmann::json payload;
        bool accepts_response_payload = false;
        int retry_attempt = 0;
        std::string retry_reason;
        std::string event_id;
        std::string event_type;
        int link = 0;
        std::shared_ptr<boost::asio::steady_timer> deadline;
    };

    upgrade_decision on_upgrade(const http_request& request);
    void open_link(std::shared_ptr<websocket_connection> connection, bool debug_reconnects);
    void on_link_text(int link, const std::string& text);
    void on_link_closed(int link, const std::string& why);
    link_state* find_link(int link);
    std::vector<int> target_links(std::optional<int> link);
    int accepted_open_links() const;
    static std::string host_name(int link);
    void send_disconnect(int link, const std::string& reason);
    void start_refresh(int link);
    void schedule_ping(int link);

    // Wraps an event in event_callback and an events_api envelope; delivers it when the bot
    // may see it (`channel` null: always).
    pushed_event emit_event(nlohmann::json event, const channel_state* channel);
    void deliver(envelope_state envelope, int avoid_link);
    int choose_link(int avoid_link);
    void flush_backlog();
    void on_ack_timeout(const std::string& envelope_id);

    void drop_link(std::optional<int> link);
    void refresh_link(std::optional<int> link);
    void too_many_websockets(std::optional<int> link);
    void set_socket_mode(bool enabled);
    void silence_link(std::optional<int> link, bool silent);
    void push_frame(std::string data, bool binary, std::optional<int> link);

    // --- Web API (fake_slack_web_api.cpp) ------------------------------------------------------
    struct api_call {
        std::string method;
        nlohmann::json args = nlohmann::json::object();
        std::string auth;  // bot, app, none, invalid
    };
    enum class fault_kind { rate_limit, http_status, error };
    struct web_fault {
        std::string method;
        int remaining = 0;
        fault_kind kind = fault_kind::error;
        int retry_after = 0;
        unsigned status = 0;
        std::string error;
    };
    struct rate_rule {
        int max_calls = 0;
        std::chrono::milliseconds window{0};
        bool per_channel = false;
    };
    using api_handler = api_result (impl::*)(const nlohmann::json& args);
    static const std::map<std::string, api_handler>& api_methods();

    void on_http_request(const http_request& request, const http_responder& respond);
    http_response handle_api(const http_request& request, const std::string& method);
    http_response handle_upload(const http_request& request);
    http_response handle_response_url(const http_request& request);
    api_result run_api(const api_call& call);
    std::optional<api_result> take_fault(const std::string& method);
    std::optional<int> check_rate_limit(const api_call& call);
    http_response to_http(const api_result& result) const;
    void record(const http_request& request, const std::string& api_method, nlohmann::json args,
                const std::string& auth, const http_response& response, const std::string& error);

    api_result api_auth_test(const nlohmann::json& args);
    api_result api_connections_open(const nlohmann::json& args);
    api_result api_post_message(const nlohmann::json& args);
    api_result api_update(const nlohmann::json& args);
    api_result api_delete(const nlohmann::json& args);
    api_result api_get_permalink(const nlohmann::json& args);
    api_result api_users_info(const nlohmann::json& args);
    api_result api_reactions_add(const nlohmann::json& args);
    api_result api_reactions_remove(const nlohmann::json& args);
    api_result api_conversations_create(const nlohmann::json& args);
    api_result api_conversations_invite(const nlohmann::json& args);
    api_result api_conversations_info(const nlohmann::json& args);
    api_result api_conversations_history(const nlohmann::json& args);
    api_result api_conversations_replies(const nlohmann::json& args);
    // One page of `listed` (in the order given), as history and replies answer.
    api_result message_page(const channel_state& channel, std::vector<const message_state*> listed,
                            const nlohmann::json& args);
    api_result api_conversations_join(const nlohmann::json& args);
    api_result api_get_upload_url(const nlohmann::json& args);
    api_result api_complete_upload(const nlohmann::json& args);

    // --- state ------------------------------------------------------------------------------
    fake_slack_options options_;
    std::shared_ptr<const testing::test_certificates> certificates_;
    // The io thread; call() and schedule() run work on it. Before everything bound to its
    // io_context, so it outlives them.
    fake_runtime runtime_;
    unsigned short port_ = 0;
    std::mt19937_64 random_;
    std::int64_t last_ts_us_ = 0;

    std::map<std::string, slack_user> users_;
    std::map<std::string, channel_state> channels_;

    std::map<int, link_state> links_;
    int next_link_ = 0;
    std::size_t round_robin_ = 0;
    std::optional<int> pinned_link_;
    bool socket_mode_enabled_ = true;
    std::map<std::string, bool> tickets_;  // ticket -> used
    std::map<std::string, envelope_state> pending_;
    std::deque<envelope_state> backlog_;

    struct file_state {
        std::string id;
        std::string filename;
        std::size_t declared_length = 0;
        std::string content;
        std::string content_type;
        bool uploaded = false;
    };
    std::map<std::string, file_state> files_;
    std::map<std::string, std::string> upload_ids_;  // upload URL id -> file id
    std::map<std::string, std::string> last_user_message_;  // channel -> ts, for push_load
    std::set<std::string> response_urls_;            // issued response_url paths
    int next_command_ = 0;

    std::deque<web_fault> web_faults_;
    std::map<std::string, rate_rule> rate_rules_;
    std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> rate_windows_;
    std::optional<std::string> expired_error_;

    std::vector<recorded_request> requests_;
    std::vector<reaction_record> bot_reactions_;
    std::vector<shared_file> shared_files_;
    std::vector<ack_record> acks_;
    std::vector<delivery_record> deliveries_;
    std::vector<response_url_post> response_url_posts_;
    std::vector<std::string> stray_frames_;
    fake_slack_stats stats_;
};

// "a/b" -> "a\/b": Slack's Web API escapes slashes; JSON allows it anywhere in strings, and
// '/' occurs in JSON text only inside strings.
std::string escape_slashes(std::string_view json_text);
// Serialises without throwing on invalid UTF-8 from clients.
std::string dump_json(const nlohmann::json& value);

}  // namespace scribe::fakes
