// The fake Slack's lifetime, its workspace model (users, channels, messages) and the test API.
#include <algorithm>
#include <cstdio>

#include "tests/fakes/fake_slack_impl.hpp"
#include "tests/support/test_ca.hpp"

namespace scribe::fakes {

using json = nlohmann::json;

std::string escape_slashes(std::string_view json_text) {
    std::string out;
    out.reserve(json_text.size() + json_text.size() / 8);
    for (const char c : json_text) {
        if (c == '/') out += '\\';
        out += c;
    }
    return out;
}

std::string dump_json(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// --- lifetime ----------------------------------------------------------------------------------

fake_slack::impl::impl(fake_slack_options options)
    : options_(std::move(options)),
      runtime_("fake_slack", options_.io_timeout, [this](std::string_view line) { log(line); }),
      random_(std::random_device{}()) {
    certificates_ = options_.certificates ? options_.certificates
                                          : testing::make_test_certificates(options_.cert_names);
    slack_user bot;
    bot.id = options_.bot_user_id;
    bot.name = options_.bot_name;
    bot.real_name = options_.bot_name;
    bot.is_bot = true;
    users_[bot.id] = bot;
}

void fake_slack::impl::log(std::string_view line) const {
    if (options_.log) options_.log(line);
}

void fake_slack::impl::start() {
    https_server_handlers handlers;
    handlers.on_request = [this](http_request request, http_responder respond) {
        on_http_request(request, respond);
    };
    handlers.on_upgrade = [this](const http_request& request) { return on_upgrade(request); };
    port_ = runtime_.start(*certificates_, options_.port, std::move(handlers));
}

void fake_slack::impl::stop() { runtime_.stop(); }

// --- identifiers and time ----------------------------------------------------------------------

std::string fake_slack::impl::next_ts() {
    using namespace std::chrono;
    const std::int64_t now =
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    last_ts_us_ = std::max(now, last_ts_us_ + 1);
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%06lld", static_cast<long long>(last_ts_us_ / 1000000),
                  static_cast<long long>(last_ts_us_ % 1000000));
    return text;
}

std::string fake_slack::impl::random_id(std::string_view prefix, std::size_t length) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
    std::string id(prefix);
    for (std::size_t i = 0; i < length; ++i) id += alphabet[pick(random_)];
    return id;
}

std::string fake_slack::impl::uuid() {
    std::uniform_int_distribution<int> byte(0, 255);
    unsigned char bytes[16];
    for (auto& b : bytes) b = static_cast<unsigned char>(byte(random_));
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += hex[bytes[i] >> 4];
        out += hex[bytes[i] & 0x0f];
    }
    return out;
}

std::string fake_slack::impl::base_url(std::string_view scheme) const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_);
}

// --- workspace model ---------------------------------------------------------------------------

fake_slack::impl::channel_state* fake_slack::impl::find_channel(std::string_view id_or_name) {
    if (id_or_name.empty()) return nullptr;
    if (auto it = channels_.find(std::string(id_or_name)); it != channels_.end())
        return &it->second;
    // chat.postMessage also takes a channel name, with or without '#'.
    if (id_or_name.front() == '#') id_or_name.remove_prefix(1);
    for (auto& [id, channel] : channels_) {
        if (channel.info.name == id_or_name) return &channel;
    }
    return nullptr;
}

fake_slack::impl::channel_state& fake_slack::impl::require_channel(std::string_view id) {
    auto it = channels_.find(std::string(id));
    if (it == channels_.end()) {
        throw std::invalid_argument("fake_slack: no channel " + std::string(id));
    }
    return it->second;
}

const fake_slack::impl::message_state* fake_slack::impl::find_message(const channel_state& channel,
                                                                      std::string_view ts) {
    for (const auto& message : channel.messages) {
        if (message.ts == ts && !message.deleted) return &message;
    }
    return nullptr;
}

