// Slack Web API calls: form bodies with the Bearer token through the retrying caller, and the
// typed methods on top.
#include "adapters/slack/web_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "adapters/net/constants.hpp"
#include "adapters/net/error.hpp"
#include "adapters/net/http_client.hpp"
#include "adapters/slack/answers.hpp"

namespace scribe::adapters::slack {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

net::http_client_options http_options(const web_api_options& options) {
    net::http_client_options http;
    http.request_timeout = options.request_timeout;
    http.allow_plaintext = options.allow_plaintext;
    return http;
}

// A failure of Slack's answer itself, not an error it named.
api_failure unusable(const std::string& what, std::string code) {
    return api_failure(what, {api_verdict::kind::refused, std::move(code), {}, {}});
}

json parse_object(const std::string& body) {
    auto j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return json::object();
    return j;
}

std::string string_field(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A form from name, value, name, value…, built outside the coroutines: g++ 12 destroys the
// temporaries of a braced initializer list inside a coroutine twice.
void append_pairs(form&) {}
template <class Name, class Value, class... Rest>
void append_pairs(form& f, Name&& name, Value&& value, Rest&&... rest) {
    f.emplace_back(std::forward<Name>(name), std::forward<Value>(value));
    append_pairs(f, std::forward<Rest>(rest)...);
}
template <class... Pairs>
form make_form(Pairs&&... pairs) {
    form f;
    append_pairs(f, std::forward<Pairs>(pairs)...);
    return f;
}

// Slack's message metadata naming the reply, as chat.postMessage takes it and
// conversations.history gives it back with include_all_metadata.
constexpr const char* reply_event_type = "scribe_reply";

std::string reply_metadata(const std::string& mark) {
    return json{{"event_type", reply_event_type}, {"event_payload", {{"key", mark}}}}.dump();
}

bool carries_mark(const json& message, const std::string& mark) {
    const auto metadata = message.find("metadata");
    if (metadata == message.end() || !metadata->is_object()) return false;
    if (string_field(*metadata, "event_type") != reply_event_type) return false;
    const auto payload = metadata->find("event_payload");
    return payload != metadata->end() && payload->is_object() &&
           string_field(*payload, "key") == mark;
}

bool shares_file(const json& message, const std::string& file_name, const std::string& user) {
    if (file_name.empty() || string_field(message, "user") != user) return false;
    const auto files = message.find("files");
    if (files == message.end() || !files->is_array()) return false;
    return std::any_of(files->begin(), files->end(), [&](const json& file) {
        return file.is_object() && string_field(file, "name") == file_name;
    });
}

// files.completeUploadExternal's `files` argument: [{"id":…,"title":…}].
std::string files_argument(const std::string& id, const std::string& title) {
    json file = json::object();
    file["id"] = id;
    file["title"] = title;
    json files = json::array();
    files.push_back(std::move(file));
    return files.dump();
}

}  // namespace

std::string encode_form(const form& arguments) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const auto& [name, value] : arguments) {
        if (!out.empty()) out += '&';
        for (const std::string* part : {&name, &value}) {
            for (const unsigned char c : *part) {
                if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
                    out += static_cast<char>(c);
                } else {
                    out += '%';
                    out += hex[c >> 4];
                    out += hex[c & 15];
                }
            }
            if (part == &name) out += '=';
        }
    }
    return out;
}

web_api::web_api(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls,
                 net::url base, std::string token, web_api_options options)
    : executor_(executor),
      tls_(tls),
      base_(base),
      token_(std::move(token)),
      options_(options),
      api_(std::move(executor), std::move(tls), std::move(base), http_options(options),
           [](const api_answer& answer, std::chrono::system_clock::time_point now) {
               return classify(answer, now);
           },
           options.limits) {
    if (base_.path.empty() || base_.path.back() != '/') base_.path += '/';
}

web_api::~web_api() = default;

