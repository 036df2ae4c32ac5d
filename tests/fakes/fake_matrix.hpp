// A fake Matrix homeserver (client-server API v1.19 subset) on loopback over real TLS, with faults.
// It keeps the end-to-end encryption keys and to-device messages clients exchange (Olm and
// Megolm themselves are the clients' business) as the spec's key management endpoints say.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
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

// Which device's retransmissions count as the same transaction (spec: one device and endpoint).
enum class txn_scope { device, access_token };

// How event IDs look: "$<43 url-safe base64>" (room versions 4+) or "$<opaque>:<server>" (v1, v2).
enum class event_id_style { hash, server_suffixed };

// Where a 429 says how long to wait: the Retry-After header (preferred since v1.10), the
// deprecated `retry_after_ms` body field, or both.
enum class retry_after_style { header, body, both };

// What the spec leaves to the server is an option here, never a hard-coded guess.
struct fake_matrix_options {
    std::string server_name = "fake.matrix.test";  // MXIDs look like @alice:fake.matrix.test

    // The bot's account. A non-empty access token is valid from the start, as a token made out
    // of band would be; the bot may also log in with the password.
    std::string bot_localpart = "scribe";
    std::string bot_display_name = "Scribe";
    std::string bot_password = "scribe-password";
    std::string bot_access_token = "syt_c2NyaWJl_fakebottoken_0001";
    std::string bot_device_id = "FAKEBOTDEV";

    // TLS. Without `certificates`, a fresh CA and a server certificate for `cert_names` are made;
    // names that do not cover 127.0.0.1 give a server a correct client must refuse.
    std::vector<std::string> cert_names = {"127.0.0.1", "localhost"};
    std::shared_ptr<const testing::test_certificates> certificates;
    unsigned short port = 0;  // 0: any free port on 127.0.0.1

    // Every control call from the test thread, and each connection's I/O, is bounded by this.
    std::chrono::milliseconds io_timeout{5000};

    // GET /_matrix/client/versions.
    std::vector<std::string> versions = {"r0.6.1", "v1.1", "v1.2", "v1.3",  "v1.4",  "v1.5", "v1.6",
                                         "v1.7",   "v1.8", "v1.9", "v1.10", "v1.11", "v1.12"};

    // Rooms.
    std::string default_room_version = "10";
    // Room v11 moved `redacts` into content; Synapse also keeps the top-level copy there for old
    // clients. True serves both keys in every room version.
    bool redacts_in_both_places = false;
    event_id_style event_ids = event_id_style::hash;

    // /sync. Synapse's default timeline limit is 10; the spec leaves it to the server.
    std::size_t default_timeline_limit = 10;
    std::chrono::milliseconds max_sync_timeout{60000};  // longer `timeout`s are cut to this
    // /messages without `limit` (spec: server default).
    std::size_t default_messages_limit = 10;

    // Auth. `?access_token=` was removed in v1.20 but older servers take it.
    bool accept_query_access_token = true;
    bool soft_logout = false;  // the flag on 401 M_UNKNOWN_TOKEN
    txn_scope transaction_scope = txn_scope::device;

    // Media.
    std::size_t max_upload_size = 50u << 20;  // above: 413 M_TOO_LARGE

    // Faults: how long a doomed long-poll /sync is held before its TCP connection is closed
    // (capped by the request's own timeout), and the body of a malformed /sync answer.
    std::chrono::milliseconds sync_drop_after{200};
    std::string malformed_sync_body = R"({"next_batch":"s1_1","rooms":{"join":{)";

    // Where the fake's log lines go (none by default). Lines never carry token values.
    std::function<void(std::string_view)> log;
};

struct matrix_user {
    std::string localpart;  // "alice" -> @alice:<server_name>
    std::string display_name;
    std::string password;  // empty: cannot log in
};

struct matrix_room_spec {
    std::string name;                  // m.room.name; empty: none
    std::string topic;                 // m.room.topic; empty: none
    std::string alias_localpart;       // "incident" -> #incident:<server>; empty: none
    std::string creator;               // user ID; empty: the first member
    std::vector<std::string> members;  // user IDs joined after creation
    std::vector<std::string> invited;  // user IDs invited by the creator
    std::string room_version;          // empty: options.default_room_version
    bool is_public = false;            // join_rule public lets anyone join uninvited
    bool encrypted = false;            // m.room.encryption (Megolm) from the start
    // More state events ({type, state_key, content}) after the preset's, as createRoom's
    // initial_state.
    std::vector<nlohmann::json> initial_state;
};