fake_slack::impl::message_state* fake_slack::impl::find_message(channel_state& channel,
                                                                std::string_view ts) {
    return const_cast<message_state*>(find_message(std::as_const(channel), ts));
}

fake_slack::impl::message_state& fake_slack::impl::require_message(channel_state& channel,
                                                                   std::string_view ts) {
    auto* message = find_message(channel, ts);
    if (message == nullptr) {
        throw std::invalid_argument("fake_slack: no message " + std::string(ts) + " in " +
                                    channel.info.id);
    }
    return *message;
}

bool fake_slack::impl::bot_is_member(const channel_state& channel) const {
    return channel.members.contains(options_.bot_user_id);
}

std::string fake_slack::impl::channel_type(const channel_state& channel) const {
    switch (channel.info.id.empty() ? 'C' : channel.info.id.front()) {
        case 'D':
            return "im";
        case 'G':
            return "group";
        default:
            return channel.info.is_private ? "group" : "channel";
    }
}

json fake_slack::impl::bot_profile_json() const {
    json profile = json::object();
    profile["id"] = options_.bot_id;
    profile["app_id"] = options_.app_id;
    profile["name"] = options_.bot_name;
    profile["icons"] = json{{"image_36", options_.workspace_url + "bot_36.png"},
                            {"image_48", options_.workspace_url + "bot_48.png"},
                            {"image_72", options_.workspace_url + "bot_72.png"}};
    profile["deleted"] = false;
    profile["updated"] = 1700000000;
    profile["team_id"] = options_.team_id;
    return profile;
}

json fake_slack::impl::rich_text_blocks(std::string_view text) {
    // Slack derives rich_text blocks from the text; mentions become user elements.
    json elements = json::array();
    auto add_text = [&elements](std::string_view part) {
        if (part.empty()) return;
        json element = json::object();
        element["type"] = "text";
        element["text"] = std::string(part);
        elements.push_back(std::move(element));
    };
    while (!text.empty()) {
        const auto start = text.find("<@");
        const auto end = start == std::string_view::npos ? start : text.find('>', start);
        if (end == std::string_view::npos) {
            add_text(text);
            break;
        }
        add_text(text.substr(0, start));
        const std::string_view inner = text.substr(start + 2, end - start - 2);
        json user = json::object();
        user["type"] = "user";
        user["user_id"] = std::string(inner.substr(0, inner.find('|')));
        elements.push_back(std::move(user));
        text.remove_prefix(end + 1);
    }
    json section = json::object();
    section["type"] = "rich_text_section";
    section["elements"] = std::move(elements);
    json block = json::object();
    block["type"] = "rich_text";
    block["block_id"] = random_id("", 5);
    block["elements"] = json::array({std::move(section)});
    return json::array({std::move(block)});
}

json fake_slack::impl::message_json(const channel_state& channel,
                                    const message_state& message) const {
    json out = json::object();
    out["type"] = "message";
    out["text"] = message.text;
    out["user"] = message.user;
    out["ts"] = message.ts;
    out["team"] = options_.team_id;
    out["blocks"] = message.blocks;
    if (message.from_bot) {
        out["bot_id"] = options_.bot_id;
        out["app_id"] = options_.app_id;
        out["bot_profile"] = bot_profile_json();
    } else if (!message.client_msg_id.empty()) {
        out["client_msg_id"] = message.client_msg_id;
    }
    if (message.thread_ts) {
        out["thread_ts"] = *message.thread_ts;
        if (*message.thread_ts != message.ts) {
            if (const auto* parent = find_message(channel, *message.thread_ts)) {
                out["parent_user_id"] = parent->user;
            }
        }
    }
    if (message.edited) {
        out["edited"] = json{{"user", message.edited->first}, {"ts", message.edited->second}};
    }
    if (!message.file_ids.empty()) {
        json files = json::array();
        for (const auto& id : message.file_ids) {
            json file = json::object();
            file["id"] = id;
            if (auto it = files_.find(id); it != files_.end()) file["name"] = it->second.filename;
            files.push_back(std::move(file));
        }
        out["files"] = std::move(files);
        out["upload"] = false;
    }
    return out;
}

