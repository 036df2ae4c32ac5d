// The fake Matrix homeserver's client-server API: routing, auth, faults, /sync long-polls.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "tests/fakes/fake_matrix_impl.hpp"
#include "tests/fakes/http_forms.hpp"

namespace scribe::fakes {

using json = nlohmann::json;

namespace {

// Percent-decoding for path segments, where '+' is a plain '+'.
std::string path_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() &&
            std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    while (!path.empty()) {
        if (path.front() == '/') path.remove_prefix(1);
        const auto slash = path.find('/');
        out.push_back(path_decode(path.substr(0, slash)));
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
    }
    return out;
}

bool starts_with(const std::vector<std::string>& segments,
                 const std::vector<std::string_view>& prefix) {
    if (segments.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (segments[i] != prefix[i]) return false;
    }
    return true;
}

std::optional<std::int64_t> parse_number(std::string_view text) {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || value < 0) return std::nullopt;
    return value;
}

// Our stream tokens: "s<room pos>_<account pos>_<serial>" (next_batch) and "t<room pos>"
// (prev_batch, end). Opaque to clients; either names the room stream position it was made at.
std::optional<std::int64_t> parse_token(std::string_view token) {
    if (token.size() < 2 || (token.front() != 's' && token.front() != 't')) return std::nullopt;
    token.remove_prefix(1);
    return parse_number(token.substr(0, token.find('_')));
}

// The account stream position of a next_batch token.
std::optional<std::int64_t> parse_account_position(std::string_view token) {
    if (!token.starts_with('s')) return std::nullopt;
    const auto first = token.find('_');
    if (first == std::string_view::npos) return std::nullopt;
    token.remove_prefix(first + 1);
    return parse_number(token.substr(0, token.find('_')));
}

std::string position_token(std::int64_t pos) { return "t" + std::to_string(pos); }

bool type_matches(const std::string& pattern, const std::string& type) {
    if (!pattern.empty() && pattern.back() == '*') {
        return type.starts_with(std::string_view(pattern).substr(0, pattern.size() - 1));
    }
    return pattern == type;
}

std::vector<std::string> string_list(const json& object, const char* key) {
    std::vector<std::string> out;
    const auto it = object.find(key);
    if (it == object.end() || !it->is_array()) return out;
    for (const auto& item : *it) {
        if (item.is_string()) out.push_back(item.get<std::string>());
    }
    return out;
}

std::string string_field(const json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json stripped(const json& event) {
    json out = json::object();
    out["type"] = event["type"];
    out["state_key"] = event["state_key"];
    out["sender"] = event["sender"];
    out["content"] = event["content"];
    return out;
}

json events_object(json events) {
    json out = json::object();
    out["events"] = std::move(events);
    return out;
}

}  // namespace

// --- filters -------------------------------------------------------------------------------------

event_filter event_filter::from_json(const json& filter) {
    event_filter out;
    if (!filter.is_object()) return out;
    if (const auto it = filter.find("limit"); it != filter.end() && it->is_number_unsigned()) {
        out.limit = it->get<std::size_t>();
    }
    if (filter.contains("types")) out.types = string_list(filter, "types");
    out.not_types = string_list(filter, "not_types");
    if (filter.contains("senders")) out.senders = string_list(filter, "senders");
    out.not_senders = string_list(filter, "not_senders");
    return out;
}

bool event_filter::accepts(const json& event) const {
    const auto type = string_field(event, "type");
    const auto sender = string_field(event, "sender");
    auto match = [&type](const std::string& pattern) { return type_matches(pattern, type); };
    if (types && std::none_of(types->begin(), types->end(), match)) return false;
    if (std::any_of(not_types.begin(), not_types.end(), match)) return false;
    if (senders && std::find(senders->begin(), senders->end(), sender) == senders->end()) {
        return false;
    }
    return std::find(not_senders.begin(), not_senders.end(), sender) == not_senders.end();
}

std::optional<event_filter> fake_matrix::impl::resolve_filter(const std::string& user_id,
                                                              const std::string& filter_param) {
    if (filter_param.empty()) return event_filter{};
    json filter;
    if (filter_param.front() == '{') {
        filter = json::parse(filter_param, nullptr, false);
        if (!filter.is_object()) return std::nullopt;
    } else {
        const auto index = parse_number(filter_param);
        const auto& stored = filters_[user_id];
        if (!index || static_cast<std::size_t>(*index) >= stored.size()) return std::nullopt;
        filter = stored[static_cast<std::size_t>(*index)];
    }
    const auto room = filter.find("room");
    if (room == filter.end() || !room->is_object() || !room->contains("timeline")) {
        return event_filter{};
    }
    return event_filter::from_json((*room)["timeline"]);
}

// --- transport -----------------------------------------------------------------------------------

http_response fake_matrix::impl::to_http(const matrix_reply& reply) const {
    http_response response;
    response.status = reply.status;
    response.headers = reply.headers;
    if (reply.raw) {
        response.content_type = reply.raw_content_type;
        response.body = *reply.raw;
    } else {
        response.content_type = "application/json";
        response.body = dump_matrix_json(reply.body);
    }
    return response;
}

std::size_t fake_matrix::impl::record(const request_context& context, unsigned status,
                                      const std::string& errcode, const std::string& fault) {
    matrix_request entry;
    entry.method = context.request.method;
    entry.path = context.request.path;
    std::string query;
    for (const auto& [name, value] : parse_form(context.request.query)) {
        if (!query.empty()) query += '&';
        query +=
            url_encode(name) + "=" + (name == "access_token" ? "<redacted>" : url_encode(value));
    }
    entry.query = std::move(query);
    entry.auth = context.auth;
    if (context.session) entry.user_id = context.session->user_id;
    entry.status = status;
    entry.errcode = errcode;
    entry.fault = fault;
    entry.at = std::chrono::system_clock::now();
    requests_.push_back(std::move(entry));
    return requests_.size() - 1;
}

void fake_matrix::impl::complete_record(std::size_t index, const matrix_reply* reply,
                                        const std::string& fault) {
    auto& entry = requests_.at(index);
    entry.status = reply != nullptr ? reply->status : 0;
    if (reply != nullptr && reply->status >= 400 && !reply->raw) {
        entry.errcode = string_field(reply->body, "errcode");
    }
    if (!fault.empty()) entry.fault = fault;
    log(entry.method + " " + entry.path + " " + std::to_string(entry.status) +
        (entry.errcode.empty() ? "" : " " + entry.errcode));
}

