// The fake Slack's Web API: request decoding, auth, injected faults and one handler per method.
#include <algorithm>
#include <cctype>

#include "tests/fakes/fake_slack_impl.hpp"
#include "tests/fakes/http_forms.hpp"

namespace scribe::fakes {

using json = nlohmann::json;

namespace {

http_response text_response(unsigned status, std::string body) {
    http_response response;
    response.status = status;
    response.content_type = "text/plain; charset=utf-8";
    response.body = std::move(body);
    return response;
}

api_result ok(json fields = json::object()) {
    json body = json{{"ok", true}};
    body.update(fields);
    return {200, std::move(body), {}, std::nullopt};
}

api_result fail(const std::string& error) {
    return {200, json{{"ok", false}, {"error", error}}, {}, std::nullopt};
}

api_result ratelimited(int retry_after) {
    return {429, json{{"ok", false}, {"error", "ratelimited"}}, {}, retry_after};
}

// A scalar argument as text, whichever encoding it came in: forms give strings, JSON may give
// numbers or booleans.
std::string arg(const json& args, const char* name) {
    const auto it = args.find(name);
    if (it == args.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
    if (it->is_number()) return it->dump();
    return {};
}

bool flag(const json& args, const char* name) {
    const std::string value = arg(args, name);
    return value == "true" || value == "1";
}

// A structured argument: JSON in a JSON body, or a JSON string in a form field.
struct structured_arg {
    bool present = false;
    bool valid = true;
    json value;
};

structured_arg json_arg(const json& args, const char* name) {
    structured_arg out;
    const auto it = args.find(name);
    if (it == args.end() || it->is_null()) return out;
    if (it->is_string()) {
        if (it->get_ref<const std::string&>().empty()) return out;
        out.value = json::parse(it->get<std::string>(), nullptr, false);
        out.valid = !out.value.is_discarded();
    } else {
        out.value = *it;
    }
    out.present = true;
    return out;
}

// Message metadata: an event_type and an object event_payload.
bool valid_metadata(const json& metadata) {
    return metadata.is_object() && metadata.contains("event_type") &&
           metadata["event_type"].is_string() && metadata.contains("event_payload") &&
           metadata["event_payload"].is_object();
}

// A message ts ("1700000000.000100") as numbers, for ordering; nullopt when it is none.
std::optional<std::pair<long long, long long>> ts_value(const std::string& ts) {
    const auto dot = ts.find('.');
    if (ts.empty() || dot == std::string::npos) return std::nullopt;
    try {
        return std::pair(std::stoll(ts.substr(0, dot)), std::stoll(ts.substr(dot + 1)));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<std::string> channel_name_error(std::string_view name) {
    if (name.empty()) return "invalid_name_required";
    if (name.size() > 80) return "invalid_name_maxlength";
    bool has_word_character = false;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80 || std::islower(u) || std::isdigit(u)) {
            has_word_character = true;  // non-ASCII letters are allowed in channel names
        } else if (c != '-' && c != '_') {
            return "invalid_name_specials";  // upper case, spaces, periods, other punctuation
        }
    }
    if (!has_word_character) return "invalid_name_punctuation";
    return std::nullopt;
}

std::vector<std::string> split_ids(std::string_view list) {
    std::vector<std::string> ids;
    while (!list.empty()) {
        const auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) ids.emplace_back(item);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    return ids;
}

}  // namespace

// --- transport -----------------------------------------------------------------------------------

void fake_slack::impl::on_http_request(const http_request& request, const http_responder& respond) {
    if (request.path.starts_with("/api/")) {
        respond(handle_api(request, request.path.substr(5)));
    } else if (request.path.starts_with("/upload/v1/")) {
        respond(handle_upload(request));
    } else if (request.path.starts_with("/commands/")) {
        respond(handle_response_url(request));
    } else {
        respond(text_response(404, "not found"));
    }
}

http_response fake_slack::impl::to_http(const api_result& result) const {
    http_response response;
    response.status = result.status;
    if (result.body.is_null()) {
        response.content_type = "text/html; charset=utf-8";
        response.body = result.text;
    } else {
        response.body = dump_json(result.body);
        if (options_.escape_slashes) response.body = escape_slashes(response.body);
    }
    if (result.retry_after) {
        response.headers.emplace_back("Retry-After", std::to_string(*result.retry_after));
    }
    return response;
}

void fake_slack::impl::record(const http_request& request, const std::string& api_method, json args,
                              const std::string& auth, const http_response& response,
                              const std::string& error) {
    recorded_request entry;
    entry.http_method = request.method;
    entry.path = request.path;
    entry.api_method = api_method;
    entry.content_type = request.header("content-type");
    entry.args = std::move(args);
    entry.auth = auth;
    entry.status = response.status;
    entry.error = error;
    entry.at = std::chrono::system_clock::now();
    requests_.push_back(std::move(entry));
}

http_response fake_slack::impl::handle_api(const http_request& request, const std::string& method) {
    api_call call;
    call.method = method;
    if (method == "apps.connections.open") stats_.connections_open_calls++;

    // Arguments: the query string, then the body (which wins), whatever its encoding.
    std::optional<std::string> decode_error;
    for (auto& [name, value] : parse_form(request.query)) call.args[name] = std::move(value);
    const std::string type = media_type(request.header("content-type"));
    bool json_body = false;
    if (!request.body.empty()) {
        if (type == "application/x-www-form-urlencoded") {
            for (auto& [name, value] : parse_form(request.body)) call.args[name] = std::move(value);
        } else if (type == "application/json") {
            json_body = true;
            const json body = json::parse(request.body, nullptr, false);
            if (body.is_discarded()) {
                decode_error = "invalid_json";
            } else if (!body.is_object()) {
                decode_error = "json_not_object";
            } else {
                for (const auto& [name, value] : body.items()) call.args[name] = value;
            }
        } else if (type == "multipart/form-data") {
            const auto parts = parse_multipart(request.body, request.header("content-type"));
            if (!parts) {
                decode_error = "invalid_form_data";
            } else {
                for (const auto& part : *parts) {
                    if (!part.filename) call.args[part.name] = part.data;
                }
            }
        } else if (type.empty()) {
            decode_error = "missing_post_type";
        } else {
            decode_error = "invalid_post_type";
        }
    }

    // The token: the Authorization header first, then a form field. JSON bodies cannot carry
    // one, and apps.connections.open takes it only from the header. It is never recorded.
    std::string token;
    const std::string authorization = request.header("authorization");
    // The scheme name is case-insensitive (RFC 9110); the token after it is not.
    const bool bearer =
        authorization.size() > 7 &&
        std::equal(authorization.begin(), authorization.begin() + 7, "bearer ",
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
    if (bearer) {
        token = authorization.substr(7);
    } else if (!json_body && method != "apps.connections.open" && call.args.contains("token") &&
               call.args["token"].is_string()) {
        token = call.args["token"].get<std::string>();
    }
    call.args.erase("token");
    if (token.empty()) {
        call.auth = "none";
    } else if (token == options_.bot_token) {
        call.auth = "bot";
    } else if (token == options_.app_token) {
        call.auth = "app";
    } else {
        call.auth = "invalid";
    }

    const api_result result = decode_error ? fail(*decode_error) : run_api(call);
    const http_response response = to_http(result);
    std::string error;
    if (result.body.is_object() && result.body.contains("error")) {
        error = result.body["error"].get<std::string>();
    } else if (result.body.is_null()) {
        error = "http " + std::to_string(result.status);
    }
    log("api " + method + " -> " + std::to_string(response.status) +
        (error.empty() ? "" : " " + error));
    record(request, method, call.args, call.auth, response, error);
    return response;
}

std::optional<api_result> fake_slack::impl::take_fault(const std::string& method) {
    for (auto it = web_faults_.begin(); it != web_faults_.end(); ++it) {
        if (it->method != "*" && it->method != method) continue;
        const web_fault fault = *it;
        if (--it->remaining <= 0) web_faults_.erase(it);
        switch (fault.kind) {
            case fault_kind::http_status:
                stats_.http_errors++;
                return api_result{fault.status, nullptr,
                                  "<html><body><h1>" + std::to_string(fault.status) +
                                      " Server Error</h1></body></html>",
                                  std::nullopt};
            case fault_kind::rate_limit:
                stats_.rate_limited++;
                return ratelimited(fault.retry_after);
            case fault_kind::error:
                stats_.injected_errors++;
                return fail(fault.error);
        }
    }
    return std::nullopt;
}

std::optional<int> fake_slack::impl::check_rate_limit(const api_call& call) {
    const auto rule = rate_rules_.find(call.method);
    if (rule == rate_rules_.end()) return std::nullopt;
    const std::string key =
        call.method + (rule->second.per_channel ? "|" + arg(call.args, "channel") : "");
    auto& window = rate_windows_[key];
    const auto now = std::chrono::steady_clock::now();
    while (!window.empty() && now - window.front() >= rule->second.window) window.pop_front();
    if (static_cast<int>(window.size()) < rule->second.max_calls) {
        window.push_back(now);
        return std::nullopt;
    }
    const auto wait = window.front() + rule->second.window - now;
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
    return std::max(1, static_cast<int>(seconds));
}

api_result fake_slack::impl::run_api(const api_call& call) {
    // Injected faults come first: a test asks for exactly the next N calls to fail.
    if (auto fault = take_fault(call.method)) return *fault;
    const auto& methods = api_methods();
    const auto handler = methods.find(call.method);
    if (handler == methods.end()) {
        // HTTP 200 like every platform error (protocols.md §2.2).
        return {200,
                json{{"ok", false}, {"error", "unknown_method"}, {"req_method", call.method}},
                {},
                std::nullopt};
    }
    if (expired_error_) {
        stats_.auth_failures++;
        return fail(*expired_error_);
    }
    const bool app_method = call.method == "apps.connections.open";
    if (call.auth == "none" || call.auth == "invalid") {
        stats_.auth_failures++;
        return fail(call.auth == "none" ? "not_authed" : "invalid_auth");
    }
    if (call.auth != (app_method ? "app" : "bot")) {
        stats_.auth_failures++;
        return fail(options_.wrong_token_type_error);
    }
    if (auto retry_after = check_rate_limit(call)) {
        stats_.rate_limited++;
        return ratelimited(*retry_after);
    }
    return (this->*(handler->second))(call.args);
}

// --- methods -------------------------------------------------------------------------------------

const std::map<std::string, fake_slack::impl::api_handler>& fake_slack::impl::api_methods() {
    static const std::map<std::string, impl::api_handler> methods = {
        {"auth.test", &impl::api_auth_test},
        {"apps.connections.open", &impl::api_connections_open},
        {"chat.postMessage", &impl::api_post_message},
        {"chat.update", &impl::api_update},
        {"chat.delete", &impl::api_delete},
        {"chat.getPermalink", &impl::api_get_permalink},
        {"users.info", &impl::api_users_info},
        {"reactions.add", &impl::api_reactions_add},
        {"reactions.remove", &impl::api_reactions_remove},
        {"conversations.create", &impl::api_conversations_create},
        {"conversations.invite", &impl::api_conversations_invite},
        {"conversations.info", &impl::api_conversations_info},
        {"conversations.history", &impl::api_conversations_history},
        {"conversations.replies", &impl::api_conversations_replies},
        {"conversations.join", &impl::api_conversations_join},
        {"files.getUploadURLExternal", &impl::api_get_upload_url},
        {"files.completeUploadExternal", &impl::api_complete_upload},
    };
    return methods;
}

api_result fake_slack::impl::api_auth_test(const json&) {
    return ok({{"url", options_.workspace_url},
               {"team", options_.team_name},
               {"user", options_.bot_name},
               {"team_id", options_.team_id},
               {"user_id", options_.bot_user_id},
               {"bot_id", options_.bot_id},
               {"is_enterprise_install", false}});
}

api_result fake_slack::impl::api_connections_open(const json&) {
    const std::string ticket = uuid();
    tickets_[ticket] = false;
    stats_.tickets_issued++;
    return ok(
        {{"url", base_url("wss") + "/link/?ticket=" + ticket + "&app_id=" + options_.app_id}});
}

api_result fake_slack::impl::api_post_message(const json& args) {
    auto* channel = find_channel(arg(args, "channel"));
    if (channel == nullptr) return fail("channel_not_found");
    if (!bot_is_member(*channel)) return fail("not_in_channel");
    const std::string text = arg(args, "text");
    const auto blocks = json_arg(args, "blocks");
    const auto attachments = json_arg(args, "attachments");
    const auto metadata = json_arg(args, "metadata");
    if (!blocks.valid || (blocks.present && !blocks.value.is_array()))
        return fail("invalid_blocks");
    if (!attachments.valid) return fail("invalid_attachments");
    if (!metadata.valid || (metadata.present && !valid_metadata(metadata.value))) {
        return fail("invalid_metadata_format");
    }
    if (text.empty() && !blocks.present && !attachments.present) return fail("no_text");
    if (text.size() > options_.max_text_length) return fail("msg_too_long");

    message_state message;
    message.ts = next_ts();
    message.user = options_.bot_user_id;
    message.from_bot = true;
    message.text = text;
    if (const std::string thread_ts = arg(args, "thread_ts"); !thread_ts.empty()) {
        message.thread_ts = thread_ts;
    }
    message.sent_blocks = blocks.present ? blocks.value : json();
    message.metadata = metadata.present ? metadata.value : json();
    message.blocks = blocks.present ? blocks.value : rich_text_blocks(text);
    channel->messages.push_back(message);

    if (options_.emit_api_side_effect_events) emit_event(message_event(*channel, message), channel);
    return ok({{"channel", channel->info.id},
               {"ts", message.ts},
               {"message", message_json(*channel, message)}});
}

api_result fake_slack::impl::api_update(const json& args) {
    auto* channel = find_channel(arg(args, "channel"));
    if (channel == nullptr) return fail("channel_not_found");
    auto* message = find_message(*channel, arg(args, "ts"));
    if (message == nullptr) return fail("message_not_found");
    if (!message->from_bot) return fail("cant_update_message");
    const std::string text = arg(args, "text");
    const auto blocks = json_arg(args, "blocks");
    if (!blocks.valid || (blocks.present && !blocks.value.is_array()))
        return fail("invalid_blocks");
    if (text.empty() && !blocks.present) return fail("no_text");
    if (text.size() > options_.max_text_length) return fail("msg_too_long");

    const json previous = message_json(*channel, *message);
    message->text = text;
    message->sent_blocks = blocks.present ? blocks.value : json();
    message->blocks = blocks.present ? blocks.value : rich_text_blocks(text);
    message->updates++;
    const std::string edit_ts = next_ts();
    message->edited = {options_.bot_user_id, edit_ts};
    if (options_.emit_api_side_effect_events) {
        emit_event(message_changed_event(*channel, previous, *message, edit_ts), channel);
    }
    json reply = json::object();
    reply["type"] = "message";
    reply["text"] = text;
    reply["user"] = options_.bot_user_id;
    reply["bot_id"] = options_.bot_id;
    reply["app_id"] = options_.app_id;
    reply["blocks"] = message->blocks;
    reply["edited"] = json{{"user", options_.bot_user_id}, {"ts", edit_ts}};
    return ok({{"channel", channel->info.id},
               {"ts", message->ts},
               {"text", text},
               {"message", std::move(reply)}});
}

api_result fake_slack::impl::api_delete(const json& args) {
    auto* channel = find_channel(arg(args, "channel"));
    if (channel == nullptr) return fail("channel_not_found");
    auto* message = find_message(*channel, arg(args, "ts"));
    if (message == nullptr) return fail("message_not_found");
    if (!message->from_bot) return fail("cant_delete_message");
    const json previous = message_json(*channel, *message);
    message->deleted = true;
    if (options_.emit_api_side_effect_events) {
        emit_event(message_deleted_event(*channel, previous, *message, next_ts()), channel);
    }
    return ok({{"channel", channel->info.id}, {"ts", message->ts}});
}

api_result fake_slack::impl::api_get_permalink(const json& args) {
    auto* channel = find_channel(arg(args, "channel"));
    if (channel == nullptr) return fail("channel_not_found");
    const auto* message = find_message(*channel, arg(args, "message_ts"));
    if (message == nullptr) return fail("message_not_found");
    std::string digits = message->ts;
    std::erase(digits, '.');
    std::string base = options_.workspace_url;
    if (!base.ends_with('/')) base += '/';
    std::string permalink = base + "archives/" + channel->info.id + "/p" + digits;
    // A reply's permalink names its thread, as Slack's do.
    if (message->thread_ts && *message->thread_ts != message->ts) {
        permalink += "?thread_ts=" + *message->thread_ts + "&cid=" + channel->info.id;
    }
    return ok({{"channel", channel->info.id}, {"permalink", permalink}});
}

api_result fake_slack::impl::api_users_info(const json& args) {
    const auto user = users_.find(arg(args, "user"));
    if (user == users_.end()) return fail("user_not_found");
    return ok({{"user", user_json(user->second)}});
}

api_result fake_slack::impl::api_reactions_add(const json& args) {
    const std::string channel_id = arg(args, "channel");
    const std::string ts = arg(args, "timestamp");
    const std::string name = arg(args, "name");
    if (channel_id.empty() || ts.empty()) return fail("no_item_specified");
    if (name.empty() || name.find_first_of(": ") != std::string::npos) return fail("invalid_name");
    auto* channel = find_channel(channel_id);
    if (channel == nullptr) return fail("channel_not_found");
    auto* message = find_message(*channel, ts);
    if (message == nullptr) return fail("message_not_found");
    auto& users = message->reactions[name];
    if (users.contains(options_.bot_user_id)) return fail("already_reacted");
    users.insert(options_.bot_user_id);
    bot_reactions_.push_back({channel->info.id, ts, name, options_.bot_user_id});
    if (options_.emit_api_side_effect_events) {
        emit_event(reaction_event(*channel, *message, "reaction_added", options_.bot_user_id, name),
                   channel);
    }
    return ok();
}

api_result fake_slack::impl::api_reactions_remove(const json& args) {
    const std::string channel_id = arg(args, "channel");
    const std::string ts = arg(args, "timestamp");
    const std::string name = arg(args, "name");
    if (channel_id.empty() || ts.empty()) return fail("no_item_specified");
    if (name.empty() || name.find_first_of(": ") != std::string::npos) return fail("invalid_name");
    auto* channel = find_channel(channel_id);
    if (channel == nullptr) return fail("channel_not_found");
    auto* message = find_message(*channel, ts);
    if (message == nullptr) return fail("message_not_found");
    auto& users = message->reactions[name];
    if (!users.contains(options_.bot_user_id)) return fail("no_reaction");
    users.erase(options_.bot_user_id);
    if (options_.emit_api_side_effect_events) {
        emit_event(
            reaction_event(*channel, *message, "reaction_removed", options_.bot_user_id, name),
            channel);
    }
    return ok();
}

api_result fake_slack::impl::api_conversations_create(const json& args) {
    const std::string name = arg(args, "name");
    if (auto error = channel_name_error(name)) return fail(*error);
    for (const auto& [id, channel] : channels_) {
        if (channel.info.name == name) return fail("name_taken");
    }
    slack_channel info;
    info.id = random_id("C0", 9);
    info.name = name;
    info.is_private = flag(args, "is_private");
    add_channel(info);
    auto& channel = channels_.at(info.id);
    channel.creator = options_.bot_user_id;
    return ok({{"channel", channel_json(channel)}});
}

api_result fake_slack::impl::api_conversations_invite(const json& args) {
    auto* channel = find_channel(arg(args, "channel"));
    if (channel == nullptr) return fail("channel_not_found");
    const auto invited = split_ids(arg(args, "users"));
    if (invited.empty()) return fail("no_user");
    if (invited.size() > 1000) return fail("too_many_users");
    if (!bot_is_member(*channel)) return fail("not_in_channel");
    for (const auto& user : invited) {
        if (user == options_.bot_user_id) return fail("cant_invite_self");
        if (!users_.contains(user)) return fail("user_not_found");
        if (channel->members.contains(user)) return fail("already_in_channel");
    }
    for (const auto& user : invited) {
        channel->members.insert(user);
        if (!options_.emit_api_side_effect_events) continue;
        emit_event(member_joined_event(*channel, user, options_.bot_user_id), channel);
        // The channel also shows a join message.
        json joined = json::object();
        joined["type"] = "message";
        joined["subtype"] = "channel_join";
        joined["user"] = user;
        joined["text"] = "<@" + user + "> has joined the channel";
        joined["inviter"] = options_.bot_user_id;
        joined["ts"] = next_ts();
        joined["channel"] = channel->info.id;
        joined["event_ts"] = joined["ts"];
        joined["channel_type"] = channel_type(*channel);
        emit_event(std::move(joined), channel);
    }
    return ok({{"channel", channel_json(*channel)}});
}

api_result fake_slack::impl::api_conversations_info(const json& args) {
    const auto* channel = find_channel(arg(args, "channel"));
    if (channel == nullptr) return fail("channel_not_found");
    return ok({{"channel", channel_json(*channel)}});
}

// Newest first, thread replies left out (they are in conversations.replies).
api_result fake_slack::impl::api_conversations_history(const json& args) {
    const auto* channel = find_channel(arg(args, "channel"));
    if (channel == nullptr) return fail("channel_not_found");
    if (!bot_is_member(*channel)) return fail("not_in_channel");
    std::vector<const message_state*> listed;
    for (auto it = channel->messages.rbegin(); it != channel->messages.rend(); ++it) {
        if (it->deleted || (it->thread_ts && *it->thread_ts != it->ts)) continue;
        listed.push_back(&*it);
    }
    return message_page(*channel, std::move(listed), args);
}

// The parent first, then its replies, oldest first.
api_result fake_slack::impl::api_conversations_replies(const json& args) {
    const auto* channel = find_channel(arg(args, "channel"));
    if (channel == nullptr) return fail("channel_not_found");
    if (!bot_is_member(*channel)) return fail("not_in_channel");
    const std::string ts = arg(args, "ts");
    const auto* parent = find_message(*channel, ts);
    if (parent == nullptr || parent->deleted) return fail("thread_not_found");
    std::vector<const message_state*> listed{parent};
    for (const auto& message : channel->messages) {
        if (!message.deleted && message.ts != ts && message.thread_ts == ts) {
            listed.push_back(&message);
        }
    }
    return message_page(*channel, std::move(listed), args);
}

api_result fake_slack::impl::message_page(const channel_state& channel,
                                          std::vector<const message_state*> listed,
                                          const json& args) {
    const bool inclusive = flag(args, "inclusive");
    const auto oldest = ts_value(arg(args, "oldest"));
    const auto latest = ts_value(arg(args, "latest"));
    std::erase_if(listed, [&](const message_state* m) {
        const auto at = ts_value(m->ts);
        if (!at) return true;
        if (oldest && (inclusive ? *at < *oldest : *at <= *oldest)) return true;
        return latest && (inclusive ? *at > *latest : *at >= *latest);
    });
    std::size_t limit = 100;
    if (const std::string asked = arg(args, "limit"); !asked.empty()) {
        try {
            limit = std::clamp<std::size_t>(std::stoul(asked), 1, 999);
        } catch (const std::exception&) {
            return fail("invalid_limit");
        }
    }
    std::size_t first = 0;
    if (const std::string cursor = arg(args, "cursor"); !cursor.empty()) {
        if (!cursor.starts_with("next:")) return fail("invalid_cursor");
        try {
            first = std::stoul(cursor.substr(5));
        } catch (const std::exception&) {
            return fail("invalid_cursor");
        }
    }
    const bool with_metadata = flag(args, "include_all_metadata");
    json messages = json::array();
    for (std::size_t i = first; i < listed.size() && i < first + limit; ++i) {
        json m = message_json(channel, *listed[i]);
        if (with_metadata && !listed[i]->metadata.is_null()) m["metadata"] = listed[i]->metadata;
        messages.push_back(std::move(m));
    }
    const bool more = first + limit < listed.size();
    json out = {{"messages", std::move(messages)}, {"has_more", more}};
    out["response_metadata"] = {
        {"next_cursor", more ? "next:" + std::to_string(first + limit) : std::string()}};
    return ok(std::move(out));
}

api_result fake_slack::impl::api_conversations_join(const json& args) {
    auto* channel = find_channel(arg(args, "channel"));
    if (channel == nullptr) return fail("channel_not_found");
    if (channel->info.is_private) return fail("method_not_supported_for_channel_type");
    if (!bot_is_member(*channel)) {
        channel->members.insert(options_.bot_user_id);
        if (options_.emit_api_side_effect_events) {
            emit_event(member_joined_event(*channel, options_.bot_user_id, {}), channel);
        }
    }
    return ok({{"channel", channel_json(*channel)}});
}

api_result fake_slack::impl::api_get_upload_url(const json& args) {
    const std::string filename = arg(args, "filename");
    const std::string length = arg(args, "length");
    if (filename.empty() || length.empty() ||
        !std::all_of(length.begin(), length.end(),
                     [](unsigned char c) { return std::isdigit(c); })) {
        return fail("invalid_arguments");
    }
    file_state file;
    file.id = random_id("F0", 9);
    file.filename = filename;
    file.declared_length = std::stoull(length);
    const std::string upload_id = random_id("", 24);
    upload_ids_[upload_id] = file.id;
    const std::string file_id = file.id;
    files_[file_id] = std::move(file);
    return ok(
        {{"upload_url", base_url("https") + "/upload/v1/" + upload_id}, {"file_id", file_id}});
}

api_result fake_slack::impl::api_complete_upload(const json& args) {
    const auto files = json_arg(args, "files");
    if (!files.present || !files.valid || !files.value.is_array() || files.value.empty()) {
        return fail("invalid_arguments");
    }
    std::vector<std::string> channel_ids;
    if (const std::string id = arg(args, "channel_id"); !id.empty()) channel_ids.push_back(id);
    for (auto& id : split_ids(arg(args, "channels"))) channel_ids.push_back(std::move(id));
    std::vector<channel_state*> targets;
    for (const auto& id : channel_ids) {
        auto* channel = find_channel(id);
        if (channel == nullptr) return fail("channel_not_found");
        if (!bot_is_member(*channel)) return fail("not_in_channel");
        targets.push_back(channel);
    }
    std::vector<std::pair<file_state*, std::string>> completed;  // file, title
    for (const auto& entry : files.value) {
        if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string()) {
            return fail("invalid_arguments");
        }
        auto it = files_.find(entry["id"].get<std::string>());
        if (it == files_.end() || !it->second.uploaded) return fail("file_not_found");
        std::string title = entry.contains("title") && entry["title"].is_string()
                                ? entry["title"].get<std::string>()
                                : it->second.filename;
        completed.emplace_back(&it->second, std::move(title));
    }

    const std::string comment = arg(args, "initial_comment");
    const std::string thread_ts = arg(args, "thread_ts");
    json listed = json::array();
    for (const auto& [file, title] : completed) {
        json item = json::object();
        item["id"] = file->id;
        item["title"] = title;
        item["name"] = file->filename;
        item["size"] = file->content.size();
        item["mimetype"] = file->content_type;
        listed.push_back(std::move(item));
        shared_file shared;
        shared.id = file->id;
        shared.filename = file->filename;
        shared.title = title;
        shared.content = file->content;
        shared.upload_content_type = file->content_type;
        shared.declared_length = file->declared_length;
        shared.initial_comment = comment;
        if (!thread_ts.empty()) shared.thread_ts = thread_ts;
        if (targets.empty()) shared_files_.push_back(shared);  // uploaded, shared nowhere
        for (const auto* channel : targets) {
            shared.channel = channel->info.id;
            shared_files_.push_back(shared);
        }
    }
    // Sharing posts one message carrying the files into each channel.
    for (auto* channel : targets) {
        message_state message;
        message.ts = next_ts();
        message.user = options_.bot_user_id;
        message.from_bot = true;
        message.text = comment;
        if (!thread_ts.empty()) message.thread_ts = thread_ts;
        message.blocks = rich_text_blocks(comment);
        for (const auto& [file, title] : completed) message.file_ids.push_back(file->id);
        channel->messages.push_back(message);
        if (options_.emit_api_side_effect_events) {
            emit_event(message_event(*channel, message), channel);
        }
    }
    return ok({{"files", std::move(listed)}});
}

// --- the upload URL and response_url -------------------------------------------------------------

http_response fake_slack::impl::handle_upload(const http_request& request) {
    http_response response;
    if (auto fault = take_fault("upload")) {
        response = to_http(*fault);
    } else if (request.method != "POST") {
        response = text_response(405, "method not allowed");
    } else if (auto it = upload_ids_.find(request.path.substr(std::string("/upload/v1/").size()));
               it == upload_ids_.end()) {
        response = text_response(404, "unknown upload");
    } else {
        // Raw bytes or multipart: Slack takes either. In multipart the file is the part with a
        // filename (curl -F filename=@x), else the first part.
        auto& file = files_.at(it->second);
        const std::string content_type = request.header("content-type");
        std::optional<std::pair<std::string, std::string>> upload;  // content, its type
        if (media_type(content_type) == "multipart/form-data") {
            const auto parts = parse_multipart(request.body, content_type);
            if (parts && !parts->empty()) {
                const auto named = std::find_if(parts->begin(), parts->end(), [](const auto& part) {
                    return part.filename.has_value();
                });
                const auto& part = named != parts->end() ? *named : parts->front();
                upload.emplace(part.data, part.content_type);
            }
        } else {
            upload.emplace(request.body, media_type(content_type));
        }
        if (upload) {
            file.content = std::move(upload->first);
            file.content_type = std::move(upload->second);
            file.uploaded = true;
            response = text_response(200, "OK - " + std::to_string(file.content.size()));
        } else {
            response = text_response(400, "malformed multipart body");
        }
    }
    record(request, {}, json::object(), "none", response,
           response.status == 200 ? "" : "http " + std::to_string(response.status));
    return response;
}

http_response fake_slack::impl::handle_response_url(const http_request& request) {
    http_response response;
    if (!response_urls_.contains(request.path)) {
        response = text_response(404, "invalid url");
    } else if (request.method != "POST") {
        response = text_response(405, "method not allowed");
    } else {
        response_url_post post;
        post.path = request.path;
        post.content_type = request.header("content-type");
        post.body = request.body;
        post.json = json::parse(request.body, nullptr, false);
        if (post.json.is_discarded()) post.json = nullptr;
        response_url_posts_.push_back(std::move(post));
        response = text_response(200, "ok");
    }
    record(request, {}, json::object(), "none", response,
           response.status == 200 ? "" : "http " + std::to_string(response.status));
    return response;
}

}  // namespace scribe::fakes