asio::awaitable<std::string> web_api::call(std::string method, form arguments,
                                           std::string channel) {
    net::http_request request;
    request.method = "POST";
    request.target = base_.path + method;
    request.content_type = "application/x-www-form-urlencoded";
    request.body = encode_form(arguments);
    request.headers.emplace_back("Authorization", "Bearer " + token_);
    // Built before the co_await: g++ 12 destroys the temporaries of a braced list in one twice.
    api_call c{std::move(request), "Slack " + method + (channel.empty() ? "" : " in " + channel),
               true};
    auto response = co_await api_.call(std::move(c));
    co_return std::move(response.body);
}

asio::awaitable<identity> web_api::auth_test() {
    const json reply = parse_object(co_await call("auth.test", form{}));
    co_return identity{string_field(reply, "user_id"), string_field(reply, "bot_id"),
                       string_field(reply, "team")};
}

asio::awaitable<std::string> web_api::open_connection() {
    const json reply = parse_object(co_await call("apps.connections.open", form{}));
    std::string url = string_field(reply, "url");
    if (url.empty()) throw unusable("Slack apps.connections.open gave no url", "no_url");
    co_return url;
}

asio::awaitable<std::string> web_api::post_message(std::string channel, std::string text,
                                                   std::string thread_ts, std::string mark) {
    form arguments = make_form("channel", channel, "text", std::move(text));
    if (!thread_ts.empty()) arguments.emplace_back("thread_ts", std::move(thread_ts));
    if (!mark.empty()) arguments.emplace_back("metadata", reply_metadata(mark));
    const json reply =
        parse_object(co_await call("chat.postMessage", std::move(arguments), channel));
    co_return string_field(reply, "ts");
}

asio::awaitable<void> web_api::add_reaction(std::string channel, std::string ts, std::string name) {
    form arguments = make_form("channel", channel, "timestamp", std::move(ts), "name", std::move(name));
    try {
        co_await call("reactions.add", std::move(arguments), channel);
    } catch (const api_failure& e) {
        if (e.code() != "already_reacted") throw;
    }
}

asio::awaitable<void> web_api::update_message(std::string channel, std::string ts,
                                              std::string text) {
    form arguments = make_form("channel", channel, "ts", std::move(ts), "text", std::move(text));
    co_await call("chat.update", std::move(arguments), channel);
}

asio::awaitable<std::string> web_api::create_channel(std::string name) {
    form arguments = make_form("name", name, "is_private", "false");
    const json reply =
        parse_object(co_await call("conversations.create", std::move(arguments), std::string()));
    const auto channel = reply.find("channel");
    if (channel == reply.end() || !channel->is_object() || string_field(*channel, "id").empty()) {
        throw unusable("Slack conversations.create gave no channel id", "no_channel");
    }
    co_return string_field(*channel, "id");
}

asio::awaitable<void> web_api::invite(std::string channel, std::string user) {
    form arguments = make_form("channel", channel, "users", std::move(user));
    try {
        co_await call("conversations.invite", std::move(arguments), channel);
    } catch (const api_failure& e) {
        if (e.code() != "already_in_channel") throw;
    }
}

asio::awaitable<std::string> web_api::permalink(std::string channel, std::string ts) {
    form arguments = make_form("channel", channel, "message_ts", std::move(ts));
    const json reply = parse_object(co_await call("chat.getPermalink", std::move(arguments), channel));
    co_return string_field(reply, "permalink");
}

asio::awaitable<user_profile> web_api::user_info(std::string user) {
    form arguments = make_form("user", user);
    const json reply = parse_object(co_await call("users.info", std::move(arguments)));
    user_profile profile;
    profile.id = user;
    const auto it = reply.find("user");
    if (it == reply.end() || !it->is_object()) co_return profile;
    const json& u = *it;
    const auto p = u.find("profile");
    if (p != u.end() && p->is_object()) {
        profile.display_name = string_field(*p, "display_name");
        if (profile.display_name.empty()) profile.display_name = string_field(*p, "real_name");
    }
    if (profile.display_name.empty()) profile.display_name = string_field(u, "real_name");
    if (profile.display_name.empty()) profile.display_name = string_field(u, "name");
    if (profile.display_name.empty()) profile.display_name = user;
    profile.time_zone = string_field(u, "tz");
    co_return profile;
}