void fake_matrix::impl::on_http_request(const http_request& request,
                                        const http_responder& respond) {
    ++stats_.requests;
    request_context context;
    context.request = request;
    for (auto& [name, value] : parse_form(request.query)) context.query[name] = std::move(value);
    context.segments = split_path(request.path);
    const auto authorization = request.header("authorization");
    if (authorization.size() > 7 &&
        std::equal(authorization.begin(), authorization.begin() + 7, "bearer ", [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
        context.token = authorization.substr(7);
        context.auth = "header";
    } else if (options_.accept_query_access_token && context.query.contains("access_token")) {
        context.token = context.query["access_token"];
        context.auth = "query";
    }

    // Injected faults answer before the homeserver looks at the request, as a proxy would.
    bool lose_response = false;
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if (!request.path.starts_with(it->prefix)) continue;
        if (it->kind == fault_kind::lose_response && request.path.ends_with("/sync")) continue;
        const auto fault = *it;
        if (--it->remaining <= 0) faults_.erase(it);
        if (fault.kind == fault_kind::lose_response) {
            lose_response = true;
            break;
        }
        matrix_reply reply;
        std::string name;
        if (fault.kind == fault_kind::rate_limit) {
            ++stats_.rate_limited;
            name = "rate_limit";
            reply = matrix_error(429, "M_LIMIT_EXCEEDED", "Too many requests");
            const auto ms = fault.retry_after.count();
            if (fault.style != retry_after_style::header) reply.body["retry_after_ms"] = ms;
            if (fault.style != retry_after_style::body) {
                reply.headers.emplace_back("Retry-After", std::to_string((ms + 999) / 1000));
            }
        } else {
            ++stats_.http_errors;
            name = "http_status";
            reply = matrix_error(fault.status, "M_UNKNOWN", "Internal server error");
        }
        record(context, reply.status, string_field(reply.body, "errcode"), name);
        respond(to_http(reply));
        return;
    }

    bool deferred = false;
    const matrix_reply reply = route(context, deferred, respond);
    if (deferred) return;  // the /sync long-poll records and answers itself
    if (lose_response) {
        ++stats_.lost_responses;
        const auto index = record(context, 0, {}, "lose_response");
        complete_record(index, nullptr, "lose_response");
        http_response drop;
        drop.drop = true;
        respond(std::move(drop));
        return;
    }
    const auto index = record(context, reply.status, {}, {});
    complete_record(index, &reply, {});
    respond(to_http(reply));
}

std::optional<matrix_reply> fake_matrix::impl::authenticate(request_context& context) {
    if (!context.token) {
        ++stats_.missing_token;
        return matrix_error(401, "M_MISSING_TOKEN", "Missing access token");
    }
    const auto it = tokens_.find(*context.token);
    if (it == tokens_.end()) {
        ++stats_.unknown_token;
        auto reply = matrix_error(401, "M_UNKNOWN_TOKEN", "Unknown access token");
        reply.body["soft_logout"] = options_.soft_logout;
        return reply;
    }
    context.session = it->second;
    context.txn_key = options_.transaction_scope == txn_scope::device
                          ? "device:" + it->second.user_id + "|" + it->second.device_id
                          : "token:" + *context.token;
    return std::nullopt;
}

std::optional<matrix_reply> parse_object(const std::string& body, json& out, bool allow_empty) {
    if (allow_empty && body.empty()) {
        out = json::object();
        return std::nullopt;
    }
    out = json::parse(body, nullptr, false);
    if (out.is_discarded()) return matrix_error(400, "M_NOT_JSON", "Content not JSON.");
    if (!out.is_object()) return matrix_error(400, "M_BAD_JSON", "Content must be a JSON object.");
    return std::nullopt;
}

matrix_reply fake_matrix::impl::route(request_context& context, bool& deferred,
                                      const http_responder& respond) {
    const auto& s = context.segments;
    const auto& method = context.request.method;
    // Which methods the path takes, whether it needs a token, and what it does.
    std::vector<std::string_view> methods;
    enum class auth_need { none, optional, required } need = auth_need::required;
    std::function<matrix_reply()> run;

    if (s.size() == 3 && starts_with(s, {"_matrix", "client", "versions"})) {
        methods = {"GET"};
        need = auth_need::optional;
        run = [this] {
            matrix_reply reply;
            reply.body["versions"] = options_.versions;
            reply.body["unstable_features"] = json::object();
            return reply;
        };
    } else if (starts_with(s, {"_matrix", "client", "v3"})) {
        const std::vector<std::string> r(s.begin() + 3, s.end());
        const auto n = r.size();
        if (n == 1 && r[0] == "login") {
            methods = {"GET", "POST"};
            need = auth_need::none;
            run = [this, &context, &method] {
                if (method == "POST") return handle_login(context);
                matrix_reply reply;
                json flow = json::object();
                flow["type"] = "m.login.password";
                reply.body["flows"] = json::array({flow});
                return reply;
            };
        } else if (n == 1 && r[0] == "logout") {
            methods = {"POST"};
            run = [this, &context] {
                // Logging out deletes the device, and its keys with it.
                const auto session = *context.session;
                tokens_.erase(*context.token);
                remove_device(session.user_id, session.device_id);
                return matrix_reply{};
            };
        } else if (n == 2 && r[0] == "account" && r[1] == "whoami") {
            methods = {"GET"};
            run = [&context] {
                matrix_reply reply;
                reply.body["user_id"] = context.session->user_id;
                reply.body["device_id"] = context.session->device_id;
                reply.body["is_guest"] = false;
                return reply;
            };
        } else if (n == 3 && r[0] == "user" && r[2] == "filter") {
            methods = {"POST"};
            run = [this, &context, user = r[1]] { return handle_filter_upload(context, user); };
        } else if (n == 4 && r[0] == "user" && r[2] == "filter") {
            methods = {"GET"};
            run = [this, &context, user = r[1], id = r[3]] {
                return handle_filter_get(context, user, id);
            };
        } else if (n == 1 && r[0] == "sync") {
            methods = {"GET"};
            run = [this, &context, &deferred, &respond] {
                return handle_sync(context, deferred, respond);
            };
        } else if (n == 2 && r[0] == "join") {
            methods = {"POST"};
            run = [this, &context, room = r[1]] { return handle_join(context, room); };
        } else if (n == 1 && r[0] == "joined_rooms") {
            methods = {"GET"};
            run = [this, &context] {
                json rooms = json::array();
                for (const auto& [id, room] : rooms_) {
                    if (membership_of(id, context.session->user_id) == "join") rooms.push_back(id);
                }
                matrix_reply reply;
                reply.body["joined_rooms"] = std::move(rooms);
                return reply;
            };
        } else if (n == 1 && r[0] == "createRoom") {
            methods = {"POST"};
            run = [this, &context] { return handle_create_room(context); };
        } else if (n == 2 && r[0] == "profile") {
            methods = {"GET"};
            need = auth_need::optional;
            run = [this, &context, user = r[1]] { return handle_profile(context, user, false); };
        } else if (n == 3 && r[0] == "profile" && r[2] == "displayname") {
            methods = {"GET", "PUT"};
            need = method == "PUT" ? auth_need::required : auth_need::optional;
            run = [this, &context, &method, user = r[1]] {
                if (method == "PUT") return handle_set_displayname(context, user);
                return handle_profile(context, user, true);
            };
        } else if (n == 1 && r[0] == "capabilities") {
            methods = {"GET"};
            run = [this] {
                matrix_reply reply;
                auto& capabilities = reply.body["capabilities"];
                capabilities["m.change_password"]["enabled"] = false;
                capabilities["m.room_versions"]["default"] = options_.default_room_version;
                for (int version = 1; version <= 11; ++version) {
                    capabilities["m.room_versions"]["available"][std::to_string(version)] =
                        "stable";
                }
                return reply;
            };
        } else if ((n == 1 || (n == 2 && r[1].empty())) && r[0] == "pushrules") {
            methods = {"GET"};
            // No rules of the server's own: clients fill in the spec's defaults.
            run = [] {
                matrix_reply reply;
                for (const char* kind : {"override", "content", "room", "sender", "underride"}) {
                    reply.body["global"][kind] = json::array();
                }
                return reply;
            };
        } else if (n == 2 && r[0] == "room_keys" && r[1] == "version") {
            methods = {"GET"};
            // Key backup is not kept: the answer of a server where nobody made a backup.
            run = [] { return matrix_error(404, "M_NOT_FOUND", "No current backup version"); };
        } else if (n == 2 && r[0] == "keys" &&
                   (r[1] == "upload" || r[1] == "query" || r[1] == "claim")) {
            methods = {"POST"};
            run = [this, &context, what = r[1]] {
                if (what == "upload") return handle_keys_upload(context);
                if (what == "query") return handle_keys_query(context);
                return handle_keys_claim(context);
            };
        } else if (n == 3 && r[0] == "sendToDevice") {
            methods = {"PUT"};
            run = [this, &context, type = r[1], txn = r[2]] {
                return handle_send_to_device(context, type, txn);
            };
        } else if (n == 4 && r[0] == "user" && r[2] == "account_data") {
            methods = {"GET", "PUT"};
            run = [this, &context, user = r[1], type = r[3]] {
                return handle_account_data(context, user, type);
            };
        } else if (n >= 3 && r[0] == "rooms") {
            const auto& room = r[1];
            const auto& what = r[2];
            if (n == 3 && what == "join") {
                methods = {"POST"};
                run = [this, &context, room] { return handle_join(context, room); };
            } else if (n == 3 && what == "leave") {
                methods = {"POST"};
                run = [this, &context, room] { return handle_leave(context, room); };
            } else if (n == 3 && what == "invite") {
                methods = {"POST"};
                run = [this, &context, room] { return handle_invite(context, room); };
            } else if (n == 5 && what == "send") {
                methods = {"PUT"};
                run = [this, &context, room, type = r[3], txn = r[4]] {
                    return handle_send(context, room, type, txn);
                };
            } else if (n == 5 && what == "redact") {
                methods = {"PUT"};
                run = [this, &context, room, event = r[3], txn = r[4]] {
                    return handle_redact(context, room, event, txn);
                };
            } else if (n == 3 && what == "messages") {
                methods = {"GET"};
                run = [this, &context, room] { return handle_messages(context, room); };
            } else if (n == 4 && what == "event") {
                methods = {"GET"};
                run = [this, &context, room, event = r[3]] {
                    return handle_get_event(context, room, event);
                };
            } else if (n <= 5 && what == "state") {
                methods = {"GET"};
                if (n >= 4) methods.push_back("PUT");
                run = [this, &context, &method, room,
                       rest = std::vector<std::string>(r.begin() + 3, r.end())] {
                    if (method == "PUT") {
                        return handle_state_put(context, room, rest[0],
                                                rest.size() > 1 ? rest[1] : std::string());
                    }
                    return handle_state(context, room, rest);
                };
            } else if (n == 3 && what == "members") {
                methods = {"GET"};
                run = [this, &context, room] { return handle_members(context, room); };
            } else if (n == 3 && what == "joined_members") {
                methods = {"GET"};
                run = [this, &context, room] { return handle_joined_members(context, room); };
            }
        }
    } else if (s.size() == 4 && starts_with(s, {"_matrix", "media", "v3", "upload"})) {
        methods = {"POST"};
        run = [this, &context] { return handle_upload(context); };
    } else if ((s.size() == 7 || s.size() == 8) &&
               starts_with(s, {"_matrix", "client", "v1", "media", "download"})) {
        methods = {"GET"};
        run = [this, server = s[5], id = s[6]] { return handle_download(server, id); };
    } else if ((s.size() == 6 || s.size() == 7) &&
               starts_with(s, {"_matrix", "media", "v3", "download"})) {
        // Deprecated since v1.11 (authenticated media) and unauthenticated.
        methods = {"GET"};
        need = auth_need::none;
        run = [this, server = s[4], id = s[5]] { return handle_download(server, id); };
    } else if ((s.size() == 5 && starts_with(s, {"_matrix", "client", "v1", "media", "config"})) ||
               (s.size() == 4 && starts_with(s, {"_matrix", "media", "v3", "config"}))) {
        methods = {"GET"};
        run = [this] {
            matrix_reply reply;
            reply.body["m.upload.size"] = options_.max_upload_size;
            return reply;
        };
    }

    if (!run) return matrix_error(404, "M_UNRECOGNIZED", "Unrecognized request");
    if (std::find(methods.begin(), methods.end(), method) == methods.end()) {
        return matrix_error(405, "M_UNRECOGNIZED", "Unrecognized request");
    }
    // An optional token is still checked when one is sent, as Synapse does.
    if (need == auth_need::required || (need == auth_need::optional && context.token)) {
        if (auto failure = authenticate(context)) return std::move(*failure);
    }
    return run();
}

// --- account -------------------------------------------------------------------------------------

matrix_reply fake_matrix::impl::handle_login(request_context& context) {
    json body;
    if (auto failure = parse_object(context.request.body, body)) return std::move(*failure);
    if (string_field(body, "type") != "m.login.password") {
        return matrix_error(400, "M_UNKNOWN", "Bad login type.");
    }
    std::string user;
    if (const auto id = body.find("identifier"); id != body.end() && id->is_object()) {
        if (string_field(*id, "type") != "m.id.user") {
            return matrix_error(400, "M_UNKNOWN", "Unknown login identifier type");
        }
        user = string_field(*id, "user");
    } else {
        user = string_field(body, "user");  // deprecated, still accepted
    }
    if (user.empty()) return matrix_error(400, "M_MISSING_PARAM", "Missing user");
    const auto user_id = user.starts_with('@') ? user : make_user_id(user);
    const auto password = string_field(body, "password");
    const auto it = users_.find(user_id);
    if (it == users_.end() || it->second.password.empty() || it->second.password != password) {
        return matrix_error(403, "M_FORBIDDEN", "Invalid username or password");
    }
    auto device = string_field(body, "device_id");
    if (device.empty()) device = "FAKEDEV" + std::to_string(++next_device_);
    const auto token = "syt_" + random_string(32, false);
    tokens_[token] = token_state{user_id, device};
    add_device(user_id, device, string_field(body, "initial_device_display_name"));
    matrix_reply reply;
    reply.body["user_id"] = user_id;
    reply.body["access_token"] = token;
    reply.body["device_id"] = device;
    reply.body["home_server"] = options_.server_name;  // deprecated, still sent by Synapse
    reply.body["well_known"]["m.homeserver"]["base_url"] =
        "https://127.0.0.1:" + std::to_string(port_) + "/";
    return reply;
}

matrix_reply fake_matrix::impl::handle_filter_upload(request_context& context,
                                                     const std::string& user_id) {
    if (user_id != context.session->user_id) {
        return matrix_error(403, "M_FORBIDDEN", "Cannot create filters for other users");
    }
    json body;
    if (auto failure = parse_object(context.request.body, body)) return std::move(*failure);
    auto& stored = filters_[user_id];
    stored.push_back(std::move(body));
    matrix_reply reply;
    reply.body["filter_id"] = std::to_string(stored.size() - 1);
    return reply;
}

matrix_reply fake_matrix::impl::handle_filter_get(request_context& context,
                                                  const std::string& user_id,
                                                  const std::string& filter_id) {
    if (user_id != context.session->user_id) {
        return matrix_error(403, "M_FORBIDDEN", "Cannot get filters for other users");
    }
    const auto index = parse_number(filter_id);
    const auto& stored = filters_[user_id];
    if (!index || static_cast<std::size_t>(*index) >= stored.size()) {
        return matrix_error(404, "M_NOT_FOUND", "No such filter");
    }
    matrix_reply reply;
    reply.body = stored[static_cast<std::size_t>(*index)];
    return reply;
}

matrix_reply fake_matrix::impl::handle_profile(request_context&, const std::string& user_id,
                                               bool displayname_only) {
    const auto it = users_.find(user_id);
    if (it == users_.end()) return matrix_error(404, "M_NOT_FOUND", "Profile was not found");
    matrix_reply reply;
    reply.body["displayname"] = it->second.display_name;
    if (!displayname_only) reply.body["avatar_url"] = nullptr;
    return reply;
}

matrix_reply fake_matrix::impl::handle_set_displayname(request_context& context,
                                                       const std::string& user_id) {
    if (user_id != context.session->user_id) {
        return matrix_error(403, "M_FORBIDDEN", "Cannot set another user's displayname");
    }
    json body;
    if (auto failure = parse_object(context.request.body, body)) return std::move(*failure);
    if (!body.contains("displayname") || !body["displayname"].is_string()) {
        return matrix_error(400, "M_BAD_JSON", "displayname must be a string");
    }
    set_display_name(user_id, body["displayname"].get<std::string>());
    return matrix_reply{};
}

// --- membership ----------------------------------------------------------------------------------

matrix_reply fake_matrix::impl::handle_join(request_context& context,
                                            const std::string& room_id_or_alias) {
    json body;
    // Synapse takes an empty body here, though the spec asks for {}.
    if (auto failure = parse_object(context.request.body, body, true)) return std::move(*failure);
    auto* room = find_room(room_id_or_alias);
    if (room == nullptr) return matrix_error(404, "M_NOT_FOUND", "No known servers");
    const auto& user = context.session->user_id;
    const auto current = membership_of(room->room_id, user);
    if (current == "ban") return matrix_error(403, "M_FORBIDDEN", "You are banned from this room");
    if (current != "join") {
        if (current != "invite" && room->join_rule != "public") {
            return matrix_error(403, "M_FORBIDDEN", "You are not invited to this room.");
        }
        change_membership(room->room_id, user, user, "join", string_field(body, "reason"));
    }
    membership_changes_.push_back({room->room_id, user, user, "join"});
    matrix_reply reply;
    reply.body["room_id"] = room->room_id;
    return reply;
}

matrix_reply fake_matrix::impl::handle_leave(request_context& context, const std::string& room_id) {
    json body;
    if (auto failure = parse_object(context.request.body, body, true)) return std::move(*failure);
    if (find_room(room_id) == nullptr) return matrix_error(404, "M_NOT_FOUND", "Unknown room");
    const auto& user = context.session->user_id;
    const auto current = membership_of(room_id, user);
    if (current == "join" || current == "invite") {
        change_membership(room_id, user, user, "leave", string_field(body, "reason"));
    } else if (current != "leave") {
        return matrix_error(403, "M_FORBIDDEN", "User " + user + " not in room " + room_id);
    }
    membership_changes_.push_back({room_id, user, user, "leave"});
    return matrix_reply{};
}

matrix_reply fake_matrix::impl::handle_invite(request_context& context,
                                              const std::string& room_id) {
    json body;
    if (auto failure = parse_object(context.request.body, body)) return std::move(*failure);
    const auto target = string_field(body, "user_id");
    if (target.empty()) return matrix_error(400, "M_MISSING_PARAM", "Missing user_id");
    const auto& user = context.session->user_id;
    if (find_room(room_id) == nullptr || membership_of(room_id, user) != "join") {
        return matrix_error(403, "M_FORBIDDEN", "User " + user + " not in room " + room_id);
    }
    if (!users_.contains(target)) return matrix_error(404, "M_NOT_FOUND", "Unknown user");
    const auto current = membership_of(room_id, target);
    if (current == "join") {
        return matrix_error(403, "M_FORBIDDEN", target + " is already in the room.");
    }
    if (current == "ban") return matrix_error(403, "M_FORBIDDEN", target + " is banned.");
    if (current != "invite") {
        change_membership(room_id, user, target, "invite", string_field(body, "reason"));
    }
    membership_changes_.push_back({room_id, target, user, "invite"});
    return matrix_reply{};
}

matrix_reply fake_matrix::impl::handle_create_room(request_context& context) {
    json body;
    if (auto failure = parse_object(context.request.body, body)) return std::move(*failure);
    matrix_room_spec spec;
    spec.creator = context.session->user_id;
    spec.name = string_field(body, "name");
    spec.topic = string_field(body, "topic");
    spec.alias_localpart = string_field(body, "room_alias_name");
    spec.room_version = string_field(body, "room_version");
    spec.is_public =
        string_field(body, "preset") == "public_chat" ||
        (string_field(body, "preset").empty() && string_field(body, "visibility") == "public");
    spec.invited = string_list(body, "invite");
    if (const auto it = body.find("initial_state"); it != body.end()) {
        if (!it->is_array()) return matrix_error(400, "M_BAD_JSON", "initial_state must be a list");
        for (const auto& event : *it) {
            if (!event.is_object() || !event.contains("type") || !event["type"].is_string() ||
                !event.contains("content") || !event["content"].is_object() ||
                (event.contains("state_key") && !event["state_key"].is_string())) {
                return matrix_error(400, "M_BAD_JSON", "Invalid initial_state event");
            }
            if (event["type"] == "m.room.member") {
                return matrix_error(400, "M_BAD_JSON", "initial_state cannot set membership");
            }
            spec.initial_state.push_back(event);
        }
    }
    if (!spec.room_version.empty()) {
        const auto version = parse_number(spec.room_version);
        if (!version || *version < 1 || *version > 11) {
            return matrix_error(400, "M_UNSUPPORTED_ROOM_VERSION", "Unsupported room version");
        }
    }
    for (const auto& user : spec.invited) {
        if (!users_.contains(user)) return matrix_error(404, "M_NOT_FOUND", "Unknown user " + user);
    }
    if (!spec.alias_localpart.empty() &&
        find_room("#" + spec.alias_localpart + ":" + options_.server_name) != nullptr) {
        return matrix_error(400, "M_ROOM_IN_USE", "Room alias already taken");
    }
    const auto room_id = create_room(spec);
    membership_changes_.push_back({room_id, spec.creator, spec.creator, "join"});
    for (const auto& user : spec.invited) {
        membership_changes_.push_back({room_id, user, spec.creator, "invite"});
    }
    matrix_reply reply;
    reply.body["room_id"] = room_id;
    return reply;
}

// --- room events ---------------------------------------------------------------------------------

matrix_reply fake_matrix::impl::handle_send(request_context& context, const std::string& room_id,
                                            const std::string& type, const std::string& txn_id) {
    const auto& user = context.session->user_id;
    // A retransmission is the same transaction ID on the same path from the same scope.
    const auto key = context.txn_key + " " + context.request.path;
    if (const auto it = transactions_.find(key); it != transactions_.end()) {
        ++stats_.txn_replays;
        return it->second;
    }
    json content;
    if (auto failure = parse_object(context.request.body, content)) return std::move(*failure);
    if (find_room(room_id) == nullptr || membership_of(room_id, user) != "join") {
        return matrix_error(403, "M_FORBIDDEN", "User " + user + " not in room " + room_id);
    }
    if (type == "m.reaction" && duplicate_annotation(room_id, user, content)) {
        return matrix_error(400, "M_DUPLICATE_ANNOTATION", "Can't send same reaction twice");
    }
    std::string event_id;
    if (type == "m.room.redaction") {
        // Allowed through /send since v1.18, with content.redacts.
        const auto target = string_field(content, "redacts");
        if (target.empty()) return matrix_error(400, "M_BAD_JSON", "Missing content.redacts");
        event_id =
            redact(room_id, user, target, string_field(content, "reason"), context.txn_key, txn_id)
                .event["event_id"]
                .get<std::string>();
    } else {
        event_id = append(room_id, user, type, content, std::nullopt, context.txn_key, txn_id)
                       .event["event_id"]
                       .get<std::string>();
    }
    sent_events_.push_back({room_id, event_id, user, type, std::move(content), txn_id, "send"});
    matrix_reply reply;
    reply.body["event_id"] = event_id;
    // Only successes are kept: a retry after an error is carried out afresh.
    transactions_[key] = reply;
    return reply;
}

matrix_reply fake_matrix::impl::handle_redact(request_context& context, const std::string& room_id,
                                              const std::string& event_id,
                                              const std::string& txn_id) {
    const auto& user = context.session->user_id;
    const auto key = context.txn_key + " " + context.request.path;
    if (const auto it = transactions_.find(key); it != transactions_.end()) {
        ++stats_.txn_replays;
        return it->second;
    }
    json body;
    if (auto failure = parse_object(context.request.body, body)) return std::move(*failure);
    if (find_room(room_id) == nullptr || membership_of(room_id, user) != "join") {
        return matrix_error(403, "M_FORBIDDEN", "User " + user + " not in room " + room_id);
    }
    const auto& record =
        redact(room_id, user, event_id, string_field(body, "reason"), context.txn_key, txn_id);
    const auto redaction_id = record.event["event_id"].get<std::string>();
    sent_events_.push_back({room_id, redaction_id, user, "m.room.redaction",
                            record.event["content"], txn_id, "redact"});
    matrix_reply reply;
    reply.body["event_id"] = redaction_id;
    transactions_[key] = reply;
    return reply;
}

json fake_matrix::impl::served(const event_record& record, const std::string& device_key,
                               bool with_room_id) const {
    json event = record.event;
    if (!with_room_id) event.erase("room_id");
    auto& extra = event["unsigned"];
    extra["age"] = now_ms() - event["origin_server_ts"].get<std::int64_t>();
    if (!record.txn_id.empty() && !device_key.empty() && record.txn_key == device_key) {
        extra["transaction_id"] = record.txn_id;
    }
    return event;
}

matrix_reply fake_matrix::impl::handle_messages(request_context& context,
                                                const std::string& room_id) {
    const auto& user = context.session->user_id;
    if (find_room(room_id) == nullptr || membership_of(room_id, user) != "join") {
        return matrix_error(403, "M_FORBIDDEN", "User " + user + " not in room " + room_id);
    }
    const auto dir = context.query["dir"];
    if (dir.empty()) return matrix_error(400, "M_MISSING_PARAM", "Missing dir");
    if (dir != "b" && dir != "f") return matrix_error(400, "M_INVALID_PARAM", "dir must be b or f");
    const bool backwards = dir == "b";
    const auto head = static_cast<std::int64_t>(events_.size());
    std::int64_t from = backwards ? head : 0;
    if (const auto it = context.query.find("from"); it != context.query.end()) {
        const auto parsed = parse_token(it->second);
        if (!parsed) return matrix_error(400, "M_INVALID_PARAM", "Invalid from token");
        from = std::min(*parsed, head);
    }
    std::optional<std::int64_t> to;
    if (const auto it = context.query.find("to"); it != context.query.end()) {
        to = parse_token(it->second);
        if (!to) return matrix_error(400, "M_INVALID_PARAM", "Invalid to token");
    }
    std::size_t limit = options_.default_messages_limit;
    if (const auto it = context.query.find("limit"); it != context.query.end()) {
        const auto parsed = parse_number(it->second);
        if (!parsed) return matrix_error(400, "M_INVALID_PARAM", "Invalid limit");
        limit = std::min<std::size_t>(static_cast<std::size_t>(*parsed), 1000);
    }
    event_filter filter;
    if (const auto it = context.query.find("filter"); it != context.query.end()) {
        const auto parsed = json::parse(it->second, nullptr, false);
        if (!parsed.is_object()) return matrix_error(400, "M_INVALID_PARAM", "Invalid filter");
        filter = event_filter::from_json(parsed);
    }

    json chunk = json::array();
    std::optional<std::int64_t> end;
    // `from` names a position: backwards pages include it, forwards pages start after it.
    for (std::int64_t pos = backwards ? from : from + 1; backwards ? pos >= 1 : pos <= head;
         pos += backwards ? -1 : 1) {
        if (to && (backwards ? pos <= *to : pos > *to)) break;
        const auto& record = events_[static_cast<std::size_t>(pos - 1)];
        if (record.room_id != room_id || !filter.accepts(record.event)) continue;
        if (chunk.size() == limit) {
            end = backwards ? pos : pos - 1;  // more remain: the next page starts there
            break;
        }
        chunk.push_back(served(record, context.txn_key, true));
    }
    matrix_reply reply;
    const auto from_it = context.query.find("from");
    reply.body["start"] = from_it != context.query.end() ? from_it->second : position_token(from);
    if (end) reply.body["end"] = position_token(*end);
    reply.body["chunk"] = std::move(chunk);
    return reply;
}

matrix_reply fake_matrix::impl::handle_get_event(request_context& context,
                                                 const std::string& room_id,
                                                 const std::string& event_id) {
    const auto& user = context.session->user_id;
    if (find_room(room_id) == nullptr || membership_of(room_id, user) != "join") {
        return matrix_error(404, "M_NOT_FOUND", "Event not found.");
    }
    const auto* record = find_event(event_id);
    if (record == nullptr || record->room_id != room_id) {
        return matrix_error(404, "M_NOT_FOUND", "Event not found.");
    }
    matrix_reply reply;
    reply.body = served(*record, context.txn_key, true);
    return reply;
}

std::vector<const fake_matrix::impl::event_record*> fake_matrix::impl::state_between(
    const std::string& room_id, std::int64_t after, std::int64_t before) const {
    std::map<std::pair<std::string, std::string>, const event_record*> latest;
    for (const auto& record : events_) {
        if (record.pos <= after || record.pos >= before) continue;
        if (record.room_id != room_id || !record.event.contains("state_key")) continue;
        latest[{record.event["type"].get<std::string>(),
                record.event["state_key"].get<std::string>()}] = &record;
    }
    std::vector<const event_record*> out;
    for (const auto& [key, record] : latest) out.push_back(record);
    std::sort(out.begin(), out.end(),
              [](const event_record* a, const event_record* b) { return a->pos < b->pos; });
    return out;
}

std::int64_t fake_matrix::impl::membership_pos(const std::string& room_id,
                                               const std::string& user_id) const {
    for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
        if (it->room_id == room_id && it->event["type"] == "m.room.member" &&
            it->event.value("state_key", "") == user_id) {
            return it->pos;
        }
    }
    return 0;
}