json fake_slack::impl::message_event(const channel_state& channel,
                                     const message_state& message) const {
    json event = message_json(channel, message);
    event["channel"] = channel.info.id;
    event["event_ts"] = message.ts;
    event["channel_type"] = channel_type(channel);
    if (!message.file_ids.empty()) event["subtype"] = "file_share";
    return event;
}

json fake_slack::impl::message_changed_event(const channel_state& channel, const json& previous,
                                             const message_state& message,
                                             const std::string& ts) const {
    json event = json::object();
    event["type"] = "message";
    event["subtype"] = "message_changed";
    event["hidden"] = true;
    event["channel"] = channel.info.id;
    event["ts"] = ts;
    event["event_ts"] = ts;
    event["channel_type"] = channel_type(channel);
    event["message"] = message_json(channel, message);
    event["previous_message"] = previous;
    return event;
}

json fake_slack::impl::message_deleted_event(const channel_state& channel, const json& previous,
                                             const message_state& message,
                                             const std::string& ts) const {
    json event = json::object();
    event["type"] = "message";
    event["subtype"] = "message_deleted";
    event["hidden"] = true;
    event["channel"] = channel.info.id;
    event["ts"] = ts;
    event["deleted_ts"] = message.ts;
    event["event_ts"] = ts;
    event["channel_type"] = channel_type(channel);
    event["previous_message"] = previous;
    return event;
}

json fake_slack::impl::reaction_event(const channel_state& channel, const message_state& message,
                                      const std::string& type, const std::string& user,
                                      const std::string& name) {
    json item = json::object();
    item["type"] = "message";
    item["channel"] = channel.info.id;
    item["ts"] = message.ts;
    json event = json::object();
    event["type"] = type;
    event["user"] = user;
    event["reaction"] = name;
    event["item"] = std::move(item);
    if (!message.user.empty()) event["item_user"] = message.user;
    event["event_ts"] = next_ts();
    return event;
}

json fake_slack::impl::member_joined_event(const channel_state& channel, const std::string& user,
                                           const std::string& inviter) {
    json event = json::object();
    event["type"] = "member_joined_channel";
    event["user"] = user;
    event["channel"] = channel.info.id;
    // This event spells channel_type as a letter, unlike message events.
    event["channel_type"] = channel.info.id.starts_with('G') || channel.info.is_private ? "G" : "C";
    event["team"] = options_.team_id;
    if (!inviter.empty()) event["inviter"] = inviter;
    event["event_ts"] = next_ts();
    return event;
}

json fake_slack::impl::channel_json(const channel_state& channel) const {
    json topic = json{{"value", ""}, {"creator", ""}, {"last_set", 0}};
    json out = json::object();
    out["id"] = channel.info.id;
    out["name"] = channel.info.name;
    out["is_channel"] = !channel.info.is_private;
    out["is_group"] = channel.info.is_private;
    out["is_im"] = channel.info.id.starts_with('D');
    out["is_private"] = channel.info.is_private;
    out["is_archived"] = false;
    out["is_general"] = false;
    out["is_member"] = bot_is_member(channel);
    out["created"] = channel.created;
    out["creator"] = channel.creator;
    out["name_normalized"] = channel.info.name;
    out["topic"] = topic;
    out["purpose"] = topic;
    out["previous_names"] = json::array();
    out["num_members"] = channel.members.size();
    return out;
}

