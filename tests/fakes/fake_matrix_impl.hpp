// The fake Matrix homeserver's state and logic, shared by its model and client-server API sources.
#pragma once

#include <deque>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include "tests/fakes/fake_matrix.hpp"
#include "tests/fakes/fake_runtime.hpp"
#include "tests/fakes/http_server.hpp"

namespace scribe::fakes {

// One endpoint's answer before it becomes an HTTP response.
struct matrix_reply {
    unsigned status = 200;
    nlohmann::json body = nlohmann::json::object();
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::string> raw;  // a non-JSON body (media), sent with raw_content_type
    std::string raw_content_type;
};

matrix_reply matrix_error(unsigned status, std::string errcode, std::string message);

// Parses the JSON object body every POST and PUT needs; the error reply when it is not one.
std::optional<matrix_reply> parse_object(const std::string& body, nlohmann::json& out,
                                         bool allow_empty = false);

// A room timeline window: parsed from `filter` (inline JSON or a stored filter's ID).
struct event_filter {
    std::optional<std::size_t> limit;
    std::optional<std::vector<std::string>> types;
    std::vector<std::string> not_types;
    std::optional<std::vector<std::string>> senders;
    std::vector<std::string> not_senders;

    static event_filter from_json(const nlohmann::json& room_event_filter);
    bool accepts(const nlohmann::json& event) const;
};

// All members are touched only on the fake's io thread (or before it starts / after it stops),
// so nothing here needs a lock.
struct fake_matrix::impl {
    explicit impl(fake_matrix_options options);

    // --- lifetime (fake_matrix.cpp) ----------------------------------------------------------
    void start();
    void stop();
    void log(std::string_view line) const;

    // --- model (fake_matrix.cpp) -------------------------------------------------------------
    struct user_state {
        std::string user_id;
        std::string display_name;
        std::string password;
    };
    struct token_state {
        std::string user_id;
        std::string device_id;
    };
    struct event_record {
        std::int64_t pos = 0;  // stream position: 1, 2, 3… across all rooms
        std::string room_id;
        nlohmann::json event;  // the ClientEvent, with room_id; content after any redaction
        std::string txn_key;   // the sending device's transaction scope, for transaction_id
        std::string txn_id;
        bool redacted = false;
    };
    // A device's end-to-end keys and its to-device inbox.
    struct fallback_key {
        std::string key_id;  // "<algorithm>:<id>"
        nlohmann::json key;
        bool used = false;  // claimed since it was uploaded
    };
    struct queued_to_device {
        std::int64_t pos = 0;  // on the account stream
        nlohmann::json event;  // {type, sender, content}
    };
    struct device_state {
        std::string display_name;
        nlohmann::json keys;                                  // DeviceKeys; null until uploaded
        std::map<std::string, nlohmann::json> one_time_keys;  // "<algorithm>:<id>" -> key
        std::map<std::string, fallback_key> fallback_keys;    // algorithm -> the current one
        std::deque<queued_to_device> inbox;                   // until a sync acknowledges it
    };
    struct to_device_hold {
        std::string recipient;
        std::string type;
        int remaining = 0;
        std::string sender;  // empty: anyone
    };
    struct account_data_entry {
        nlohmann::json content;
        std::int64_t pos = 0;  // on the account stream
    };
    struct room_state {
        std::string room_id;
        std::string version;
        std::string alias;
        std::string join_rule = "invite";
        std::map<std::string, std::string> membership;  // user -> join|invite|leave|ban
    };

    std::string make_user_id(std::string_view localpart) const;
    std::string random_string(std::size_t length, bool url_safe_base64);
    std::string new_event_id();
    static std::int64_t now_ms();

    user_state& require_user(const std::string& user_id);
    room_state& require_room(const std::string& room_id);
    room_state* find_room(const std::string& room_id_or_alias);
    event_record* find_event(const std::string& event_id);
    std::string membership_of(const std::string& room_id, const std::string& user_id) const;
    std::string display_name(const std::string& user_id) const;

