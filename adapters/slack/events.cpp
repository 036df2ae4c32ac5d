// Reading Events API and slash-command payloads; self-filtering and idempotency keys.
#include "adapters/slack/events.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "adapters/json_input.hpp"
#include "adapters/slack/markup.hpp"
#include "adapters/slack/payload_tree.hpp"

namespace scribe::adapters::slack {

namespace {

using json_input::for_log;
using maybe_key = std::optional<model::source_key>;

// Subtypes whose text a person wrote; everything else (joins, topic changes, legacy
// bot_message, pinned_item, …) is channel bookkeeping.
constexpr std::array<std::string_view, 4> authored_subtypes = {"", "thread_broadcast", "file_share",
                                                               "me_message"};

message_fields read_message(json_element event, const std::string& event_id) {
    message_fields m;
    m.channel = text_at(event, "channel");
    m.ts = text_at(event, "ts");
    m.thread_ts = text_at(event, "thread_ts");
    m.user = text_at(event, "user");
    m.text = text_at(event, "text");
    m.bot_id = text_at(event, "bot_id");
    m.subtype = text_at(event, "subtype");
    m.channel_type = text_at(event, "channel_type");
    m.event_id = event_id;
    m.event_ts = text_at(event, "event_ts");
    return m;
}

inbound_event read_changed(json_element event, const std::string& event_id) {
    const auto message = object_at(event, "message");
    if (!message) return unreadable{"message_changed without message"};
    message_changed c;
    c.channel = text_at(event, "channel");
    c.ts = text_at(*message, "ts");
    c.thread_ts = text_at(*message, "thread_ts");
    c.text = text_at(*message, "text");
    c.user = text_at(*message, "user");
    c.bot_id = text_at(*message, "bot_id");
    c.edit_ts = text_at(event, "ts");
    c.event_id = event_id;
    if (c.channel.empty() || c.ts.empty())
        return unreadable{"message_changed without channel or ts"};
    // Slack also sends message_changed when it only adds metadata (unfurls, language).
    if (const auto previous = object_at(event, "previous_message")) {
        if (member(*previous, "text") && text_at(*previous, "text") == c.text) {
            return ignored{"message_changed with the text unchanged"};
        }
    }
    return c;
}

inbound_event read_deleted(json_element event, const std::string& event_id) {
    message_deleted d;
    d.channel = text_at(event, "channel");
    d.deleted_ts = text_at(event, "deleted_ts");
    d.event_ts = text_at(event, "ts");
    d.event_id = event_id;
    if (const auto previous = object_at(event, "previous_message")) {
        d.user = text_at(*previous, "user");
        d.bot_id = text_at(*previous, "bot_id");
        if (d.deleted_ts.empty()) d.deleted_ts = text_at(*previous, "ts");
    }
    if (d.channel.empty() || d.deleted_ts.empty()) {
        return unreadable{"message_deleted without channel or deleted_ts"};
    }
    return d;
}

inbound_event read_message_event(json_element event, const std::string& event_id) {
    const std::string subtype = text_at(event, "subtype");
    if (subtype == "message_changed") return read_changed(event, event_id);
    if (subtype == "message_deleted") return read_deleted(event, event_id);
    if (std::find(authored_subtypes.begin(), authored_subtypes.end(), subtype) ==
        authored_subtypes.end()) {
        return ignored{"message subtype '" + for_log(subtype) + "'"};
    }
    message_posted m{read_message(event, event_id)};
    if (m.channel.empty() || m.ts.empty()) return unreadable{"message without channel or ts"};
    return m;
}

inbound_event read_reaction(json_element event, const std::string& event_id, bool added) {
    const auto item = object_at(event, "item");
    if (!item) return unreadable{"reaction without item"};
    // Reactions to files and file comments have no message to pin.
    if (const std::string type = text_at(*item, "type"); !type.empty() && type != "message") {
        return ignored{"reaction to a " + for_log(type)};
    }
    reaction r;
    r.added = added;
    r.user = text_at(event, "user");
    r.name = text_at(event, "reaction");
    r.channel = text_at(*item, "channel");
    r.ts = text_at(*item, "ts");
    r.item_user = text_at(event, "item_user");
    r.event_ts = text_at(event, "event_ts");
    r.event_id = event_id;
    if (r.channel.empty() || r.ts.empty()) return unreadable{"reaction without item channel or ts"};
    return r;
}

// Matches only a real id: an absent field must not match an unknown one.
bool same_id(std::string_view field, std::string_view ours) {
    return !ours.empty() && field == ours;
}

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

inbound_event read_events_api(json_element wrapper) {
    if (!wrapper.is_object()) return unreadable{"events_api payload is not an object"};
    if (const std::string type = text_at(wrapper, "type");
        !type.empty() && type != "event_callback") {
        return ignored{"wrapper type '" + for_log(type) + "'"};
    }
    const auto event = object_at(wrapper, "event");
    if (!event) return unreadable{"events_api payload without event"};
    const std::string event_id = text_at(wrapper, "event_id");
    const std::string type = text_at(*event, "type");
    if (type == "message") return read_message_event(*event, event_id);
    if (type == "app_mention") {
        app_mention m{read_message(*event, event_id)};
        if (m.channel.empty() || m.ts.empty())
            return unreadable{"app_mention without channel or ts"};
        return m;
    }
    if (type == "reaction_added") return read_reaction(*event, event_id, true);
    if (type == "reaction_removed") return read_reaction(*event, event_id, false);
    if (type == "member_joined_channel") {
        member_joined j{text_at(*event, "channel"), text_at(*event, "user"),
                        text_at(*event, "inviter"), text_at(*event, "event_ts"), event_id};
        if (j.channel.empty() || j.user.empty())
            return unreadable{"member_joined_channel without channel or user"};
        return j;
    }
    return ignored{"event type '" + for_log(type) + "'"};
}

inbound_event read_slash_command(json_element p) {
    if (!p.is_object()) return unreadable{"slash command payload is not an object"};
    slash_command c{text_at(p, "channel_id"), text_at(p, "user_id"), text_at(p, "user_name"),
                    text_at(p, "command"),    text_at(p, "text"),    text_at(p, "response_url"),
                    text_at(p, "trigger_id"), text_at(p, "team_id")};
    if (c.command.empty() || c.channel_id.empty() || c.user_id.empty()) {
        return unreadable{"slash command without command, channel_id or user_id"};
    }
    return c;
}

}  // namespace

inbound_event parse_events_api(std::string_view payload_json) {
    payload_tree tree;
    if (const auto error = read_tree(tree, payload_json, default_max_frame_bytes); !error.empty())
        return unreadable{"events_api payload " + error};
    return read_events_api(tree.value);
}

inbound_event parse_slash_command(std::string_view payload_json) {
    payload_tree tree;
    if (const auto error = read_tree(tree, payload_json, default_max_frame_bytes); !error.empty())
        return unreadable{"slash command payload " + error};
    return read_slash_command(tree.value);
}

inbound_event parse_payload(const envelope& e) {
    switch (e.type) {
        case envelope_type::events_api:
            return e.payload ? read_events_api(e.payload->value) : unreadable{"no payload"};
        case envelope_type::slash_commands:
            return e.payload ? read_slash_command(e.payload->value) : unreadable{"no payload"};
        case envelope_type::interactive:
        case envelope_type::other:
            break;
    }
    return ignored{"envelope type '" + for_log(e.type_text) + "'"};
}

// The visitors below name every alternative rather than ending in a catch-all `auto`: a
// template would beat the derived-to-base match of message_fields, and a new event type
// should not compile until someone decides how it is keyed and filtered.

bool is_own(const inbound_event& event, std::string_view bot_user_id, std::string_view bot_id) {
    const auto by_us = [&](std::string_view user, std::string_view bot) {
        return same_id(user, bot_user_id) || same_id(bot, bot_id);
    };
    return std::visit(overloaded{
                          [&](const message_fields& m) { return by_us(m.user, m.bot_id); },
                          [&](const message_changed& c) { return by_us(c.user, c.bot_id); },
                          [&](const message_deleted& d) { return by_us(d.user, d.bot_id); },
                          [&](const reaction& r) { return by_us(r.user, {}); },
                          [&](const slash_command& c) { return by_us(c.user_id, {}); },
                          [](const member_joined&) { return false; },
                          [](const ignored&) { return false; },
                          [](const unreadable&) { return false; },
                      },
                      event);
}

model::source_key message_key(std::string_view channel, std::string_view ts) {
    return {std::string(platform), std::string(channel), std::string(ts), 0};
}

std::optional<model::source_key> event_key(const inbound_event& event) {
    return std::visit(
        overloaded{
            [](const message_fields& m) -> maybe_key { return message_key(m.channel, m.ts); },
            [](const message_changed& c) -> maybe_key {
                return message_key(c.channel, c.ts + "/edit/" + c.edit_ts);
            },
            [](const message_deleted& d) -> maybe_key {
                return message_key(d.channel, d.deleted_ts + "/delete");
            },
            [](const reaction& r) -> maybe_key {
                return message_key(r.channel, r.ts + "/reaction/" + r.event_ts);
            },
            [](const slash_command& c) -> maybe_key {
                return message_key(c.channel_id, "command/" + c.trigger_id);
            },
            [](const member_joined&) -> maybe_key { return std::nullopt; },
            [](const ignored&) -> maybe_key { return std::nullopt; },
            [](const unreadable&) -> maybe_key { return std::nullopt; },
        },
        event);
}

std::optional<model::source_key> subject_key(const inbound_event& event) {
    return std::visit(
        overloaded{
            [](const message_fields& m) -> maybe_key { return message_key(m.channel, m.ts); },
            [](const message_changed& c) -> maybe_key { return message_key(c.channel, c.ts); },
            [](const message_deleted& d) -> maybe_key {
                return message_key(d.channel, d.deleted_ts);
            },
            [](const reaction& r) -> maybe_key { return message_key(r.channel, r.ts); },
            [](const slash_command&) -> maybe_key { return std::nullopt; },
            [](const member_joined&) -> maybe_key { return std::nullopt; },
            [](const ignored&) -> maybe_key { return std::nullopt; },
            [](const unreadable&) -> maybe_key { return std::nullopt; },
        },
        event);
}

std::optional<model::timestamp> parse_ts(std::string_view ts) {
    const auto dot = ts.find('.');
    const std::string_view seconds = ts.substr(0, dot);
    const std::string_view fraction = dot == std::string_view::npos ? "" : ts.substr(dot + 1);
    const auto digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    // Twelve digits of seconds reach the year 33658, far from overflowing milliseconds.
    if (seconds.empty() || seconds.size() > 12 || !digits(seconds) || !digits(fraction)) {
        return std::nullopt;
    }
    if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
    std::int64_t ms = 0;
    for (const char c : seconds) ms = ms * 10 + (c - '0');
    for (std::size_t i = 0; i < 3; ++i)
        ms = ms * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    return model::timestamp{std::chrono::milliseconds{ms}};
}

std::optional<inbound_message> to_inbound_message(const inbound_event& event) {
    const message_fields* m = std::get_if<message_posted>(&event);
    if (!m) m = std::get_if<app_mention>(&event);
    if (!m) return std::nullopt;
    inbound_message message;
    message.author = model::person{std::string(platform), m->user, m->user};
    message.source = message_key(m->channel, m->ts);
    message.text = decode_markup(m->text);
    message.sent_at = parse_ts(m->ts).value_or(model::timestamp{});
    return message;
}

}  // namespace scribe::adapters::slack