json fake_slack::impl::user_json(const slack_user& user) const {
    json profile = json::object();
    profile["real_name"] = user.real_name;
    profile["display_name"] = user.display_name;
    profile["real_name_normalized"] = user.real_name;
    profile["display_name_normalized"] = user.display_name;
    profile["team"] = options_.team_id;
    profile["avatar_hash"] = "g0000000000";
    profile["image_72"] = options_.workspace_url + "avatars/" + user.id + "_72.png";
    if (user.is_bot) profile["bot_id"] = options_.bot_id;
    json out = json::object();
    out["id"] = user.id;
    out["team_id"] = options_.team_id;
    out["name"] = user.name;
    out["deleted"] = false;
    out["color"] = "9f69e7";
    out["real_name"] = user.real_name;
    out["tz"] = user.tz;
    out["tz_label"] = user.tz_label;
    out["tz_offset"] = user.tz_offset;
    out["profile"] = std::move(profile);
    out["is_admin"] = false;
    out["is_owner"] = false;
    out["is_bot"] = user.is_bot;
    out["is_app_user"] = false;
    out["updated"] = 1700000000;
    return out;
}

// --- scripting -----------------------------------------------------------------------------------

void fake_slack::impl::add_user(slack_user user) {
    if (user.id.empty()) throw std::invalid_argument("fake_slack: a user needs an id");
    users_[user.id] = std::move(user);
}

void fake_slack::impl::add_channel(slack_channel channel) {
    if (channel.id.empty()) throw std::invalid_argument("fake_slack: a channel needs an id");
    channel_state state;
    state.members.insert(channel.members.begin(), channel.members.end());
    if (channel.bot_is_member) state.members.insert(options_.bot_user_id);
    state.created = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    state.info = std::move(channel);
    const std::string id = state.info.id;
    channels_[id] = std::move(state);
}

namespace {

void append(pushed_event& into, const pushed_event& from) {
    into.event_ids.insert(into.event_ids.end(), from.event_ids.begin(), from.event_ids.end());
    into.envelope_ids.insert(into.envelope_ids.end(), from.envelope_ids.begin(),
                             from.envelope_ids.end());
}

bool mentions(std::string_view text, const std::string& user) {
    const std::string marker = "<@" + user;
    for (auto at = text.find(marker); at != std::string_view::npos;
         at = text.find(marker, at + 1)) {
        const auto next = at + marker.size();
        if (next < text.size() && (text[next] == '>' || text[next] == '|')) return true;
    }
    return false;
}

}  // namespace

pushed_event fake_slack::impl::post_user_message(const std::string& channel_id,
                                                 const std::string& user, const std::string& text,
                                                 const std::optional<std::string>& thread_ts) {
    auto& channel = require_channel(channel_id);
    message_state message;
    message.ts = next_ts();
    message.user = user;
    message.text = text;
    message.thread_ts = thread_ts;
    message.client_msg_id = uuid();
    message.blocks = rich_text_blocks(text);
    channel.messages.push_back(message);

    pushed_event result;
    result.ts = message.ts;
    json event = message_event(channel, message);
    append(result, emit_event(event, &channel));
    if (options_.mention_also_sends_app_mention && mentions(text, options_.bot_user_id)) {
        // app_mention carries no channel_type; otherwise the same fields as the message.
        event["type"] = "app_mention";
        event.erase("channel_type");
        event.erase("parent_user_id");
        append(result, emit_event(event, &channel));
    }
    return result;
}

pushed_event fake_slack::impl::edit_message(const std::string& channel_id, const std::string& ts,
                                            const std::string& text) {
    auto& channel = require_channel(channel_id);
    auto& message = require_message(channel, ts);
    const json previous = message_json(channel, message);
    message.text = text;
    if (message.sent_blocks.is_null()) message.blocks = rich_text_blocks(text);
    const std::string edit_ts = next_ts();
    message.edited = {message.user, edit_ts};
    pushed_event result =
        emit_event(message_changed_event(channel, previous, message, edit_ts), &channel);
    result.ts = edit_ts;
    return result;
}

pushed_event fake_slack::impl::delete_message(const std::string& channel_id,
                                              const std::string& ts) {
    auto& channel = require_channel(channel_id);
    auto& message = require_message(channel, ts);
    const json previous = message_json(channel, message);
    message.deleted = true;
    const std::string delete_ts = next_ts();
    pushed_event result =
        emit_event(message_deleted_event(channel, previous, message, delete_ts), &channel);
    result.ts = delete_ts;
    return result;
}