matrix_reply fake_matrix::impl::handle_state(request_context& context, const std::string& room_id,
                                             const std::vector<std::string>& rest) {
    const auto& user = context.session->user_id;
    if (find_room(room_id) == nullptr || membership_of(room_id, user) != "join") {
        return matrix_error(403, "M_FORBIDDEN", "User " + user + " not in room " + room_id);
    }
    const auto state = state_between(room_id, 0, static_cast<std::int64_t>(events_.size()) + 1);
    matrix_reply reply;
    if (rest.empty()) {
        reply.body = json::array();
        for (const auto* record : state)
            reply.body.push_back(served(*record, context.txn_key, true));
        return reply;
    }
    const auto state_key = rest.size() > 1 ? rest[1] : std::string();
    for (const auto* record : state) {
        if (record->event["type"] == rest[0] && record->event["state_key"] == state_key) {
            reply.body = record->event["content"];
            return reply;
        }
    }
    return matrix_error(404, "M_NOT_FOUND", "Event not found.");
}

matrix_reply fake_matrix::impl::handle_state_put(request_context& context,
                                                 const std::string& room_id,
                                                 const std::string& type,
                                                 const std::string& state_key) {
    const auto& user = context.session->user_id;
    if (find_room(room_id) == nullptr || membership_of(room_id, user) != "join") {
        return matrix_error(403, "M_FORBIDDEN", "User " + user + " not in room " + room_id);
    }
    json content;
    if (auto failure = parse_object(context.request.body, content)) return std::move(*failure);
    if (type == "m.room.member") {
        // The fake keeps membership rules in the membership endpoints only.
        return matrix_error(400, "M_BAD_JSON", "Use the membership endpoints to change membership");
    }
    matrix_reply reply;
    // As Synapse does, the same state again from the same sender makes no new event.
    for (const auto* record :
         state_between(room_id, 0, static_cast<std::int64_t>(events_.size()) + 1)) {
        const auto& event = record->event;
        if (event["type"] == type && event["state_key"] == state_key && event["sender"] == user &&
            event["content"] == content) {
            reply.body["event_id"] = event["event_id"];
            return reply;
        }
    }
    const auto event_id = append(room_id, user, type, content, state_key, context.txn_key)
                              .event["event_id"]
                              .get<std::string>();
    sent_events_.push_back({room_id, event_id, user, type, std::move(content), {}, "state"});
    reply.body["event_id"] = event_id;
    return reply;
}