    // Appends an event and wakes waiting /syncs once the current handler is done.
    event_record& append(const std::string& room_id, const std::string& sender,
                         const std::string& type, nlohmann::json content,
                         const std::optional<std::string>& state_key,
                         const std::string& txn_key = {}, const std::string& txn_id = {});
    std::string change_membership(const std::string& room_id, const std::string& sender,
                                  const std::string& target, const std::string& membership,
                                  const std::string& reason);
    std::string create_room(const matrix_room_spec& spec);
    std::string send_text(const std::string& room_id, const std::string& sender,
                          const std::string& body, const text_options& extra);
    // Creates the m.room.redaction event and strips the target.
    event_record& redact(const std::string& room_id, const std::string& sender,
                         const std::string& target, const std::string& reason,
                         const std::string& txn_key, const std::string& txn_id);
    bool duplicate_annotation(const std::string& room_id, const std::string& sender,
                              const nlohmann::json& content) const;
    void set_display_name(const std::string& user_id, const std::string& name);
    void require_joined(const std::string& room_id, const std::string& user_id);

    // --- end-to-end encryption model (fake_matrix_keys.cpp) -----------------------------------
    device_state& add_device(const std::string& user_id, const std::string& device_id,
                             const std::string& display_name);
    device_state* find_device(const std::string& user_id, const std::string& device_id);
    void remove_device(const std::string& user_id, const std::string& device_id);
    // A new position on the account stream, waking waiting /syncs.
    std::int64_t next_account_pos();
    void note_device_list_change(const std::string& user_id);
    // Queues the message for the device, or keeps it back when a hold matches.
    void send_to_device(to_device_message message);
    void deliver_to_device(const to_device_message& message);
    // Users in a room (joined or invited) with the user, as of a room stream position; with
    // `encrypted_only`, rooms with m.room.encryption by then only.
    std::set<std::string> room_partners(const std::string& user_id, std::int64_t at,
                                        bool encrypted_only) const;
    // device_lists for a sync from (room_since, account_since) to now.
    nlohmann::json device_lists(const std::string& user_id, std::int64_t room_since,
                                std::int64_t account_since) const;
    nlohmann::json one_time_key_counts(const device_state& device) const;

    // --- client-server API (fake_matrix_api.cpp) ---------------------------------------------
    struct request_context {
        http_request request;
        std::map<std::string, std::string> query;  // decoded
        std::vector<std::string> segments;         // decoded path segments
        std::optional<std::string> token;
        std::string auth = "none";
        std::optional<token_state> session;  // a copy, as logout erases the token mid-request
        std::string txn_key;  // the transaction scope of the session (see txn_scope)
    };
    struct pending_sync {
        std::string token;
        std::string user_id;
        std::string device_key;  // the session's transaction scope, for transaction_id
        std::string device_id;
        std::int64_t since = 0;          // on the room stream
        std::int64_t account_since = 0;  // on the account stream
        event_filter filter;
        http_responder respond;
        std::size_t record_index = 0;  // its entry in requests_, completed when answered
        std::shared_ptr<boost::asio::steady_timer> timer;
    };
    enum class fault_kind { rate_limit, http_status, lose_response };
    struct path_fault {
        std::string prefix;
        int remaining = 0;
        fault_kind kind = fault_kind::http_status;
        std::chrono::milliseconds retry_after{0};
        retry_after_style style = retry_after_style::both;
        unsigned status = 500;
    };

    void on_http_request(const http_request& request, const http_responder& respond);
    matrix_reply route(request_context& context, bool& deferred, const http_responder& respond);
    std::optional<matrix_reply> authenticate(request_context& context);
    http_response to_http(const matrix_reply& reply) const;
    std::size_t record(const request_context& context, unsigned status, const std::string& errcode,
                       const std::string& fault);
    void complete_record(std::size_t index, const matrix_reply* reply, const std::string& fault);

