// The HTTP requests the Matrix adapter makes, as values, and the bodies of their answers.
#include "adapters/matrix/requests.hpp"

#include <set>

#include "adapters/matrix/read_event.hpp"
#include "adapters/matrix/sync.hpp"
#include "adapters/matrix/uri.hpp"
#include "bot/model/text.hpp"

namespace scribe::adapters::matrix {

namespace {

using json_input::json;

constexpr std::string_view client_v3 = "/_matrix/client/v3";
constexpr std::string_view json_type = "application/json";
// Answers other than /sync and /messages are small objects.
constexpr std::size_t max_answer_bytes = 64 * 1024;

std::string room_path(std::string_view room_id) {
    return std::string(client_v3) + "/rooms/" + percent_encode(room_id);
}

request with_json(http_method method, std::string path, const json& body) {
    return {method, std::move(path), {}, json_input::to_text(body), std::string(json_type)};
}

void add_param(std::string& query, std::string_view key, std::string_view value) {
    if (!query.empty()) query += '&';
    query += key;
    query += '=';
    query += percent_encode(value);
}

json reply_relation(std::string_view in_reply_to, std::string_view thread_root) {
    json relates = json::object();
    if (!thread_root.empty()) {
        relates["rel_type"] = "m.thread";
        relates["event_id"] = thread_root;
        relates["is_falling_back"] = false;
    }
    if (!in_reply_to.empty()) relates["m.in_reply_to"] = {{"event_id", in_reply_to}};
    return relates;
}

void add_reply(json& content, std::string_view in_reply_to, std::string_view thread_root) {
    json relates = reply_relation(in_reply_to, thread_root);
    if (!relates.empty()) content["m.relates_to"] = std::move(relates);
    content["m.mentions"] = json::object();
}

}  // namespace

std::string request::target() const { return query.empty() ? path : path + "?" + query; }

std::string_view to_string(http_method method) {
    switch (method) {
        case http_method::get:
            return "GET";
        case http_method::post:
            return "POST";
        case http_method::put:
            return "PUT";
    }
    return "GET";
}

request versions() { return {http_method::get, "/_matrix/client/versions", {}, {}, {}}; }

request login_password(std::string_view user, std::string_view password,
                       std::string_view device_display_name, std::string_view device_id) {
    json body = {{"type", "m.login.password"},
                 {"identifier", {{"type", "m.id.user"}, {"user", user}}},
                 {"password", password}};
    if (!device_display_name.empty()) body["initial_device_display_name"] = device_display_name;
    if (!device_id.empty()) body["device_id"] = device_id;
    return with_json(http_method::post, std::string(client_v3) + "/login", body);
}

request whoami() {
    return {http_method::get, std::string(client_v3) + "/account/whoami", {}, {}, {}};
}

std::string sync_filter(int timeline_limit) {
    json types = json::array();
    for (const std::string_view type : event_types) types.push_back(type);
    const json none = {{"types", json::array()}};
    const json filter = {{"room",
                          {{"timeline", {{"limit", timeline_limit}, {"types", types}}},
                           {"state", {{"lazy_load_members", true}, {"types", {"m.room.member"}}}},
                           {"ephemeral", none},
                           {"account_data", none}}},
                         {"presence", none},
                         {"account_data", none},
                         {"event_format", "client"}};
    return json_input::to_text(filter);
}

request upload_filter(std::string_view user_id, int timeline_limit) {
    return {http_method::post,
            std::string(client_v3) + "/user/" + percent_encode(user_id) + "/filter",
            {},
            sync_filter(timeline_limit),
            std::string(json_type)};
}

request sync(std::string_view since, std::string_view filter, std::chrono::milliseconds timeout) {
    request r{http_method::get, std::string(client_v3) + "/sync", {}, {}, {}};
    if (!since.empty()) add_param(r.query, "since", since);
    add_param(r.query, "timeout", std::to_string(timeout.count()));
    if (!filter.empty()) add_param(r.query, "filter", filter);
    return r;
}

request join(std::string_view room_id_or_alias, const std::vector<std::string>& via) {
    request r = with_json(http_method::post,
                          std::string(client_v3) + "/join/" + percent_encode(room_id_or_alias),
                          json::object());
    for (const auto& server : via) add_param(r.query, "via", server);
    return r;
}

request leave(std::string_view room_id) {
    return with_json(http_method::post, room_path(room_id) + "/leave", json::object());
}

request send(std::string_view room_id, std::string_view event_type, std::string_view txn_id,
             std::string_view content_json) {
    return {
        http_method::put,
        room_path(room_id) + "/send/" + percent_encode(event_type) + "/" + percent_encode(txn_id),
        {},
        std::string(content_json),
        std::string(json_type)};
}

request redact(std::string_view room_id, std::string_view event_id, std::string_view txn_id,
               std::string_view reason) {
    json body = json::object();
    if (!reason.empty()) body["reason"] = reason;
    return with_json(
        http_method::put,
        room_path(room_id) + "/redact/" + percent_encode(event_id) + "/" + percent_encode(txn_id),
        body);
}

request keys_upload(std::string_view body_json) {
    return {http_method::post,
            std::string(client_v3) + "/keys/upload",
            {},
            std::string(body_json),
            std::string(json_type)};
}

request keys_query(std::string_view body_json) {
    return {http_method::post,
            std::string(client_v3) + "/keys/query",
            {},
            std::string(body_json),
            std::string(json_type)};
}

request keys_claim(std::string_view body_json) {
    return {http_method::post,
            std::string(client_v3) + "/keys/claim",
            {},
            std::string(body_json),
            std::string(json_type)};
}

request send_to_device(std::string_view event_type, std::string_view txn_id,
                       std::string_view body_json) {
    return {http_method::put,
            std::string(client_v3) + "/sendToDevice/" + percent_encode(event_type) + "/" +
                percent_encode(txn_id),
            {},
            std::string(body_json),
            std::string(json_type)};
}

request room_state(std::string_view room_id, std::string_view event_type) {
    return {http_method::get,
            room_path(room_id) + "/state/" + percent_encode(event_type) + "/",
            {},
            {},
            {}};
}

request room_members(std::string_view room_id) {
    request r{http_method::get, room_path(room_id) + "/members", {}, {}, {}};
    add_param(r.query, "not_membership", "leave");
    return r;
}

request create_room(std::string_view name, std::string_view topic,
                    const std::vector<std::string>& invite, bool encrypted) {
    json body = {{"preset", "private_chat"},
                 {"visibility", "private"},
                 {"name", name},
                 {"invite", invite},
                 {"initial_state", json::array()}};
    if (!topic.empty()) body["topic"] = topic;
    body["initial_state"].push_back({{"type", "m.room.history_visibility"},
                                     {"state_key", ""},
                                     {"content", {{"history_visibility", "invited"}}}});
    if (encrypted) {
        body["initial_state"].push_back({{"type", "m.room.encryption"},
                                         {"state_key", ""},
                                         {"content", {{"algorithm", "m.megolm.v1.aes-sha2"}}}});
    }
    return with_json(http_method::post, std::string(client_v3) + "/createRoom", body);
}

request upload(std::string_view filename, std::string_view content_type, std::string content) {
    request r{http_method::post,
              "/_matrix/media/v3/upload",
              {},
              std::move(content),
              std::string(content_type)};
    if (!filename.empty()) add_param(r.query, "filename", filename);
    return r;
}

request display_name(std::string_view user_id) {
    return {http_method::get,
            std::string(client_v3) + "/profile/" + percent_encode(user_id) + "/displayname",
            {},
            {},
            {}};
}

request get_event(std::string_view room_id, std::string_view event_id) {
    return {
        http_method::get, room_path(room_id) + "/event/" + percent_encode(event_id), {}, {}, {}};
}

request messages(std::string_view room_id, std::string_view from, std::string_view to, int limit) {
    request r{http_method::get, room_path(room_id) + "/messages", {}, {}, {}};
    add_param(r.query, "dir", "b");
    if (!from.empty()) add_param(r.query, "from", from);
    if (!to.empty()) add_param(r.query, "to", to);
    add_param(r.query, "limit", std::to_string(limit));
    json types = json::array();
    for (const std::string_view type : event_types) types.push_back(type);
    add_param(r.query, "filter",
              json_input::to_text(json{{"types", types}, {"lazy_load_members", true}}));
    return r;
}

std::optional<login_response> parse_login(std::string_view body) {
    const auto parsed = detail::read_homeserver_json(body, max_answer_bytes);
    if (!parsed.error.empty()) return std::nullopt;
    login_response r{json_input::text_at(parsed.value, "user_id"),
                     json_input::text_at(parsed.value, "access_token"),
                     json_input::text_at(parsed.value, "device_id")};
    if (r.user_id.empty()) return std::nullopt;
    return r;
}

std::optional<std::string> response_field(std::string_view body, std::string_view key) {
    const auto parsed = detail::read_homeserver_json(body, max_answer_bytes);
    const json* value = json_input::member(parsed.value, key);
    if (!parsed.error.empty() || !value || !value->is_string()) return std::nullopt;
    return value->get<std::string>();
}

std::vector<std::string> parse_room_members(std::string_view body) {
    std::set<std::string> members;
    const auto parsed = detail::read_homeserver_json(body, default_max_sync_bytes);
    if (!parsed.error.empty() || !parsed.value.is_object()) return {};
    if (const json* chunk = json_input::array_at(parsed.value, "chunk")) {
        for (const json& event : *chunk) {
            const json* content = json_input::object_at(event, "content");
            const auto membership = content ? json_input::text_at(*content, "membership") : "";
            const auto user = json_input::text_at(event, "state_key");
            if (!user.empty() && (membership == "join" || membership == "invite")) {
                members.insert(user);
            }
        }
    }
    return {members.begin(), members.end()};
}

std::vector<std::string> parse_versions(std::string_view body) {
    std::vector<std::string> out;
    const auto parsed = detail::read_homeserver_json(body, max_answer_bytes);
    if (const json* list = json_input::array_at(parsed.value, "versions")) {
        for (const json& v : *list) {
            if (v.is_string()) out.push_back(v.get<std::string>());
        }
    }
    return out;
}

// A notice's own fields: the text as body, and escaped with <br> for newlines as HTML.
json notice(std::string_view text) {
    std::string html;
    for (const char c : model::escape_entities(text)) {
        if (c == '\n') {
            html += "<br>";
        } else {
            html += c;
        }
    }
    return {{"msgtype", "m.notice"},
            {"body", text},
            {"format", "org.matrix.custom.html"},
            {"formatted_body", html}};
}

std::string notice_content(std::string_view text, std::string_view in_reply_to,
                           std::string_view thread_root) {
    json content = notice(text);
    add_reply(content, in_reply_to, thread_root);
    return json_input::to_text(content);
}

std::string replacement_content(std::string_view target, std::string_view text) {
    json content = notice(std::string("* ") + std::string(text));
    content["m.new_content"] = notice(text);
    content["m.relates_to"] = {{"rel_type", "m.replace"}, {"event_id", target}};
    content["m.mentions"] = json::object();
    return json_input::to_text(content);
}

std::string file_content(std::string_view content_uri, std::string_view filename,
                         std::string_view media_type, std::uint64_t size,
                         std::string_view in_reply_to, std::string_view thread_root,
                         std::string_view encrypted_file_json) {
    json content = {{"msgtype", "m.file"},
                    {"body", filename},
                    {"filename", filename},
                    {"info", {{"mimetype", media_type}, {"size", size}}}};
    if (encrypted_file_json.empty()) {
        content["url"] = content_uri;
    } else {
        content["file"] = json::parse(encrypted_file_json, nullptr, false);
    }
    add_reply(content, in_reply_to, thread_root);
    return json_input::to_text(content);
}

std::string annotation_content(std::string_view target, std::string_view key) {
    const json content = {
        {"m.relates_to", {{"rel_type", "m.annotation"}, {"event_id", target}, {"key", key}}}};
    return json_input::to_text(content);
}

}  // namespace scribe::adapters::matrix