pushed_event fake_slack::impl::change_reaction(const std::string& channel_id,
                                               const std::string& user, const std::string& ts,
                                               std::string name, bool add) {
    // Slack names reactions without colons; accept ":pushpin:" from a test for convenience.
    while (!name.empty() && name.front() == ':') name.erase(name.begin());
    while (!name.empty() && name.back() == ':') name.pop_back();
    auto& channel = require_channel(channel_id);
    auto& message = require_message(channel, ts);
    if (add) {
        message.reactions[name].insert(user);
    } else {
        message.reactions[name].erase(user);
    }
    json event =
        reaction_event(channel, message, add ? "reaction_added" : "reaction_removed", user, name);
    pushed_event result = emit_event(event, &channel);
    result.ts = event["event_ts"].get<std::string>();
    return result;
}

pushed_event fake_slack::impl::member_joined(const std::string& channel_id, const std::string& user,
                                             const std::string& inviter) {
    auto& channel = require_channel(channel_id);
    channel.members.insert(user);
    json event = member_joined_event(channel, user, inviter);
    pushed_event result = emit_event(event, &channel);
    result.ts = event["event_ts"].get<std::string>();
    return result;
}

slash_command_result fake_slack::impl::slash_command(const std::string& channel_id,
                                                     const std::string& user,
                                                     const std::string& command,
                                                     const std::string& text) {
    const auto& channel = require_channel(channel_id);
    const auto known = users_.find(user);
    const std::string path = "/commands/" + options_.team_id + "/" +
                             std::to_string(++next_command_) + "/" + random_id("", 24);
    response_urls_.insert(path);

    slash_command_result result;
    result.response_url = base_url("https") + path;
    std::uniform_int_distribution<std::uint64_t> digits(1000000000, 9999999999);
    std::string secret = uuid();
    secret.erase(std::remove(secret.begin(), secret.end(), '-'), secret.end());
    result.trigger_id =
        std::to_string(digits(random_)) + "." + std::to_string(digits(random_)) + "." + secret;

    // Every value is a string: the payload mirrors the form-encoded HTTP request.
    json payload = json::object();
    payload["token"] = options_.verification_token;
    payload["team_id"] = options_.team_id;
    payload["team_domain"] = options_.team_domain;
    payload["channel_id"] = channel.info.id;
    payload["channel_name"] = channel.info.name;
    payload["user_id"] = user;
    payload["user_name"] = known != users_.end() ? known->second.name : user;
    payload["command"] = command;
    payload["text"] = text;
    payload["api_app_id"] = options_.app_id;
    payload["is_enterprise_install"] = "false";
    payload["response_url"] = result.response_url;
    payload["trigger_id"] = result.trigger_id;

    envelope_state envelope;
    envelope.envelope_id = uuid();
    envelope.type = "slash_commands";
    envelope.payload = std::move(payload);
    envelope.accepts_response_payload = true;
    envelope.event_type = command;
    result.envelope_id = envelope.envelope_id;
    deliver(std::move(envelope), 0);
    return result;
}

pushed_event fake_slack::impl::push_event(json event) {
    if (!event.is_object() || !event.contains("type")) {
        throw std::invalid_argument("fake_slack: an event needs a type");
    }
    if (!event.contains("event_ts")) event["event_ts"] = next_ts();
    const channel_state* channel = nullptr;
    if (event.contains("channel") && event["channel"].is_string()) {
        channel = find_channel(event["channel"].get<std::string>());
    }
    pushed_event result = emit_event(event, channel);
    result.ts = event["event_ts"].is_string() ? event["event_ts"].get<std::string>() : "";
    return result;
}

// --- public API: each call runs on the fake's thread --------------------------------------------

fake_slack::fake_slack(fake_slack_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}