    matrix_reply handle_login(request_context& context);
    matrix_reply handle_filter_upload(request_context& context, const std::string& user_id);
    matrix_reply handle_filter_get(request_context& context, const std::string& user_id,
                                   const std::string& filter_id);
    matrix_reply handle_join(request_context& context, const std::string& room_id_or_alias);
    matrix_reply handle_leave(request_context& context, const std::string& room_id);
    matrix_reply handle_invite(request_context& context, const std::string& room_id);
    matrix_reply handle_create_room(request_context& context);
    matrix_reply handle_send(request_context& context, const std::string& room_id,
                             const std::string& type, const std::string& txn_id);
    matrix_reply handle_redact(request_context& context, const std::string& room_id,
                               const std::string& event_id, const std::string& txn_id);
    matrix_reply handle_messages(request_context& context, const std::string& room_id);
    matrix_reply handle_get_event(request_context& context, const std::string& room_id,
                                  const std::string& event_id);
    matrix_reply handle_state(request_context& context, const std::string& room_id,
                              const std::vector<std::string>& rest);
    matrix_reply handle_joined_members(request_context& context, const std::string& room_id);
    matrix_reply handle_profile(request_context& context, const std::string& user_id,
                                bool displayname_only);
    matrix_reply handle_set_displayname(request_context& context, const std::string& user_id);
    matrix_reply handle_state_put(request_context& context, const std::string& room_id,
                                  const std::string& type, const std::string& state_key);
    matrix_reply handle_members(request_context& context, const std::string& room_id);
    matrix_reply handle_keys_upload(request_context& context);
    matrix_reply handle_keys_query(request_context& context);
    matrix_reply handle_keys_claim(request_context& context);
    matrix_reply handle_send_to_device(request_context& context, const std::string& type,
                                       const std::string& txn_id);
    matrix_reply handle_account_data(request_context& context, const std::string& user_id,
                                     const std::string& type);
    matrix_reply handle_upload(request_context& context);
    matrix_reply handle_download(const std::string& server, const std::string& media_id);
    // Answers now or parks the request as a long-poll (`deferred`).
    matrix_reply handle_sync(request_context& context, bool& deferred,
                             const http_responder& respond);

    // The /sync body for a waiting or new sync (since 0: initial sync).
    nlohmann::json build_sync(const pending_sync& sync, std::optional<std::size_t> keep_last,
                              bool& has_content, bool& carried_timeline);
    // The latest state event per (type, state_key) among the room's events in (after, before).
    std::vector<const event_record*> state_between(const std::string& room_id, std::int64_t after,
                                                   std::int64_t before) const;
    std::int64_t membership_pos(const std::string& room_id, const std::string& user_id) const;
    // An event as a client sees it: age now, transaction_id for its own device.
    nlohmann::json served(const event_record& record, const std::string& device_key,
                          bool with_room_id) const;
    std::optional<event_filter> resolve_filter(const std::string& user_id,
                                               const std::string& filter_param);
    matrix_reply sync_reply(pending_sync& sync, std::string& fault);
    void finish_sync(pending_sync& sync);
    void answer_sync(int id, bool timed_out);
    void post_wake();
    void wake_syncs();

    // --- state ------------------------------------------------------------------------------
    fake_matrix_options options_;
    std::shared_ptr<const testing::test_certificates> certificates_;
    // The io thread; call() and schedule() run work on it. Before everything bound to its
    // io_context, so it outlives them.
    fake_runtime runtime_;
    unsigned short port_ = 0;
    std::mt19937_64 random_;

    std::map<std::string, user_state> users_;
    std::map<std::string, token_state> tokens_;
    std::map<std::string, std::vector<nlohmann::json>> filters_;  // user -> filters by index
    std::map<std::string, room_state> rooms_;
    std::vector<event_record> events_;                  // events_[pos - 1]
    std::map<std::string, std::size_t> event_index_;    // event_id -> index in events_
    std::map<std::string, matrix_reply> transactions_;  // scope + path -> first answer
    std::map<std::string, uploaded_media> media_;
    int next_device_ = 0;
    std::int64_t sync_serial_ = 0;

    std::map<int, pending_sync> pending_syncs_;
    int next_sync_ = 0;
    bool wake_posted_ = false;

    std::deque<path_fault> faults_;
    int drop_syncs_ = 0;
    int malformed_syncs_ = 0;
    std::optional<std::size_t> gap_keep_last_;

    std::vector<client_event> sent_events_;
    std::vector<membership_change> membership_changes_;
    std::vector<matrix_request> requests_;
    std::vector<std::string> upload_order_;
    fake_matrix_stats stats_;

    // End-to-end encryption and per-account data. The account stream orders what is not a room
    // event (to-device messages, device-list changes, account data); sync tokens carry both.
    std::map<std::string, std::map<std::string, device_state>> devices_;  // user -> device ID
    std::int64_t account_stream_ = 0;
    std::vector<std::pair<std::int64_t, std::string>> device_list_changes_;  // pos, user
    std::map<std::string, std::map<std::string, account_data_entry>> account_data_;
    std::vector<to_device_message> to_device_log_;
    std::deque<to_device_hold> to_device_holds_;
    std::vector<std::size_t> held_to_device_;  // indexes into to_device_log_
};

// Serialises without throwing on invalid UTF-8 from clients.
std::string dump_matrix_json(const nlohmann::json& value);

}  // namespace scribe::fakes
