// Slack Socket Mode without I/O: frames in, typed envelopes out, and the session that decides
// when to open and close links, what to deliver to the bot and when to ack.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "adapters/backoff.hpp"
#include "adapters/bounded_map.hpp"
#include "adapters/log_entry.hpp"

namespace scribe::adapters::slack {

using adapters::log_entry;
using adapters::log_level;

// ---- Frames (protocols.md §1.2 - §1.6) ----------------------------------------------------

// Slack's largest payloads (block_actions with full views) are tens of kilobytes.
inline constexpr std::size_t default_max_frame_bytes = 1024 * 1024;

// Slack's deepest payloads (Block Kit views) nest about 20 levels. The limit bounds the
// parser's depth stack, and nlohmann/json's recursion where a response payload is re-read for
// an ack. A frame or payload nested deeper is refused as a whole: a frame is one envelope, so
// refusing it loses nothing but that envelope.
inline constexpr int max_json_depth = 64;

// Slack allows an app at most 10 open links (protocols.md §1.3).
inline constexpr std::size_t max_links = 10;

struct hello {
    int num_connections = 0;  // this app's open links, the new one included
    std::chrono::seconds approximate_connection_time{0};  // until Slack refreshes the link
    std::string app_id;
    std::string host;  // debug_info.host, for logs
};

enum class disconnect_reason {
    warning,
    refresh_requested,
    link_disabled,
    too_many_websockets,
    unknown
};

struct disconnect {
    disconnect_reason reason = disconnect_reason::unknown;
    std::string reason_text;  // as sent, so an unknown reason can be logged
    std::string host;
};

enum class envelope_type { events_api, slash_commands, interactive, other };

struct payload_tree;

struct envelope {
    std::string envelope_id;
    envelope_type type = envelope_type::other;
    std::string type_text;  // as sent
    bool accepts_response_payload = false;
    int retry_attempt = 0;
    std::string retry_reason;
    // The payload object as the frame held it, parsed once (null when Slack sent none);
    // shared, so copies of the envelope are cheap.
    std::shared_ptr<const payload_tree> payload;
    std::string event_id;  // payload.event_id of events_api envelopes, for deduplication
};

// A frame we cannot use; the reason is for the log.
struct malformed {
    std::string reason;
};

using frame = std::variant<hello, disconnect, envelope, malformed>;

// Never throws: anything that is not a hello, a disconnect or an envelope with an id is
// `malformed`. Unknown fields are ignored, missing optional ones take their defaults.
frame parse_frame(std::string_view text, std::size_t max_bytes = default_max_frame_bytes);

// {"envelope_id":"…"}
std::string ack_frame(std::string_view envelope_id);
// {"envelope_id":"…","payload":{…}}. A payload that is not a JSON object is left out: the ack
// itself must not be lost over a bad response body.
std::string ack_frame(std::string_view envelope_id, std::string_view payload_json);

std::string_view to_string(disconnect_reason reason);
std::string_view to_string(envelope_type type);

// ---- Session ------------------------------------------------------------------------------

using link_id = std::uint64_t;
using clock = std::chrono::steady_clock;

// Actions the session asks its driver to perform, in order.

// Wait `delay`, call apps.connections.open, connect to the URL it returns, then report
// on_link_opened(id) - or on_link_closed(id, …) when any step fails.
struct open_link {
    link_id id = 0;
    std::chrono::milliseconds delay{0};
};

// Close the link's socket (code 1000), or cancel its pending open; then report
// on_link_closed(id, …). Every link the session opens ends with that report.
struct close_link {
    link_id id = 0;
};

// Write this text frame on that link.
struct send_ack {
    link_id link = 0;
    std::string frame;
};

// Hand the envelope to the bot; it calls on_committed(envelope_id) once it is durably handled.
struct deliver {
    envelope message;
    link_id link = 0;
};

using action = std::variant<open_link, close_link, send_ack, deliver, log_entry>;

// How a link ended, as the driver saw it.
struct link_end {
    enum class kind {
        closed,        // the socket closed: by us, by Slack, or by the network
        failed,        // apps.connections.open, connect or the handshake failed
        rate_limited,  // apps.connections.open answered 429; wait at least retry_after
        rejected,      // apps.connections.open refused the token (invalid_auth, not_authed, …)
    };
    kind what = kind::closed;
    std::string detail;  // for the log; never a token or a URL with a ticket
    std::chrono::milliseconds retry_after{0};
};

struct session_config {
    std::size_t links = 1;  // links to keep open, 1 to max_links
    // A link that does not say hello this long after opening is closed and retried.
    std::chrono::milliseconds hello_timeout{10'000};
    // After a warning or refresh_requested the old link stays until the replacement says hello
    // or this long, whichever is first (Slack closes it about 10 s after a warning).
    std::chrono::milliseconds handover_grace{15'000};
    backoff_policy reconnect{std::chrono::milliseconds{0}, std::chrono::milliseconds{1'000},
                             std::chrono::minutes{1}};
    // link_disabled and refused tokens: nothing changes until a human acts, so retry rarely.
    backoff_policy disabled{std::chrono::minutes{1}, std::chrono::minutes{1},
                            std::chrono::minutes{15}};
    // Envelopes and events remembered for deduplication, oldest forgotten first.
    std::size_t dedupe_capacity = 10'000;
    std::size_t max_frame_bytes = default_max_frame_bytes;
    // Tests pass a fixed seed; by default replicas jitter independently.
    std::uint64_t seed = std::random_device{}();
};

// One per Slack adapter: keeps `links` links open across refreshes and failures, delivers each
// envelope once, and acks it only after the bot has committed it. It does no I/O and reads no
// clock: each input returns the actions to take, and time arrives as `now`.
//
// Acks go on the link the envelope came on while that link is open, else on any open link.
// Slack does not document whether an ack on another link counts (UNDOCUMENTED, protocols.md
// §1.6); if it does not, Slack redelivers, and the redelivery is acked at once without
// reaching the bot again.
class session {
  public:
    explicit session(session_config config = {});

    // Opens the configured number of links.
    std::vector<action> start(clock::time_point now);
    // The link's websocket is up; its hello is expected within hello_timeout.
    std::vector<action> on_link_opened(link_id id, clock::time_point now);
    // A text frame arrived: hello, disconnect, an envelope, or something to log and drop.
    std::vector<action> on_frame(link_id id, std::string_view text, clock::time_point now);
    std::vector<action> on_link_closed(link_id id, const link_end& end, clock::time_point now);
    // The bot has durably handled the envelope: ack it, and every redelivery of it that came
    // in meanwhile. `response_payload` (a JSON object) rides on the ack when the envelope
    // accepts one, e.g. the answer to a slash command.
    std::vector<action> on_committed(std::string_view envelope_id,
                                     std::optional<std::string_view> response_payload = {});
    // Fires the deadlines that have passed: hello timeouts, handover grace.
    std::vector<action> tick(clock::time_point now);
    // Closes every link and opens no more.
    std::vector<action> stop();

    // When tick() next has something to do.
    std::optional<clock::time_point> next_deadline() const;
    // Links whose socket is up and that have said hello.
    std::size_t ready_links() const;
    // Links that exist in any state, closing ones included.
    std::size_t links() const { return links_.size(); }

  private:
    enum class link_state { connecting, open, ready, closing };

    struct link_info {
        link_state state = link_state::connecting;
        bool retiring = false;         // Slack asked us to move off it; a replacement is on its way
        clock::time_point deadline{};  // hello timeout while open, grace while retiring
        unsigned failures_before_hello = 0;
    };

    // A delivered envelope (or event) and the redeliveries waiting for its commit.
    struct record {
        std::string envelope_id;
        link_id link = 0;
        bool accepts_response_payload = false;
        bool committed = false;
        std::vector<std::pair<std::string, link_id>> waiting;  // envelope id, link it came on
    };

    void handle_hello(link_id id, link_info& l, const hello& h, std::vector<action>& out);
    void handle_disconnect(link_id id, link_info& l, const disconnect& d, clock::time_point now,
                           std::vector<action>& out);
    void handle_envelope(link_id id, envelope e, std::vector<action>& out);
    void close(link_id id, link_info& l, std::vector<action>& out);
    // Closes links no longer needed and opens the ones missing.
    void settle(clock::time_point now, std::vector<action>& out);
    std::chrono::milliseconds open_delay(clock::time_point now);
    void hold_for(std::chrono::milliseconds wait, clock::time_point now);
    // The link to ack on: `preferred` while it is open, else another open one. Link ids start
    // at 1, so 0 means "no preference".
    std::optional<link_id> ack_link(link_id preferred) const;
    void ack(link_id preferred, std::string_view envelope_id, std::string text,
             std::vector<action>& out) const;
    // Links that count towards config_.links.
    std::size_t counted_links() const;

    session_config config_;
    std::mt19937_64 random_;
    std::map<link_id, link_info> links_;  // ordered, so actions come out in a stable order
    link_id next_id_ = 1;
    bool stopping_ = false;
    unsigned failures_ = 0;                   // consecutive failed links, reset by a hello
    unsigned disabled_strikes_ = 0;           // consecutive link_disabled / refused tokens
    clock::time_point hold_until_{};          // no link opens before this
    bounded_map<std::string, record> records_;             // dedupe key -> delivery
    bounded_map<std::string, std::string> envelope_keys_;  // envelope id -> dedupe key
};

}  // namespace scribe::adapters::slack
