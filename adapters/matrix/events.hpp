// Matrix room events as typed values, the own-event filter, and conversions to the bot's types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "adapters/bounded_map.hpp"
#include "adapters/message.hpp"
#include "bot/model/event.hpp"
#include "bot/model/time.hpp"

namespace scribe::adapters::matrix {

inline constexpr std::string_view platform = "matrix";

// U+1F4CC PUSHPIN, the default reaction that pins a message to the timeline.
inline constexpr std::string_view default_pin_key = "\xF0\x9F\x93\x8C";

// One event can hold up to 64 KiB (the spec's PDU limit); this leaves room for `unsigned`.
inline constexpr std::size_t default_max_event_bytes = 256 * 1024;

enum class msgtype { text, notice, emote };

// m.room.message with msgtype m.text, m.notice or m.emote (protocols.md §3.4).
struct text_message {
    std::string room;
    std::string event_id;
    std::string sender;
    std::string body;            // the reply fallback ("> " lines) stripped
    std::string formatted_body;  // org.matrix.custom.html only, <mx-reply> stripped; else empty
    msgtype kind = msgtype::text;
    std::vector<std::string> mentioned_users;  // m.mentions.user_ids
    bool mentions_room = false;                // m.mentions.room
    std::string in_reply_to;                   // m.in_reply_to.event_id, not a thread's fallback
    std::string thread_root;                   // m.relates_to event_id when rel_type is m.thread
    model::timestamp origin_server_ts{};
};

// m.room.message with m.relates_to rel_type m.replace. Whether the sender may edit the target
// (same sender, same type, same room) needs the target event, so the bot decides that.
struct edit {
    std::string room;
    std::string event_id;  // of the edit itself
    std::string sender;
    std::string target;    // the event edited
    std::string new_body;  // m.new_content.body
    model::timestamp origin_server_ts{};
};

// m.reaction with an m.annotation relation.
struct reaction {
    std::string room;
    std::string event_id;
    std::string sender;
    std::string target;
    std::string key;
    model::timestamp origin_server_ts{};
};

// m.room.redaction; `redacts` comes from content (room v11+) or the top level (v1-10).
struct redaction {
    std::string room;
    std::string event_id;
    std::string sender;
    std::string redacts;
    std::string reason;
    model::timestamp origin_server_ts{};
};

enum class membership { invite, join, leave, ban, knock, other };

// m.room.member: `user` (the state key) is whose membership changed, `sender` who changed it.
struct member {
    std::string room;
    std::string event_id;
    std::string user;
    membership state = membership::other;
    std::string sender;
    std::string display_name;  // content.displayname, when set
};

// An event re-served after its redaction: content stripped, unsigned.redacted_because set.
struct redacted {
    std::string room;
    std::string event_id;
    std::string sender;
    std::string type;
};

// m.room.encrypted: decrypted by the adapter's encryption device, then read as any other.
struct encrypted {
    std::string room;
    std::string event_id;
    std::string sender;
    std::string event_json;  // the whole event, as the device decrypts it
    model::timestamp origin_server_ts{};
};

// m.room.encryption: the room is (now) encrypted; content as JSON for its rotation settings.
struct encryption_enabled {
    std::string room;
    std::string event_id;
    std::string sender;
    std::string content_json;
};

// Understood and of no interest to the bot: images, state other than membership.
struct ignored {
    std::string why;
    std::string event_id;
};

// Not the shape the spec documents; logged and skipped.
struct unreadable {
    std::string reason;
};

using room_event = std::variant<text_message, edit, reaction, redaction, member, redacted,
                                encrypted, encryption_enabled, ignored, unreadable>;

// One event as JSON text, from a timeline (which has no room_id: `room` supplies it) or from
// GET /rooms/{roomId}/event/{eventId}. Never throws.
room_event parse_event(std::string_view event_json, std::string_view room,
                       std::size_t max_bytes = default_max_event_bytes);

// The event's own id, or "" for unreadable events.
std::string_view event_id_of(const room_event& event);
std::string_view sender_of(const room_event& event);

// True for what the bot itself sent (protocols.md §3.4 "Self-filter"). Membership events are
// never "own", so the adapter sees its own join when a room it joined shows up. An empty id
// matches nothing.
bool is_own(const room_event& event, std::string_view our_user_id);

// "@alice:example.org" -> "alice"; the id itself when it has no ':'.
std::string_view localpart(std::string_view user_id);
// "@alice:example.org" -> "example.org"; "" when it has no ':'.
std::string_view server_name(std::string_view user_id);

// A user as the bot's model knows one; the name is the localpart until the adapter resolves
// the display name.
model::person to_person(std::string_view user_id);

model::source_key message_key(std::string_view room, std::string_view event_id);

// The message as the router takes it: source {matrix, room, event id, 0}, author by mxid.
inbound_message to_inbound_message(const text_message& message,
                                   std::string_view platform_name = platform);
// change_id is the edit's event id.
message_change to_message_change(const edit& e);
// A deletion of `redacts`; change_id is the redaction's event id.
message_change to_message_change(const redaction& r);

// The text for the command parser when the message is addressed to the bot, else nullopt:
//   - a body starting with `prefix` is a command already and comes back as it is;
//   - a message mentioning the bot (m.mentions.user_ids holds our id, or the body starts with
//     our display name, localpart or user id followed by ':' or ' ') comes back with the
//     mention removed and `prefix` put in front: "Scribe: tl db down" -> "!tl db down".
// Notices and emotes are never addressed: bots talk in notices, and answering them would let
// two bots loop.
std::optional<std::string> addressed_text(const text_message& message, std::string_view our_user_id,
                                          std::string_view our_display_name,
                                          std::string_view prefix = "!");

// ---- Pins: a reaction with the pin key marks a message, redacting that reaction unmarks it ----

// Whether the reaction's key is `pin_key`, ignoring a trailing emoji variation selector
// (U+FE0F), which some clients add.
bool is_pin(const reaction& r, std::string_view pin_key = default_pin_key);

// The pin of `target` (fetched by the adapter: GET /rooms/{roomId}/event/{eventId}) by `r`.
pin_request to_pin_request(const reaction& r, const text_message& target);

// Reactions the adapter has seen, so the redaction of one can be told apart from the deletion
// of a message. Bounded: the oldest entries are forgotten beyond the capacity, after which
// removing such an old pin arrives as the deletion of an unknown event, which the bot ignores.
class reaction_index {
  public:
    struct entry {
        std::string room;
        std::string target;
        std::string key;
    };

    explicit reaction_index(std::size_t capacity = 10'000);

    void remember(const reaction& r);
    const entry* find(std::string_view reaction_event_id) const;
    void forget(std::string_view reaction_event_id);
    std::size_t size() const { return entries_.size(); }

  private:
    bounded_map<std::string, entry> entries_;
};

// The unpin that redacting a pin reaction means: pinned.source is the target message,
// event_id the redaction's own id.
pin_request to_unpin_request(const redaction& r, const reaction_index::entry& pin);

std::string_view to_string(msgtype kind);
std::string_view to_string(membership state);

}  // namespace scribe::adapters::matrix