matrix_reply fake_matrix::impl::handle_members(request_context& context,
                                               const std::string& room_id) {
    const auto& user = context.session->user_id;
    if (find_room(room_id) == nullptr || membership_of(room_id, user) != "join") {
        return matrix_error(403, "M_FORBIDDEN", "User " + user + " not in room " + room_id);
    }
    auto before = static_cast<std::int64_t>(events_.size()) + 1;
    if (const auto it = context.query.find("at"); it != context.query.end()) {
        const auto at = parse_token(it->second);
        if (!at) return matrix_error(400, "M_INVALID_PARAM", "Invalid at token");
        before = std::min(*at + 1, before);
    }
    const auto only = context.query["membership"];
    const auto except = context.query["not_membership"];
    json chunk = json::array();
    for (const auto* record : state_between(room_id, 0, before)) {
        if (record->event["type"] != "m.room.member") continue;
        const auto membership = string_field(record->event["content"], "membership");
        if ((!only.empty() && membership != only) || (!except.empty() && membership == except)) {
            continue;
        }
        chunk.push_back(served(*record, context.txn_key, true));
    }
    matrix_reply reply;
    reply.body["chunk"] = std::move(chunk);
    return reply;
}

matrix_reply fake_matrix::impl::handle_joined_members(request_context& context,
                                                      const std::string& room_id) {
    const auto& user = context.session->user_id;
    if (find_room(room_id) == nullptr || membership_of(room_id, user) != "join") {
        return matrix_error(403, "M_FORBIDDEN", "User " + user + " not in room " + room_id);
    }
    json joined = json::object();
    for (const auto& [member, membership] : rooms_.at(room_id).membership) {
        if (membership != "join") continue;
        json entry = json::object();
        entry["display_name"] = display_name(member);
        joined[member] = std::move(entry);
    }
    matrix_reply reply;
    reply.body["joined"] = std::move(joined);
    return reply;
}