// Options for a scripted text message.
struct text_options {
    std::string msgtype = "m.text";
    std::optional<std::string> formatted_body;  // org.matrix.custom.html
    std::vector<std::string> mention_user_ids;  // m.mentions.user_ids
    bool mention_room = false;                  // m.mentions.room
    bool add_mentions = false;                  // send m.mentions even when empty (v1.7+)
    std::optional<std::string> reply_to;        // m.in_reply_to
    std::optional<std::string> thread_root;     // m.thread (falling back to reply_to if given)
};

// An event a client created through the API (send, redact or a state PUT).
struct client_event {
    std::string room_id;
    std::string event_id;
    std::string sender;
    std::string type;
    nlohmann::json content;
    std::string txn_id;
    std::string endpoint;  // "send", "redact" or "state"
};

struct uploaded_media {
    std::string media_id;
    std::string content_uri;  // mxc://<server>/<media_id>
    std::string content;
    std::string filename;  // from ?filename=, possibly empty
    std::string content_type;
    std::string uploader;
};

// One to-device message a client sent (PUT /sendToDevice), per receiving device.
struct to_device_message {
    std::string sender;
    std::string sender_device;
    std::string recipient;
    std::string recipient_device;
    std::string type;
    nlohmann::json content;
    std::string txn_id;
    bool held = false;  // kept back by hold_to_device and not released (yet)
};

// A membership change a client made through the API (join, leave, invite, create).
struct membership_change {
    std::string room_id;
    std::string user_id;  // whose membership changed
    std::string sender;   // who asked
    std::string membership;
};

struct matrix_request {
    std::string method;
    std::string path;     // as sent, still percent-encoded
    std::string query;    // with any access_token value replaced by "<redacted>"
    std::string auth;     // "header", "query", "none" — never the token itself
    std::string user_id;  // whom the token named; empty when none or invalid
    unsigned status = 0;  // 0: the connection was dropped without an answer
    std::string errcode;
    std::string fault;  // the injected fault that answered, if any
    std::chrono::system_clock::time_point at;
};

struct fake_matrix_stats {
    int requests = 0;
    int sync_calls = 0;
    int syncs_woken = 0;      // long-polls answered early because something arrived
    int syncs_timed_out = 0;  // long-polls answered empty at their timeout
    int pending_syncs = 0;
    int txn_replays = 0;  // sends answered from the transaction store
    int missing_token = 0;
    int unknown_token = 0;
    // Faults, counted when they fire.
    int rate_limited = 0;
    int http_errors = 0;
    int lost_responses = 0;
    int dropped_syncs = 0;
    int malformed_syncs = 0;
    int limited_gaps = 0;
};

class fake_matrix {
  public:
    explicit fake_matrix(fake_matrix_options options = {});
    ~fake_matrix();  // stops
    fake_matrix(const fake_matrix&) = delete;
    fake_matrix& operator=(const fake_matrix&) = delete;

    // Binds 127.0.0.1 and runs the fake on its own thread. Throws when it cannot bind.
    void start();
    // Ends every connection and joins the thread; bounded by io_timeout.
    void stop();

    unsigned short port() const;
    // Unreachable: connections to the port are refused and open ones cut, as when the service
    // is down; reachable again on the same port.
    void set_reachable(bool reachable);
    std::string homeserver_url() const;  // https://127.0.0.1:<port>
    std::string ca_pem() const;          // trust this to reach the fake
    std::filesystem::path ca_file() const;
    const fake_matrix_options& options() const;
    std::string user_id(std::string_view localpart) const;  // @<localpart>:<server_name>
    std::string bot_user_id() const;

    // Every call below is thread-safe: it runs on the fake's thread and waits (bounded).
    // Scripting calls throw std::invalid_argument for unknown users, rooms or events.

