// Parsing /sync and /rooms/{roomId}/messages answers into typed room events.
#include "adapters/matrix/sync.hpp"

#include <algorithm>

#include "adapters/matrix/read_event.hpp"

namespace scribe::adapters::matrix {

namespace {

using json_input::array_at;
using json_input::json;
using json_input::object_at;
using json_input::text_at;

std::vector<room_event> read_events(const json* events, std::string_view room) {
    std::vector<room_event> out;
    if (!events) return out;
    out.reserve(events->size());
    for (const json& event : *events) out.push_back(detail::read_event(event, room));
    return out;
}

joined_room read_joined(const std::string& room_id, const json& room) {
    joined_room r;
    r.room_id = room_id;
    if (const json* timeline = object_at(room, "timeline")) {
        r.timeline = read_events(array_at(*timeline, "events"), room_id);
        r.limited = json_input::flag_at(*timeline, "limited");
        r.prev_batch = text_at(*timeline, "prev_batch");
    }
    return r;
}

invite read_invite(const std::string& room_id, const json& room, std::string_view our_user_id) {
    invite i{room_id, {}};
    const json* state = object_at(room, "invite_state");
    const json* events = state ? array_at(*state, "events") : nullptr;
    if (!events) return i;
    for (const json& event : *events) {
        const json* content = object_at(event, "content");
        if (text_at(event, "type") == "m.room.member" && content &&
            text_at(*content, "membership") == "invite" &&
            text_at(event, "state_key") == our_user_id) {
            i.inviter = text_at(event, "sender");
        }
    }
    return i;
}

std::vector<std::string> texts_at(const json& object, std::string_view key) {
    std::vector<std::string> out;
    if (const json* list = array_at(object, key)) {
        for (const json& item : *list) {
            if (item.is_string()) out.push_back(item.get<std::string>());
        }
    }
    return out;
}

device_news read_device_news(const json& body) {
    device_news news;
    if (const json* to_device = object_at(body, "to_device")) {
        if (const json* events = array_at(*to_device, "events")) {
            for (const json& event : *events) {
                if (event.is_object()) news.to_device.push_back(json_input::to_text(event));
            }
        }
    }
    if (const json* lists = object_at(body, "device_lists")) {
        news.changed = texts_at(*lists, "changed");
        news.left = texts_at(*lists, "left");
    }
    if (const json* counts = object_at(body, "device_one_time_keys_count")) {
        news.one_time_keys = json_input::int_at(*counts, "signed_curve25519").value_or(0);
    }
    if (json_input::member(body, "device_unused_fallback_key_types")) {
        const auto types = texts_at(body, "device_unused_fallback_key_types");
        news.fallback_unused =
            std::find(types.begin(), types.end(), "signed_curve25519") != types.end();
    }
    return news;
}

}  // namespace

std::variant<sync_response, malformed> parse_sync(std::string_view body,
                                                  std::string_view our_user_id,
                                                  std::size_t max_bytes) {
    const auto parsed = detail::read_homeserver_json(body, max_bytes);
    if (!parsed.error.empty()) return malformed{"sync answer " + parsed.error};
    if (!parsed.value.is_object()) return malformed{"sync answer is not an object"};
    sync_response s;
    s.next_batch = text_at(parsed.value, "next_batch");
    if (s.next_batch.empty()) return malformed{"sync answer without next_batch"};
    s.devices = read_device_news(parsed.value);
    const json* rooms = object_at(parsed.value, "rooms");
    if (!rooms) return s;
    if (const json* join = object_at(*rooms, "join")) {
        for (const auto& [room_id, room] : join->items()) {
            if (room.is_object()) s.joined.push_back(read_joined(room_id, room));
        }
    }
    if (const json* invites = object_at(*rooms, "invite")) {
        for (const auto& [room_id, room] : invites->items()) {
            if (room.is_object()) s.invites.push_back(read_invite(room_id, room, our_user_id));
        }
    }
    if (const json* leave = object_at(*rooms, "leave")) {
        for (const auto& [room_id, room] : leave->items()) s.left.push_back(room_id);
    }
    return s;
}

std::variant<messages_response, malformed> parse_messages(std::string_view body,
                                                          std::string_view room_id,
                                                          std::size_t max_bytes) {
    const auto parsed = detail::read_homeserver_json(body, max_bytes);
    if (!parsed.error.empty()) return malformed{"messages answer " + parsed.error};
    if (!parsed.value.is_object()) return malformed{"messages answer is not an object"};
    messages_response m;
    m.start = text_at(parsed.value, "start");
    m.end = text_at(parsed.value, "end");
    m.chunk = read_events(array_at(parsed.value, "chunk"), room_id);
    return m;
}

}  // namespace scribe::adapters::matrix