asio::awaitable<std::optional<web_api::message_info>> web_api::message(std::string channel,
                                                                       std::string ts) {
    // A channel message is the newest at or before its ts; a thread reply is found among the
    // replies of the thread it is in only, which history does not list, hence the fallback.
    for (const char* method : {"conversations.history", "conversations.replies"}) {
        form arguments = make_form("channel", channel, "limit", "1", "inclusive", "true");
        if (std::string_view(method) == "conversations.history") {
            arguments.emplace_back("latest", ts);
            arguments.emplace_back("oldest", ts);
        } else {
            arguments.emplace_back("ts", ts);
        }
        json reply;
        try {
            reply = parse_object(co_await call(method, std::move(arguments), channel));
        } catch (const api_failure& e) {
            if (e.code() == "thread_not_found" || e.code() == "message_not_found") continue;
            throw;
        }
        const auto messages = reply.find("messages");
        if (messages == reply.end() || !messages->is_array()) continue;
        for (const auto& m : *messages) {
            if (m.is_object() && string_field(m, "ts") == ts) {
                co_return message_info{string_field(m, "user"), string_field(m, "text")};
            }
        }
    }
    co_return std::nullopt;
}

asio::awaitable<bool> web_api::has_reply(std::string channel, std::string thread_ts,
                                         std::string since_ts, std::string mark,
                                         std::string file_name, std::string bot_user) {
    constexpr int pages = 5;
    std::string cursor;
    for (int page = 0; page < pages; ++page) {
        form arguments =
            make_form("channel", channel, "limit", "200", "include_all_metadata", "true");
        if (!thread_ts.empty()) arguments.emplace_back("ts", thread_ts);
        if (!since_ts.empty()) arguments.emplace_back("oldest", since_ts);
        if (!cursor.empty()) arguments.emplace_back("cursor", cursor);
        const char* method = thread_ts.empty() ? "conversations.history" : "conversations.replies";
        const json reply = parse_object(co_await call(method, std::move(arguments), channel));
        const auto messages = reply.find("messages");
        if (messages == reply.end() || !messages->is_array()) co_return false;
        for (const auto& m : *messages) {
            if (!m.is_object()) continue;
            if ((!mark.empty() && carries_mark(m, mark)) || shares_file(m, file_name, bot_user)) {
                co_return true;
            }
        }
        const auto more = reply.find("response_metadata");
        cursor = more != reply.end() && more->is_object() ? string_field(*more, "next_cursor")
                                                          : std::string();
        if (cursor.empty()) break;
    }
    co_return false;
}

asio::awaitable<void> web_api::upload_file(std::string channel, std::string filename,
                                           std::string title, std::string content,
                                           std::string initial_comment, std::string thread_ts) {
    form request = make_form("filename", filename, "length", std::to_string(content.size()));
    const json ticket =
        parse_object(co_await call("files.getUploadURLExternal", std::move(request), channel));
    const std::string upload_url = string_field(ticket, "upload_url");
    const std::string file_id = string_field(ticket, "file_id");
    const auto parsed = net::parse_url(upload_url);
    if (!parsed || file_id.empty()) {
        throw unusable("Slack files.getUploadURLExternal in " + channel + " gave no upload_url",
                       "no_upload_url");
    }
    // The upload URL is on its own host and carries its own credential: no token goes there.
    net::http_client_options http;
    http.request_timeout = options_.request_timeout;
    http.allow_plaintext = options_.allow_plaintext;
    net::http_client uploads(executor_, tls_, *parsed, http);
    net::http_request upload;
    upload.method = "POST";
    upload.target = parsed->target();
    upload.content_type = "application/octet-stream";
    upload.body = std::move(content);
    const auto uploaded = co_await uploads.request(std::move(upload));
    if (uploaded.status != 200) {
        throw unusable("Slack file upload in " + channel + " failed: HTTP " +
                           std::to_string(uploaded.status),
                       "HTTP " + std::to_string(uploaded.status));
    }
    form arguments = make_form("files", files_argument(file_id, title), "channel_id", channel,
                               "initial_comment", std::move(initial_comment));
    if (!thread_ts.empty()) arguments.emplace_back("thread_ts", std::move(thread_ts));
    co_await call("files.completeUploadExternal", std::move(arguments), channel);
}

}  // namespace scribe::adapters::slack