    // --- Scripting -------------------------------------------------------------------------
    std::string add_user(matrix_user user);  // returns the user ID
    // Another valid token for a user (a second device).
    void add_access_token(std::string user_id, std::string token, std::string device_id);
    std::string create_room(matrix_room_spec spec);  // returns !<random>:<server>
    std::string invite(std::string room_id, std::string inviter, std::string user_id);
    std::string join(std::string room_id, std::string user_id);
    std::string leave(std::string room_id, std::string user_id);
    std::string kick(std::string room_id, std::string by, std::string user_id,
                     std::string reason = {});
    std::string send_text(std::string room_id, std::string sender, std::string body,
                          text_options extra = {});
    // Several messages at once: a waiting /sync sees them all in one answer.
    std::vector<std::string> send_burst(std::string room_id, std::string sender,
                                        std::vector<std::string> bodies);
    // m.replace with m.new_content and a "* " fallback body.
    std::string edit(std::string room_id, std::string sender, std::string target_event_id,
                     std::string new_body);
    std::string react(std::string room_id, std::string sender, std::string target_event_id,
                      std::string key);
    std::string redact(std::string room_id, std::string sender, std::string event_id,
                       std::string reason = {});
    // Any event; a state event when state_key is set.
    std::string send_event(std::string room_id, std::string sender, std::string type,
                           nlohmann::json content,
                           std::optional<std::string> state_key = std::nullopt);
    // Changes the profile and, as servers do, sends a new m.room.member in each joined room.
    void set_display_name(std::string user_id, std::string display_name);

    // --- Faults (path_prefix matches the request path, e.g. "/_matrix/client/v3/rooms/";
    // "" matches all). Faults fire in the order they were added. ------------------------------
    void rate_limit_next(std::string path_prefix, int count,
                         std::chrono::milliseconds retry_after = std::chrono::milliseconds(1000),
                         retry_after_style style = retry_after_style::both);
    void http_error_next(std::string path_prefix, int count, unsigned status = 500);
    // The request is carried out, then the connection is closed without an answer (not for
    // /sync, which has drop_next_sync).
    void lose_response_next(std::string path_prefix, int count = 1);
    // The next /sync is held (see sync_drop_after), then its TCP connection is closed.
    void drop_next_sync(int count = 1);
    // The next /sync answers 200 with a body that is not valid JSON.
    void malformed_next_sync(int count = 1);
    // The next /sync that carries timeline events keeps only the last `keep_last` per room,
    // with limited:true and a prev_batch that /messages pages back from.
    void limit_next_sync(std::size_t keep_last);
    // Every token of the user (default: the bot) becomes unknown: 401 M_UNKNOWN_TOKEN.
    void invalidate_tokens(std::string user_id = {});
    // The next `count` to-device messages of `type` sent to the user `recipient` (by `sender`,
    // when not empty) are kept back instead of delivered, as if lost: a room key that never
    // arrives.
    void hold_to_device(std::string recipient, std::string type = "m.room.encrypted", int count = 1,
                        std::string sender = {});
    // Delivers what was kept back, oldest first; returns how many messages.
    int release_held_to_device();

    // --- Queries ------------------------------------------------------------------------------
    std::vector<client_event> sent_events(std::string room_id = {}) const;
    std::vector<uploaded_media> uploads() const;
    std::vector<membership_change> membership_changes() const;
    std::vector<matrix_request> requests(std::string path_prefix = {}) const;
    // Every event of the room as the server holds it (redactions applied), oldest first.
    std::vector<nlohmann::json> room_events(std::string room_id) const;
    std::optional<nlohmann::json> event(std::string event_id) const;
    std::string membership(std::string room_id, std::string user_id) const;  // "" when none
    // End-to-end encryption: what devices uploaded (as signed by them) and sent each other.
    std::vector<std::string> devices(std::string user_id) const;  // the user's device IDs
    std::optional<nlohmann::json> device_keys(std::string user_id, std::string device_id) const;
    // Unclaimed one-time keys by algorithm ("signed_curve25519" -> 50).
    std::map<std::string, int> one_time_key_counts(std::string user_id,
                                                   std::string device_id) const;
    // The current fallback key per algorithm and whether it was claimed since its upload.
    std::map<std::string, bool> fallback_key_used(std::string user_id, std::string device_id) const;
    std::vector<to_device_message> to_device_messages(std::string recipient = {}) const;
    fake_matrix_stats stats() const;

    // Polls `done` (from the calling thread) until it holds or `timeout` passes.
    bool wait_for(const std::function<bool()>& done,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const;

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace scribe::fakes