fake_slack::~fake_slack() {
    impl_->runtime_.stop_quietly([this] { impl_->stop(); });
}

void fake_slack::start() { impl_->start(); }
void fake_slack::stop() { impl_->stop(); }

void fake_slack::set_reachable(bool reachable) { impl_->runtime_.refuse_connections(!reachable); }
unsigned short fake_slack::port() const { return impl_->port_; }
std::string fake_slack::api_base_url() const { return impl_->base_url("https") + "/api/"; }
std::string fake_slack::ca_pem() const { return impl_->certificates_->ca_pem; }
std::filesystem::path fake_slack::ca_file() const { return impl_->certificates_->ca_file; }
const fake_slack_options& fake_slack::options() const { return impl_->options_; }

void fake_slack::add_user(slack_user user) {
    impl_->runtime_.call(
        [i = impl_.get(), user = std::move(user)]() mutable { i->add_user(std::move(user)); });
}

void fake_slack::add_channel(slack_channel channel) {
    impl_->runtime_.call([i = impl_.get(), channel = std::move(channel)]() mutable {
        i->add_channel(std::move(channel));
    });
}

pushed_event fake_slack::post_user_message(std::string channel, std::string user, std::string text,
                                           std::optional<std::string> thread_ts) {
    return impl_->runtime_.call([i = impl_.get(), channel = std::move(channel),
                                 user = std::move(user), text = std::move(text),
                                 thread_ts = std::move(thread_ts)] {
        return i->post_user_message(channel, user, text, thread_ts);
    });
}

std::vector<pushed_event> fake_slack::push_load(std::vector<load_step> steps) {
    return impl_->runtime_.call([i = impl_.get(), steps = std::move(steps)] {
        std::vector<pushed_event> pushed;
        pushed.reserve(steps.size());
        for (const auto& step : steps) {
            auto& last = i->last_user_message_[step.channel];
            if (step.reaction.empty()) {
                pushed.push_back(i->post_user_message(step.channel, step.user, step.text, {}));
                last = pushed.back().ts;
            } else if (!last.empty()) {
                pushed.push_back(i->change_reaction(step.channel, step.user, last, step.reaction, true));
            }
        }
        return pushed;
    });
}

pushed_event fake_slack::edit_message(std::string channel, std::string ts, std::string new_text) {
    return impl_->runtime_.call(
        [i = impl_.get(), channel = std::move(channel), ts = std::move(ts),
         text = std::move(new_text)] { return i->edit_message(channel, ts, text); });
}

pushed_event fake_slack::delete_message(std::string channel, std::string ts) {
    return impl_->runtime_.call([i = impl_.get(), channel = std::move(channel),
                                 ts = std::move(ts)] { return i->delete_message(channel, ts); });
}

pushed_event fake_slack::add_reaction(std::string channel, std::string user, std::string ts,
                                      std::string name) {
    return impl_->runtime_.call(
        [i = impl_.get(), channel = std::move(channel), user = std::move(user), ts = std::move(ts),
         name = std::move(name)] { return i->change_reaction(channel, user, ts, name, true); });
}

pushed_event fake_slack::remove_reaction(std::string channel, std::string user, std::string ts,
                                         std::string name) {
    return impl_->runtime_.call(
        [i = impl_.get(), channel = std::move(channel), user = std::move(user), ts = std::move(ts),
         name = std::move(name)] { return i->change_reaction(channel, user, ts, name, false); });
}

pushed_event fake_slack::member_joined(std::string channel, std::string user, std::string inviter) {
    return impl_->runtime_.call(
        [i = impl_.get(), channel = std::move(channel), user = std::move(user),
         inviter = std::move(inviter)] { return i->member_joined(channel, user, inviter); });
}

slash_command_result fake_slack::slash_command(std::string channel, std::string user,
                                               std::string command, std::string text) {
    return impl_->runtime_.call(
        [i = impl_.get(), channel = std::move(channel), user = std::move(user),
         command = std::move(command),
         text = std::move(text)] { return i->slash_command(channel, user, command, text); });
}