// --- media ---------------------------------------------------------------------------------------

matrix_reply fake_matrix::impl::handle_upload(request_context& context) {
    if (context.request.body.size() > options_.max_upload_size) {
        return matrix_error(413, "M_TOO_LARGE", "Upload request body is too large");
    }
    uploaded_media media;
    media.media_id = random_string(24, false);
    media.content_uri = "mxc://" + options_.server_name + "/" + media.media_id;
    media.content = context.request.body;
    media.filename = context.query["filename"];
    media.content_type = context.request.header("content-type");
    if (media.content_type.empty()) media.content_type = "application/octet-stream";
    media.uploader = context.session->user_id;
    matrix_reply reply;
    reply.body["content_uri"] = media.content_uri;
    upload_order_.push_back(media.media_id);
    media_[media.media_id] = std::move(media);
    return reply;
}

matrix_reply fake_matrix::impl::handle_download(const std::string& server,
                                                const std::string& media_id) {
    const auto it = media_.find(media_id);
    if (server != options_.server_name || it == media_.end()) {
        return matrix_error(404, "M_NOT_FOUND", "Not found");
    }
    matrix_reply reply;
    reply.raw = it->second.content;
    reply.raw_content_type = it->second.content_type;
    if (!it->second.filename.empty()) {
        reply.headers.emplace_back("Content-Disposition",
                                   "attachment; filename=\"" + it->second.filename + "\"");
    }
    return reply;
}

