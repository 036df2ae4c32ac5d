// Parsing /sync and /rooms/{roomId}/messages answers into typed room events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adapters/matrix/events.hpp"

namespace scribe::adapters::matrix {

// An initial sync over many rooms runs to megabytes; the filter keeps incremental ones small.
inline constexpr std::size_t default_max_sync_bytes = 64 * 1024 * 1024;

struct joined_room {
    std::string room_id;
    std::vector<room_event> timeline;  // oldest first
    bool limited = false;              // events between the last sync and these were left out
    std::string prev_batch;            // where to backfill from when limited
};

// rooms.invite: the inviter is the sender of the stripped m.room.member event that invites us.
struct invite {
    std::string room_id;
    std::string inviter;  // empty when no such event came
};

// What /sync says to an encryption device: to-device events (each a JSON text), whose device
// lists changed, and how many of its one-time keys the server still holds. Fields the server
// left out are empty or nullopt.
struct device_news {
    std::vector<std::string> to_device;
    std::vector<std::string> changed;
    std::vector<std::string> left;
    std::optional<std::int64_t> one_time_keys;  // device_one_time_keys_count.signed_curve25519
    std::optional<bool> fallback_unused;  // device_unused_fallback_key_types has signed_curve25519
};

struct sync_response {
    std::string next_batch;
    device_news devices;
    std::vector<joined_room> joined;  // in room id order
    std::vector<invite> invites;
    std::vector<std::string> left;  // rooms.leave: we left, were kicked or banned
};

struct messages_response {
    std::string start;
    std::string end;                // empty: no more events in that direction
    std::vector<room_event> chunk;  // in the order asked for: newest first for dir=b
};

// The answer is not JSON, too large, or lacks what the spec requires; for the log.
struct malformed {
    std::string reason;
};

// Never throws. Unknown sections and fields are ignored; an event that does not parse is an
// `unreadable` in its timeline, not a failure of the whole answer, so one bad event cannot
// stop the bot from moving past it.
std::variant<sync_response, malformed> parse_sync(std::string_view body,
                                                  std::string_view our_user_id,
                                                  std::size_t max_bytes = default_max_sync_bytes);

// GET /rooms/{roomId}/messages. Never throws.
std::variant<messages_response, malformed> parse_messages(
    std::string_view body, std::string_view room_id,
    std::size_t max_bytes = default_max_sync_bytes);

}  // namespace scribe::adapters::matrix