pushed_event fake_slack::push_event(json event) {
    return impl_->runtime_.call(
        [i = impl_.get(), event = std::move(event)] { return i->push_event(event); });
}

void fake_slack::push_raw_frame(std::string text, std::optional<int> link) {
    impl_->runtime_.call([i = impl_.get(), text = std::move(text), link] {
        i->push_frame(text, false, link);
        i->stats_.raw_frames++;
    });
}

void fake_slack::push_binary_frame(std::string bytes, std::optional<int> link) {
    impl_->runtime_.call([i = impl_.get(), bytes = std::move(bytes), link] {
        i->push_frame(bytes, true, link);
        i->stats_.binary_frames++;
    });
}

void fake_slack::push_oversized_frame(std::size_t bytes, std::optional<int> link) {
    const std::string head = R"({"type":"oversized","padding":")";
    const std::string tail = R"("})";
    const std::size_t fill =
        bytes > head.size() + tail.size() ? bytes - head.size() - tail.size() : 0;
    std::string frame = head + std::string(fill, 'x') + tail;
    impl_->runtime_.call([i = impl_.get(), frame = std::move(frame), link] {
        i->push_frame(frame, false, link);
        i->stats_.oversized_frames++;
    });
}

void fake_slack::pin_delivery(std::optional<int> link) {
    impl_->runtime_.call([i = impl_.get(), link] { i->pinned_link_ = link; });
}

void fake_slack::drop_link(std::optional<int> link) {
    impl_->runtime_.call([i = impl_.get(), link] { i->drop_link(link); });
}

void fake_slack::refresh_link(std::optional<int> link) {
    impl_->runtime_.call([i = impl_.get(), link] { i->refresh_link(link); });
}

void fake_slack::too_many_websockets(std::optional<int> link) {
    impl_->runtime_.call([i = impl_.get(), link] { i->too_many_websockets(link); });
}

void fake_slack::disable_socket_mode() {
    impl_->runtime_.call([i = impl_.get()] { i->set_socket_mode(false); });
}

void fake_slack::enable_socket_mode() {
    impl_->runtime_.call([i = impl_.get()] { i->set_socket_mode(true); });
}

void fake_slack::silence_link(std::optional<int> link, bool silent) {
    impl_->runtime_.call([i = impl_.get(), link, silent] { i->silence_link(link, silent); });
}

void fake_slack::rate_limit_next(std::string method, int count, int retry_after_seconds) {
    impl_->runtime_.call([i = impl_.get(), method = std::move(method), count, retry_after_seconds] {
        impl::web_fault fault;
        fault.method = method;
        fault.remaining = count;
        fault.kind = impl::fault_kind::rate_limit;
        fault.retry_after = retry_after_seconds;
        i->web_faults_.push_back(std::move(fault));
    });
}

void fake_slack::http_error_next(std::string method, int count, unsigned status) {
    impl_->runtime_.call([i = impl_.get(), method = std::move(method), count, status] {
        impl::web_fault fault;
        fault.method = method;
        fault.remaining = count;
        fault.kind = impl::fault_kind::http_status;
        fault.status = status;
        i->web_faults_.push_back(std::move(fault));
    });
}

void fake_slack::clear_faults() {
    impl_->runtime_.call([i = impl_.get()] { i->web_faults_.clear(); });
}

void fake_slack::error_next(std::string method, std::string error, int count) {
    impl_->runtime_.call(
        [i = impl_.get(), method = std::move(method), error = std::move(error), count] {
            impl::web_fault fault;
            fault.method = method;
            fault.remaining = count;
            fault.kind = impl::fault_kind::error;
            fault.error = error;
            i->web_faults_.push_back(std::move(fault));
        });
}

void fake_slack::set_rate_limit(std::string method, int max_calls, std::chrono::milliseconds window,
                                bool per_channel) {
    impl_->runtime_.call(
        [i = impl_.get(), method = std::move(method), max_calls, window, per_channel] {
            i->rate_rules_[method] = impl::rate_rule{max_calls, window, per_channel};
        });
}