// --- /sync ---------------------------------------------------------------------------------------

json fake_matrix::impl::build_sync(const pending_sync& sync, std::optional<std::size_t> keep_last,
                                   bool& has_content, bool& carried_timeline) {
    const auto& user_id = sync.user_id;
    const auto& device_key = sync.device_key;
    const auto since = sync.since;
    const auto& filter = sync.filter;
    const auto head = static_cast<std::int64_t>(events_.size());
    std::size_t limit = filter.limit.value_or(options_.default_timeline_limit);
    if (keep_last) limit = std::min(limit, *keep_last);
    json join = json::object();
    json invite = json::object();
    json leave = json::object();
    carried_timeline = false;

    // The timeline of one room between two positions, cut to the limit.
    auto timeline = [&](const std::string& room_id, std::int64_t after, std::int64_t until,
                        std::int64_t& first_pos) {
        std::vector<const event_record*> picked;
        for (const auto& record : events_) {
            if (record.pos > after && record.pos <= until && record.room_id == room_id &&
                filter.accepts(record.event)) {
                picked.push_back(&record);
            }
        }
        const bool limited = picked.size() > limit;
        if (limited)
            picked.erase(picked.begin(), picked.end() - static_cast<std::ptrdiff_t>(limit));
        first_pos = picked.empty() ? until + 1 : picked.front()->pos;
        json events = json::array();
        for (const auto* record : picked) events.push_back(served(*record, device_key, false));
        if (!picked.empty()) carried_timeline = true;
        json out = json::object();
        out["events"] = std::move(events);
        out["limited"] = limited;
        out["prev_batch"] = position_token(first_pos - 1);
        return out;
    };

    for (const auto& [room_id, room] : rooms_) {
        const auto it = room.membership.find(user_id);
        if (it == room.membership.end()) continue;
        const auto& membership = it->second;
        const auto member_pos = membership_pos(room_id, user_id);
        if (membership == "join") {
            const bool newly_joined = since == 0 || member_pos > since;
            std::int64_t first_pos = 0;
            // A room joined since the last sync comes with its recent history, as Synapse
            // serves it (history visibility "shared"): the events before the join as well.
            json line = timeline(room_id, newly_joined ? 0 : since, head, first_pos);
            if (!newly_joined && line["events"].empty()) continue;
            // State at the start of the timeline: all of it for a new room, else the gap's.
            json state = json::array();
            if (newly_joined || line["limited"].get<bool>()) {
                for (const auto* record :
                     state_between(room_id, newly_joined ? 0 : since, first_pos)) {
                    state.push_back(served(*record, device_key, false));
                }
            }
            json heroes = json::array();
            int joined = 0;
            int invited = 0;
            for (const auto& [member, state_of] : room.membership) {
                if (state_of == "join") ++joined;
                if (state_of == "invite") ++invited;
                if ((state_of == "join" || state_of == "invite") && member != user_id &&
                    heroes.size() < 5) {
                    heroes.push_back(member);
                }
            }
            json entry = json::object();
            entry["summary"]["m.heroes"] = std::move(heroes);
            entry["summary"]["m.joined_member_count"] = joined;
            entry["summary"]["m.invited_member_count"] = invited;
            entry["state"] = events_object(std::move(state));
            entry["timeline"] = std::move(line);
            entry["ephemeral"] = events_object(json::array());
            entry["account_data"] = events_object(json::array());
            entry["unread_notifications"]["highlight_count"] = 0;
            entry["unread_notifications"]["notification_count"] = 0;
            join[room_id] = std::move(entry);
        } else if (membership == "invite" && (since == 0 || member_pos > since)) {
            // Stripped state: what a client needs to show the invite, then the invite itself.
            static const std::set<std::string> shown = {
                "m.room.create", "m.room.join_rules",      "m.room.name",      "m.room.avatar",
                "m.room.topic",  "m.room.canonical_alias", "m.room.encryption"};
            json events = json::array();
            const auto& invite_event = events_[static_cast<std::size_t>(member_pos - 1)].event;
            const auto inviter = invite_event["sender"].get<std::string>();
            for (const auto* record : state_between(room_id, 0, head + 1)) {
                const auto type = record->event["type"].get<std::string>();
                const bool inviter_member =
                    type == "m.room.member" && record->event["state_key"] == inviter;
                if ((shown.contains(type) || inviter_member) && record->pos != member_pos) {
                    events.push_back(stripped(record->event));
                }
            }
            events.push_back(stripped(invite_event));
            json entry = json::object();
            entry["invite_state"] = events_object(std::move(events));
            invite[room_id] = std::move(entry);
        } else if ((membership == "leave" || membership == "ban") && since > 0 &&
                   member_pos > since) {
            std::int64_t first_pos = 0;
            json entry = json::object();
            entry["state"] = events_object(json::array());
            entry["timeline"] = timeline(room_id, since, member_pos, first_pos);
            entry["account_data"] = events_object(json::array());
            leave[room_id] = std::move(entry);
        }
    }
    has_content = !join.empty() || !invite.empty() || !leave.empty();

    // What is not a room event: this device's to-device inbox, device lists, account data.
    json to_device = json::array();
    json counts = json::object();
    json fallback_types = json::array();
    if (const auto* device = find_device(user_id, sync.device_id)) {
        for (const auto& message : device->inbox) {
            if (message.pos > sync.account_since) to_device.push_back(message.event);
        }
        counts = one_time_key_counts(*device);
        for (const auto& [algorithm, key] : device->fallback_keys) {
            if (!key.used) fallback_types.push_back(algorithm);
        }
    }
    json lists = json::object();
    lists["changed"] = json::array();
    lists["left"] = json::array();
    // An initial sync has nothing to compare with: the client queries every key it needs.
    if (sync.since > 0 || sync.account_since > 0) {
        lists = device_lists(user_id, sync.since, sync.account_since);
    }
    json account_data = json::array();
    if (const auto it = account_data_.find(user_id); it != account_data_.end()) {
        for (const auto& [type, entry] : it->second) {
            if (entry.pos <= sync.account_since) continue;
            json event = json::object();
            event["type"] = type;
            event["content"] = entry.content;
            account_data.push_back(std::move(event));
        }
    }
    has_content = has_content || !to_device.empty() || !lists["changed"].empty() ||
                  !lists["left"].empty() || !account_data.empty();

    json body = json::object();
    body["next_batch"] = "s" + std::to_string(head) + "_" + std::to_string(account_stream_) + "_" +
                         std::to_string(++sync_serial_);
    body["rooms"]["join"] = std::move(join);
    body["rooms"]["invite"] = std::move(invite);
    body["rooms"]["leave"] = std::move(leave);
    body["rooms"]["knock"] = json::object();
    body["presence"] = events_object(json::array());
    body["account_data"] = events_object(std::move(account_data));
    body["to_device"] = events_object(std::move(to_device));
    body["device_lists"] = std::move(lists);
    body["device_one_time_keys_count"] = std::move(counts);
    body["device_unused_fallback_key_types"] = std::move(fallback_types);
    return body;
}

