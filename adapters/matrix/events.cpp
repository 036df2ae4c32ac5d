// Reading Matrix room events; self-filter, mentions, pins and conversions to the bot's types.
#include "adapters/matrix/events.hpp"

#include <algorithm>
#include <array>

#include "adapters/matrix/read_event.hpp"
#include "adapters/matrix/text.hpp"
#include "adapters/matrix/uri.hpp"

namespace scribe::adapters::matrix {

namespace {

using detail::trim_left;
using json_input::for_log;
using json_input::json;
using json_input::object_at;
using json_input::text_at;

// m.mentions.user_ids beyond this are not read: no real message mentions more people.
constexpr std::size_t max_mentions = 100;

// Before v1.13 a reply's body began with the quoted original: "> <@a:b> text" lines, then a
// blank line (spec rich_replies.md; clients SHOULD strip it).
std::string strip_reply_fallback(const std::string& body) {
    if (!body.starts_with("> ")) return body;
    std::size_t at = 0;
    while (at < body.size() && body.compare(at, 1, ">") == 0) {
        const auto end = body.find('\n', at);
        if (end == std::string::npos) return body;  // nothing but quote: keep it all
        at = end + 1;
    }
    if (body.compare(at, 1, "\n") == 0) ++at;
    return body.substr(at);
}

std::string strip_html_reply_fallback(const std::string& html) {
    constexpr std::string_view close = "</mx-reply>";
    if (!html.starts_with("<mx-reply>")) return html;
    const auto end = html.find(close);
    return end == std::string::npos ? html : html.substr(end + close.size());
}

room_event read_message(const json& content, text_message base) {
    const json* relates = object_at(content, "m.relates_to");
    const std::string rel_type = relates ? text_at(*relates, "rel_type") : std::string();
    if (rel_type == "m.replace") {
        edit e{base.room, base.event_id,        base.sender, text_at(*relates, "event_id"),
               {},        base.origin_server_ts};
        const json* new_content = object_at(content, "m.new_content");
        if (!new_content) return unreadable{"edit without m.new_content"};
        if (e.target.empty()) return unreadable{"edit without a target event_id"};
        e.new_body = text_at(*new_content, "body");
        return e;
    }
    const std::string type = text_at(content, "msgtype");
    if (type == "m.text") {
        base.kind = msgtype::text;
    } else if (type == "m.notice") {
        base.kind = msgtype::notice;
    } else if (type == "m.emote") {
        base.kind = msgtype::emote;
    } else {
        return ignored{"msgtype '" + for_log(type) + "'", base.event_id};
    }
    const json* body = json_input::member(content, "body");
    if (!body || !body->is_string()) return unreadable{"m.room.message without a string body"};
    base.body = body->get<std::string>();
    if (text_at(content, "format") == "org.matrix.custom.html") {
        base.formatted_body = text_at(content, "formatted_body");
    }
    if (const json* mentions = object_at(content, "m.mentions")) {
        if (const json* ids = json_input::array_at(*mentions, "user_ids")) {
            for (const json& id : *ids) {
                if (base.mentioned_users.size() == max_mentions) break;
                if (id.is_string()) base.mentioned_users.push_back(id.get<std::string>());
            }
        }
        base.mentions_room = json_input::flag_at(*mentions, "room");
    }
    if (relates) {
        if (rel_type == "m.thread") base.thread_root = text_at(*relates, "event_id");
        // In a thread, m.in_reply_to with is_falling_back is only for clients without threads.
        const bool fallback =
            rel_type == "m.thread" && json_input::flag_at(*relates, "is_falling_back");
        if (const json* reply = object_at(*relates, "m.in_reply_to"); reply && !fallback) {
            base.in_reply_to = text_at(*reply, "event_id");
        }
    }
    if (!base.in_reply_to.empty()) {
        base.body = strip_reply_fallback(base.body);
        base.formatted_body = strip_html_reply_fallback(base.formatted_body);
    }
    return base;
}

room_event read_reaction(const json& content, const text_message& base) {
    const json* relates = object_at(content, "m.relates_to");
    if (!relates || text_at(*relates, "rel_type") != "m.annotation") {
        return ignored{"m.reaction without an m.annotation", base.event_id};
    }
    reaction r{base.room,
               base.event_id,
               base.sender,
               text_at(*relates, "event_id"),
               text_at(*relates, "key"),
               base.origin_server_ts};
    if (r.target.empty()) return unreadable{"m.reaction without a target event_id"};
    return r;
}

membership read_membership(std::string_view text) {
    if (text == "invite") return membership::invite;
    if (text == "join") return membership::join;
    if (text == "leave") return membership::leave;
    if (text == "ban") return membership::ban;
    if (text == "knock") return membership::knock;
    return membership::other;
}

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

}  // namespace

namespace detail {

room_event read_event(const json& event, std::string_view room) {
    if (!event.is_object()) return unreadable{"event is not an object"};
    text_message base;
    base.room = room.empty() ? text_at(event, "room_id") : std::string(room);
    base.event_id = text_at(event, "event_id");
    base.sender = text_at(event, "sender");
    base.origin_server_ts = time_at(event, "origin_server_ts");
    const std::string type = text_at(event, "type");
    if (base.event_id.empty()) return unreadable{"event without event_id"};
    if (base.sender.empty() || type.empty()) return unreadable{"event without sender or type"};
    if (const json* meta = object_at(event, "unsigned");
        meta && json_input::member(*meta, "redacted_because")) {
        return redacted{base.room, base.event_id, base.sender, type};
    }
    static const json empty = json::object();
    const json* content_ptr = object_at(event, "content");
    const json& content = content_ptr ? *content_ptr : empty;
    if (type == "m.room.message") return read_message(content, std::move(base));
    if (type == "m.reaction") return read_reaction(content, base);
    if (type == "m.room.redaction") {
        // Room v11 moved `redacts` into content; v1-10 have it at the top level only.
        std::string redacts = text_at(content, "redacts");
        if (redacts.empty()) redacts = text_at(event, "redacts");
        if (redacts.empty()) return unreadable{"m.room.redaction without redacts"};
        return redaction{base.room,
                         base.event_id,
                         base.sender,
                         std::move(redacts),
                         text_at(content, "reason"),
                         base.origin_server_ts};
    }
    if (type == "m.room.member") {
        const json* key = json_input::member(event, "state_key");
        if (!key || !key->is_string()) return unreadable{"m.room.member without a state_key"};
        return matrix::member{base.room,
                              base.event_id,
                              key->get<std::string>(),
                              read_membership(text_at(content, "membership")),
                              base.sender,
                              text_at(content, "displayname")};
    }
    if (type == "m.room.encrypted") {
        return encrypted{base.room, base.event_id, base.sender, json_input::to_text(event),
                         base.origin_server_ts};
    }
    if (type == "m.room.encryption") {
        const json* key = json_input::member(event, "state_key");
        if (!key || !key->is_string() || !key->get<std::string>().empty()) {
            return ignored{"m.room.encryption that is not the room's state", base.event_id};
        }
        return encryption_enabled{base.room, base.event_id, base.sender,
                                  json_input::to_text(content)};
    }
    return ignored{"event type '" + for_log(type) + "'", base.event_id};
}

}  // namespace detail

room_event parse_event(std::string_view event_json, std::string_view room, std::size_t max_bytes) {
    const auto parsed = detail::read_homeserver_json(event_json, max_bytes);
    if (!parsed.error.empty()) return unreadable{"event " + parsed.error};
    return detail::read_event(parsed.value, room);
}

std::string_view event_id_of(const room_event& event) {
    return std::visit(overloaded{[](const unreadable&) { return std::string_view{}; },
                                 [](const auto& e) { return std::string_view{e.event_id}; }},
                      event);
}

std::string_view sender_of(const room_event& event) {
    return std::visit(overloaded{[](const unreadable&) { return std::string_view{}; },
                                 [](const ignored&) { return std::string_view{}; },
                                 [](const auto& e) { return std::string_view{e.sender}; }},
                      event);
}

bool is_own(const room_event& event, std::string_view our_user_id) {
    if (our_user_id.empty() || std::holds_alternative<member>(event)) return false;
    return sender_of(event) == our_user_id;
}

std::string_view localpart(std::string_view user_id) {
    const auto colon = user_id.find(':');
    if (colon == std::string_view::npos) return user_id;
    const std::size_t start = user_id.starts_with('@') ? 1 : 0;
    return user_id.substr(start, colon - start);
}

std::string_view server_name(std::string_view user_id) {
    const auto colon = user_id.find(':');
    return colon == std::string_view::npos ? std::string_view{} : user_id.substr(colon + 1);
}

model::person to_person(std::string_view user_id) {
    return {std::string(platform), std::string(user_id), std::string(localpart(user_id))};
}

model::source_key message_key(std::string_view room, std::string_view event_id) {
    return {std::string(platform), std::string(room), std::string(event_id), 0};
}

inbound_message to_inbound_message(const text_message& message, std::string_view platform_name) {
    inbound_message m;
    m.author = to_person(message.sender);
    m.author.platform = std::string(platform_name);
    m.source = message_key(message.room, message.event_id);
    m.source.platform = std::string(platform_name);
    m.text = message.body;
    m.sent_at = message.origin_server_ts;
    return m;
}

message_change to_message_change(const edit& e) {
    message_change c;
    c.message = message_key(e.room, e.target);
    c.by = to_person(e.sender);
    c.new_text = e.new_body;
    c.change_id = e.event_id;
    c.at = e.origin_server_ts;
    return c;
}

message_change to_message_change(const redaction& r) {
    message_change c;
    c.message = message_key(r.room, r.redacts);
    c.by = to_person(r.sender);
    c.deleted = true;
    c.change_id = r.event_id;
    c.at = r.origin_server_ts;
    return c;
}

std::optional<std::string> addressed_text(const text_message& message, std::string_view our_user_id,
                                          std::string_view our_display_name,
                                          std::string_view prefix) {
    if (message.kind != msgtype::text) return std::nullopt;
    const std::string_view body = trim_left(message.body);
    const auto command = [prefix](std::string_view rest) {
        rest = trim_left(rest);
        return rest.starts_with(prefix) ? std::string(rest)
                                        : std::string(prefix) + std::string(rest);
    };
    if (!prefix.empty() && body.starts_with(prefix)) return std::string(body);
    // Longest first, so "Scribe Bot: x" loses its whole name and not just "Scribe".
    std::array<std::string_view, 3> names = {our_display_name, localpart(our_user_id), our_user_id};
    std::sort(names.begin(), names.end(),
              [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
    for (const std::string_view name : names) {
        if (name.empty() || body.size() <= name.size()) continue;
        if (!detail::iequal_ascii(body.substr(0, name.size()), name)) continue;
        const char next = body[name.size()];
        if (next == ':' || next == ' ') return command(body.substr(name.size() + 1));
    }
    const bool mentioned = !our_user_id.empty() &&
                           std::find(message.mentioned_users.begin(), message.mentioned_users.end(),
                                     our_user_id) != message.mentioned_users.end();
    if (mentioned) return command(body);
    return std::nullopt;
}

bool is_pin(const reaction& r, std::string_view pin_key) {
    constexpr std::string_view variation_selector = "\xEF\xB8\x8F";
    const auto bare = [&](std::string_view key) {
        return key.ends_with(variation_selector) ? key.substr(0, key.size() - 3) : key;
    };
    return !pin_key.empty() && bare(r.key) == bare(pin_key);
}

pin_request to_pin_request(const reaction& r, const text_message& target) {
    pin_request p;
    p.pinned = to_inbound_message(target);
    p.pinned_by = to_person(r.sender);
    p.permalink = permalink(target.room, target.event_id);
    p.event_id = r.event_id;
    return p;
}

pin_request to_unpin_request(const redaction& r, const reaction_index::entry& pin) {
    pin_request p;
    p.pinned.source = message_key(pin.room, pin.target);
    p.pinned_by = to_person(r.sender);
    p.permalink = permalink(pin.room, pin.target);
    p.event_id = r.event_id;
    return p;
}

reaction_index::reaction_index(std::size_t capacity) : entries_(capacity) {}

void reaction_index::remember(const reaction& r) {
    entries_.insert_or_assign(r.event_id, entry{r.room, r.target, r.key});
}

const reaction_index::entry* reaction_index::find(std::string_view reaction_event_id) const {
    return entries_.find(std::string(reaction_event_id));
}

void reaction_index::forget(std::string_view reaction_event_id) {
    entries_.erase(std::string(reaction_event_id));
}

std::string_view to_string(msgtype kind) {
    switch (kind) {
        case msgtype::text:
            return "m.text";
        case msgtype::notice:
            return "m.notice";
        case msgtype::emote:
            return "m.emote";
    }
    return "m.text";
}

std::string_view to_string(membership state) {
    switch (state) {
        case membership::invite:
            return "invite";
        case membership::join:
            return "join";
        case membership::leave:
            return "leave";
        case membership::ban:
            return "ban";
        case membership::knock:
            return "knock";
        case membership::other:
            return "other";
    }
    return "other";
}

}  // namespace scribe::adapters::matrix