void fake_slack::expire_tokens(bool expired, std::string error) {
    impl_->runtime_.call([i = impl_.get(), expired, error = std::move(error)] {
        i->expired_error_ = expired ? std::optional<std::string>(error) : std::nullopt;
    });
}

std::vector<posted_message> fake_slack::bot_messages(std::string channel) const {
    return impl_->runtime_.call([i = impl_.get(), channel = std::move(channel)] {
        std::vector<posted_message> out;
        for (const auto& [id, state] : i->channels_) {
            if (!channel.empty() && id != channel) continue;
            for (const auto& message : state.messages) {
                if (!message.from_bot) continue;
                posted_message posted;
                posted.channel = id;
                posted.ts = message.ts;
                posted.text = message.text;
                posted.thread_ts = message.thread_ts;
                posted.blocks = message.sent_blocks;
                posted.file_ids = message.file_ids;
                posted.metadata = message.metadata;
                posted.updates = message.updates;
                posted.deleted = message.deleted;
                out.push_back(std::move(posted));
            }
        }
        // Channel order is by id; posting order is what tests compare.
        std::stable_sort(
            out.begin(), out.end(),
            [](const posted_message& a, const posted_message& b) { return a.ts < b.ts; });
        return out;
    });
}

std::vector<reaction_record> fake_slack::bot_reactions() const {
    return impl_->runtime_.call([i = impl_.get()] { return i->bot_reactions_; });
}

std::vector<shared_file> fake_slack::shared_files() const {
    return impl_->runtime_.call([i = impl_.get()] { return i->shared_files_; });
}

std::vector<ack_record> fake_slack::acks() const {
    return impl_->runtime_.call([i = impl_.get()] { return i->acks_; });
}

std::vector<delivery_record> fake_slack::deliveries() const {
    return impl_->runtime_.call([i = impl_.get()] { return i->deliveries_; });
}

std::vector<response_url_post> fake_slack::response_url_posts() const {
    return impl_->runtime_.call([i = impl_.get()] { return i->response_url_posts_; });
}

std::vector<recorded_request> fake_slack::requests(std::string api_method) const {
    return impl_->runtime_.call([i = impl_.get(), api_method = std::move(api_method)] {
        std::vector<recorded_request> out;
        for (const auto& request : i->requests_) {
            if (api_method.empty() || request.api_method == api_method) out.push_back(request);
        }
        return out;
    });
}

std::vector<link_info> fake_slack::links() const {
    return impl_->runtime_.call([i = impl_.get()] {
        std::vector<link_info> out;
        for (const auto& [id, link] : i->links_) out.push_back(link.info);
        return out;
    });
}

std::vector<slack_channel> fake_slack::channels() const {
    return impl_->runtime_.call([i = impl_.get()] {
        std::vector<slack_channel> out;
        for (const auto& [id, state] : i->channels_) {
            slack_channel channel = state.info;
            channel.members.assign(state.members.begin(), state.members.end());
            channel.bot_is_member = i->bot_is_member(state);
            out.push_back(std::move(channel));
        }
        return out;
    });
}

std::vector<std::string> fake_slack::stray_frames() const {
    return impl_->runtime_.call([i = impl_.get()] { return i->stray_frames_; });
}

fake_slack_stats fake_slack::stats() const {
    return impl_->runtime_.call([i = impl_.get()] {
        fake_slack_stats stats = i->stats_;
        stats.open_links = i->accepted_open_links();
        stats.pending_acks = static_cast<int>(i->pending_.size());
        stats.backlog = static_cast<int>(i->backlog_.size());
        return stats;
    });
}

bool fake_slack::wait_for(const std::function<bool()>& done,
                          std::chrono::milliseconds timeout) const {
    return fake_runtime::wait_for(done, timeout);
}

}  // namespace scribe::fakes