matrix_reply fake_matrix::impl::handle_sync(request_context& context, bool& deferred,
                                            const http_responder& respond) {
    ++stats_.sync_calls;
    std::int64_t since = 0;
    std::int64_t account_since = 0;
    if (const auto it = context.query.find("since"); it != context.query.end()) {
        const auto parsed = parse_token(it->second);
        if (!parsed) return matrix_error(400, "M_INVALID_PARAM", "Invalid since token");
        since = std::min(*parsed, static_cast<std::int64_t>(events_.size()));
        account_since = std::min(parse_account_position(it->second).value_or(0), account_stream_);
    }
    std::chrono::milliseconds timeout{0};
    if (const auto it = context.query.find("timeout"); it != context.query.end()) {
        const auto parsed = parse_number(it->second);
        if (!parsed) return matrix_error(400, "M_INVALID_PARAM", "Invalid timeout");
        timeout = std::min(std::chrono::milliseconds(*parsed), options_.max_sync_timeout);
    }
    const bool full_state = context.query["full_state"] == "true";
    const auto filter = resolve_filter(context.session->user_id, context.query["filter"]);
    if (!filter) return matrix_error(400, "M_INVALID_PARAM", "Invalid filter");

    // The since token acknowledges the to-device messages the last answer carried.
    if (auto* device = find_device(context.session->user_id, context.session->device_id)) {
        while (!device->inbox.empty() && device->inbox.front().pos <= account_since) {
            device->inbox.pop_front();
        }
    }

    deferred = true;
    const auto index = record(context, 0, {}, {});
    if (drop_syncs_ > 0) {
        --drop_syncs_;
        ++stats_.dropped_syncs;
        complete_record(index, nullptr, "drop_sync");
        runtime_.schedule(std::min(timeout, options_.sync_drop_after), [respond] {
            http_response drop;
            drop.drop = true;
            respond(std::move(drop));
        });
        return {};
    }

    pending_sync sync;
    sync.token = *context.token;
    sync.user_id = context.session->user_id;
    sync.device_key = context.txn_key;
    sync.device_id = context.session->device_id;
    // Synapse answers an initial or full-state sync at once; the spec lets timeout=0 do so too.
    sync.since = full_state ? 0 : since;
    sync.account_since = account_since;
    sync.filter = *filter;
    sync.respond = respond;
    sync.record_index = index;
    bool has_content = false;
    bool carried = false;
    build_sync(sync, std::nullopt, has_content, carried);
    if (!context.query.contains("since") || full_state || timeout.count() == 0 || has_content) {
        finish_sync(sync);
        return {};
    }
    const int id = ++next_sync_;
    sync.timer = runtime_.schedule(timeout, [this, id] { answer_sync(id, true); });
    pending_syncs_.emplace(id, std::move(sync));
    return {};
}

matrix_reply fake_matrix::impl::sync_reply(pending_sync& sync, std::string& fault) {
    bool has_content = false;
    bool carried = false;
    const auto body = build_sync(sync, gap_keep_last_, has_content, carried);
    if (gap_keep_last_ && carried) {
        gap_keep_last_.reset();
        ++stats_.limited_gaps;
        fault = "limited_gap";
    }
    matrix_reply reply;
    if (malformed_syncs_ > 0) {
        --malformed_syncs_;
        ++stats_.malformed_syncs;
        fault = "malformed_sync";
        reply.raw = options_.malformed_sync_body;
        reply.raw_content_type = "application/json";
        return reply;
    }
    reply.body = body;
    return reply;
}

void fake_matrix::impl::finish_sync(pending_sync& sync) {
    if (sync.timer) sync.timer->cancel();
    std::string fault;
    matrix_reply reply;
    if (!tokens_.contains(sync.token)) {
        ++stats_.unknown_token;
        reply = matrix_error(401, "M_UNKNOWN_TOKEN", "Unknown access token");
        reply.body["soft_logout"] = options_.soft_logout;
    } else {
        reply = sync_reply(sync, fault);
    }
    complete_record(sync.record_index, &reply, fault);
    sync.respond(to_http(reply));
}

void fake_matrix::impl::answer_sync(int id, bool timed_out) {
    auto it = pending_syncs_.find(id);
    if (it == pending_syncs_.end()) return;
    auto sync = std::move(it->second);
    pending_syncs_.erase(it);
    ++(timed_out ? stats_.syncs_timed_out : stats_.syncs_woken);
    finish_sync(sync);
}

void fake_matrix::impl::post_wake() {
    if (wake_posted_ || runtime_.stopping()) return;
    wake_posted_ = true;
    // After the current handler: a scripted step that appends several events wakes /sync once.
    boost::asio::post(runtime_.io(), [this] { wake_syncs(); });
}

void fake_matrix::impl::wake_syncs() {
    wake_posted_ = false;
    std::vector<int> ready;
    for (auto& [id, sync] : pending_syncs_) {
        bool has_content = !tokens_.contains(sync.token);
        if (!has_content) {
            bool carried = false;
            build_sync(sync, std::nullopt, has_content, carried);
        }
        if (has_content) ready.push_back(id);
    }
    for (const int id : ready) answer_sync(id, false);
}

}  // namespace scribe::fakes
