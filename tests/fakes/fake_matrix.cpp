// The fake Matrix homeserver's lifetime, its room model (users, rooms, events) and the test API.
#include <algorithm>

#include "tests/fakes/fake_matrix_impl.hpp"
#include "tests/support/test_ca.hpp"

namespace scribe::fakes {

using json = nlohmann::json;

std::string dump_matrix_json(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

matrix_reply matrix_error(unsigned status, std::string errcode, std::string message) {
    matrix_reply reply;
    reply.status = status;
    reply.body["errcode"] = std::move(errcode);
    reply.body["error"] = std::move(message);
    return reply;
}

namespace {

// Room version 11 moved `redacts` into content and changed what redaction keeps.
bool is_v11_or_later(const std::string& version) {
    try {
        return std::stoi(version) >= 11;
    } catch (const std::exception&) {
        return false;  // unknown (e.g. experimental) versions: the older rules
    }
}

// The content the redaction algorithm keeps, per event type and room version.
json redacted_content(const std::string& type, const json& content, const std::string& version) {
    std::vector<std::string> keep;
    if (type == "m.room.member") {
        keep = {"membership", "join_authorised_via_users_server"};
    } else if (type == "m.room.create") {
        if (is_v11_or_later(version)) return content;
        keep = {"creator"};
    } else if (type == "m.room.join_rules") {
        keep = {"join_rule", "allow"};
    } else if (type == "m.room.power_levels") {
        keep = {"ban",    "events",        "events_default", "kick",
                "redact", "state_default", "users",          "users_default"};
        if (is_v11_or_later(version)) keep.emplace_back("invite");
    } else if (type == "m.room.history_visibility") {
        keep = {"history_visibility"};
    } else if (type == "m.room.redaction" && is_v11_or_later(version)) {
        keep = {"redacts"};
    }
    json out = json::object();
    for (const auto& key : keep) {
        if (content.contains(key)) out[key] = content[key];
    }
    return out;
}

json relates_to(const std::string& rel_type, const std::string& event_id) {
    json out = json::object();
    if (!rel_type.empty()) out["rel_type"] = rel_type;
    out["event_id"] = event_id;
    return out;
}

}  // namespace

// --- lifetime ----------------------------------------------------------------------------------

fake_matrix::impl::impl(fake_matrix_options options)
    : options_(std::move(options)),
      runtime_("fake_matrix", options_.io_timeout, [this](std::string_view line) { log(line); }),
      random_(std::random_device{}()) {
    certificates_ = options_.certificates ? options_.certificates
                                          : testing::make_test_certificates(options_.cert_names);
    const auto bot = make_user_id(options_.bot_localpart);
    users_[bot] = user_state{bot, options_.bot_display_name, options_.bot_password};
    if (!options_.bot_access_token.empty()) {
        tokens_[options_.bot_access_token] = token_state{bot, options_.bot_device_id};
        add_device(bot, options_.bot_device_id, {});
    }
}

void fake_matrix::impl::log(std::string_view line) const {
    if (options_.log) options_.log(line);
}

void fake_matrix::impl::start() {
    https_server_options server_options;
    // A long-poll /sync is a request in flight, not an idle connection; only the gap between
    // requests counts as idle, and clients reuse connections well within this.
    server_options.idle_timeout = std::max(options_.max_sync_timeout, options_.io_timeout) * 2;
    server_options.body_limit = options_.max_upload_size + 1;
    https_server_handlers handlers;
    handlers.on_request = [this](http_request request, http_responder respond) {
        on_http_request(request, respond);
    };
    port_ = runtime_.start(*certificates_, options_.port, std::move(handlers),
                           std::move(server_options));
}

void fake_matrix::impl::stop() {
    runtime_.stop([this] { pending_syncs_.clear(); });
}

// --- identifiers -------------------------------------------------------------------------------

std::string fake_matrix::impl::make_user_id(std::string_view localpart) const {
    return "@" + std::string(localpart) + ":" + options_.server_name;
}

std::string fake_matrix::impl::random_string(std::size_t length, bool url_safe_base64) {
    static constexpr char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static constexpr char base64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const std::string_view alphabet = url_safe_base64 ? base64 : letters;
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::string out;
    for (std::size_t i = 0; i < length; ++i) out += alphabet[pick(random_)];
    return out;
}

std::string fake_matrix::impl::new_event_id() {
    if (options_.event_ids == event_id_style::hash) return "$" + random_string(43, true);
    return "$" + random_string(16, false) + ":" + options_.server_name;
}

std::int64_t fake_matrix::impl::now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// --- model -------------------------------------------------------------------------------------

fake_matrix::impl::user_state& fake_matrix::impl::require_user(const std::string& user_id) {
    auto it = users_.find(user_id);
    if (it == users_.end()) throw std::invalid_argument("fake_matrix: no user " + user_id);
    return it->second;
}

fake_matrix::impl::room_state& fake_matrix::impl::require_room(const std::string& room_id) {
    auto* room = find_room(room_id);
    if (room == nullptr) throw std::invalid_argument("fake_matrix: no room " + room_id);
    return *room;
}

fake_matrix::impl::room_state* fake_matrix::impl::find_room(const std::string& room_id_or_alias) {
    if (auto it = rooms_.find(room_id_or_alias); it != rooms_.end()) return &it->second;
    if (room_id_or_alias.starts_with('#')) {
        for (auto& [id, room] : rooms_) {
            if (room.alias == room_id_or_alias) return &room;
        }
    }
    return nullptr;
}

fake_matrix::impl::event_record* fake_matrix::impl::find_event(const std::string& event_id) {
    auto it = event_index_.find(event_id);
    return it == event_index_.end() ? nullptr : &events_[it->second];
}

std::string fake_matrix::impl::membership_of(const std::string& room_id,
                                             const std::string& user_id) const {
    auto room = rooms_.find(room_id);
    if (room == rooms_.end()) return {};
    auto it = room->second.membership.find(user_id);
    return it == room->second.membership.end() ? std::string() : it->second;
}

std::string fake_matrix::impl::display_name(const std::string& user_id) const {
    auto it = users_.find(user_id);
    return it == users_.end() ? std::string() : it->second.display_name;
}

void fake_matrix::impl::require_joined(const std::string& room_id, const std::string& user_id) {
    require_room(room_id);
    require_user(user_id);
    if (membership_of(room_id, user_id) != "join") {
        throw std::invalid_argument("fake_matrix: " + user_id + " is not in " + room_id);
    }
}

fake_matrix::impl::event_record& fake_matrix::impl::append(
    const std::string& room_id, const std::string& sender, const std::string& type, json content,
    const std::optional<std::string>& state_key, const std::string& txn_key,
    const std::string& txn_id) {
    auto& room = require_room(room_id);
    event_record record;
    record.pos = static_cast<std::int64_t>(events_.size()) + 1;
    record.room_id = room_id;
    record.txn_key = txn_key;
    record.txn_id = txn_id;
    json event = json::object();
    event["type"] = type;
    event["content"] = std::move(content);
    event["event_id"] = new_event_id();
    event["sender"] = sender;
    event["origin_server_ts"] = now_ms();
    event["room_id"] = room_id;
    event["unsigned"] = json::object();
    if (state_key) {
        event["state_key"] = *state_key;
        if (type == "m.room.join_rules" && event["content"].contains("join_rule") &&
            event["content"]["join_rule"].is_string()) {
            room.join_rule = event["content"]["join_rule"].get<std::string>();
        }
        if (type == "m.room.member") {
            const auto& membership = event["content"]["membership"];
            if (membership.is_string()) room.membership[*state_key] = membership.get<std::string>();
        }
    }
    record.event = std::move(event);
    event_index_[record.event["event_id"].get<std::string>()] = events_.size();
    events_.push_back(std::move(record));
    post_wake();
    return events_.back();
}

std::string fake_matrix::impl::change_membership(const std::string& room_id,
                                                 const std::string& sender,
                                                 const std::string& target,
                                                 const std::string& membership,
                                                 const std::string& reason) {
    json content = json::object();
    content["membership"] = membership;
    const auto name = display_name(target);
    if (!name.empty() && membership != "leave" && membership != "ban") {
        content["displayname"] = name;
    }
    if (!reason.empty()) content["reason"] = reason;
    return append(room_id, sender, "m.room.member", std::move(content), target)
        .event["event_id"]
        .get<std::string>();
}

std::string fake_matrix::impl::create_room(const matrix_room_spec& spec) {
    const std::string creator = !spec.creator.empty()   ? spec.creator
                                : !spec.members.empty() ? spec.members.front()
                                                        : make_user_id(options_.bot_localpart);
    require_user(creator);
    for (const auto& user : spec.members) require_user(user);
    for (const auto& user : spec.invited) require_user(user);

    room_state room;
    room.room_id = "!" + random_string(18, false) + ":" + options_.server_name;
    room.version = spec.room_version.empty() ? options_.default_room_version : spec.room_version;
    if (!spec.alias_localpart.empty()) {
        room.alias = "#" + spec.alias_localpart + ":" + options_.server_name;
    }
    const auto id = room.room_id;
    const auto version = room.version;
    const auto alias = room.alias;
    rooms_[id] = std::move(room);

    // The events a homeserver writes for createRoom, in its order.
    json create = json::object();
    create["room_version"] = version;
    if (!is_v11_or_later(version)) create["creator"] = creator;
    append(id, creator, "m.room.create", std::move(create), "");
    change_membership(id, creator, creator, "join", {});
    json power = json::object();
    power["users"] = json::object();
    power["users"][creator] = 100;
    power["users_default"] = 0;
    power["events_default"] = 0;
    power["state_default"] = 50;
    power["ban"] = 50;
    power["kick"] = 50;
    power["redact"] = 50;
    power["invite"] = 0;
    append(id, creator, "m.room.power_levels", std::move(power), "");
    if (!alias.empty()) {
        json content = json::object();
        content["alias"] = alias;
        append(id, creator, "m.room.canonical_alias", std::move(content), "");
    }
    json join_rules = json::object();
    join_rules["join_rule"] = spec.is_public ? "public" : "invite";
    append(id, creator, "m.room.join_rules", std::move(join_rules), "");
    json visibility = json::object();
    visibility["history_visibility"] = "shared";
    append(id, creator, "m.room.history_visibility", std::move(visibility), "");
    if (spec.encrypted) {
        json encryption = json::object();
        encryption["algorithm"] = "m.megolm.v1.aes-sha2";
        append(id, creator, "m.room.encryption", std::move(encryption), "");
    }
    for (const auto& event : spec.initial_state) {
        append(id, creator, event["type"].get<std::string>(), event["content"],
               event.value("state_key", ""));
    }
    if (!spec.name.empty()) {
        json content = json::object();
        content["name"] = spec.name;
        append(id, creator, "m.room.name", std::move(content), "");
    }
    if (!spec.topic.empty()) {
        json content = json::object();
        content["topic"] = spec.topic;
        append(id, creator, "m.room.topic", std::move(content), "");
    }
    for (const auto& user : spec.members) {
        if (user != creator) change_membership(id, user, user, "join", {});
    }
    for (const auto& user : spec.invited) change_membership(id, creator, user, "invite", {});
    return id;
}

std::string fake_matrix::impl::send_text(const std::string& room_id, const std::string& sender,
                                         const std::string& body, const text_options& extra) {
    require_joined(room_id, sender);
    json content = json::object();
    content["msgtype"] = extra.msgtype;
    content["body"] = body;
    if (extra.formatted_body) {
        content["format"] = "org.matrix.custom.html";
        content["formatted_body"] = *extra.formatted_body;
    }
    if (extra.add_mentions || !extra.mention_user_ids.empty() || extra.mention_room) {
        json mentions = json::object();
        if (!extra.mention_user_ids.empty()) mentions["user_ids"] = extra.mention_user_ids;
        if (extra.mention_room) mentions["room"] = true;
        content["m.mentions"] = std::move(mentions);
    }
    if (extra.thread_root) {
        json relation = relates_to("m.thread", *extra.thread_root);
        relation["is_falling_back"] = !extra.reply_to.has_value();
        relation["m.in_reply_to"] = json::object();
        relation["m.in_reply_to"]["event_id"] = extra.reply_to.value_or(*extra.thread_root);
        content["m.relates_to"] = std::move(relation);
    } else if (extra.reply_to) {
        json relation = json::object();
        relation["m.in_reply_to"] = json::object();
        relation["m.in_reply_to"]["event_id"] = *extra.reply_to;
        content["m.relates_to"] = std::move(relation);
    }
    return append(room_id, sender, "m.room.message", std::move(content), std::nullopt)
        .event["event_id"]
        .get<std::string>();
}

fake_matrix::impl::event_record& fake_matrix::impl::redact(
    const std::string& room_id, const std::string& sender, const std::string& target,
    const std::string& reason, const std::string& txn_key, const std::string& txn_id) {
    const auto version = require_room(room_id).version;
    const bool v11 = is_v11_or_later(version);
    json content = json::object();
    if (!reason.empty()) content["reason"] = reason;
    if (v11 || options_.redacts_in_both_places) content["redacts"] = target;
    auto& record = append(room_id, sender, "m.room.redaction", std::move(content), std::nullopt,
                          txn_key, txn_id);
    if (!v11 || options_.redacts_in_both_places) record.event["redacts"] = target;
    json because = record.event;
    because.erase("room_id");
    // `record` stays valid: no append happens between here and the end of the caller's use.
    if (auto* victim = find_event(target); victim != nullptr && victim->room_id == room_id) {
        auto& event = victim->event;
        event["content"] =
            redacted_content(event["type"].get<std::string>(), event["content"], version);
        event.erase("redacts");
        event["unsigned"] = json::object();
        event["unsigned"]["redacted_because"] = std::move(because);
        victim->redacted = true;
    }
    return record;
}

bool fake_matrix::impl::duplicate_annotation(const std::string& room_id, const std::string& sender,
                                             const json& content) const {
    const auto relation = content.find("m.relates_to");
    if (relation == content.end() || !relation->is_object() ||
        relation->value("rel_type", "") != "m.annotation") {
        return false;
    }
    for (const auto& record : events_) {
        if (record.room_id != room_id || record.redacted) continue;
        const auto& event = record.event;
        if (event["type"] != "m.reaction" || event["sender"] != sender) continue;
        const auto other = event["content"].find("m.relates_to");
        if (other == event["content"].end() || !other->is_object()) continue;
        if (other->value("event_id", "") == relation->value("event_id", "") &&
            other->value("key", "") == relation->value("key", "")) {
            return true;
        }
    }
    return false;
}

void fake_matrix::impl::set_display_name(const std::string& user_id, const std::string& name) {
    require_user(user_id).display_name = name;
    std::vector<std::string> joined;
    for (const auto& [id, room] : rooms_) {
        auto it = room.membership.find(user_id);
        if (it != room.membership.end() && it->second == "join") joined.push_back(id);
    }
    for (const auto& room_id : joined) change_membership(room_id, user_id, user_id, "join", {});
}

// --- public API: each call runs on the fake's thread --------------------------------------------

fake_matrix::fake_matrix(fake_matrix_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}

fake_matrix::~fake_matrix() {
    impl_->runtime_.stop_quietly([this] { impl_->stop(); });
}

void fake_matrix::start() { impl_->start(); }
void fake_matrix::stop() { impl_->stop(); }

void fake_matrix::set_reachable(bool reachable) { impl_->runtime_.refuse_connections(!reachable); }
unsigned short fake_matrix::port() const { return impl_->port_; }
std::string fake_matrix::homeserver_url() const {
    return "https://127.0.0.1:" + std::to_string(impl_->port_);
}
std::string fake_matrix::ca_pem() const { return impl_->certificates_->ca_pem; }
std::filesystem::path fake_matrix::ca_file() const { return impl_->certificates_->ca_file; }
const fake_matrix_options& fake_matrix::options() const { return impl_->options_; }
std::string fake_matrix::user_id(std::string_view localpart) const {
    return impl_->make_user_id(localpart);
}
std::string fake_matrix::bot_user_id() const {
    return impl_->make_user_id(impl_->options_.bot_localpart);
}

std::string fake_matrix::add_user(matrix_user user) {
    return impl_->runtime_.call([i = impl_.get(), user = std::move(user)] {
        const auto id = i->make_user_id(user.localpart);
        i->users_[id] = impl::user_state{id, user.display_name, user.password};
        return id;
    });
}

void fake_matrix::add_access_token(std::string user_id, std::string token, std::string device_id) {
    impl_->runtime_.call([i = impl_.get(), user_id = std::move(user_id), token = std::move(token),
                          device_id = std::move(device_id)] {
        i->require_user(user_id);
        i->tokens_[token] = impl::token_state{user_id, device_id};
        i->add_device(user_id, device_id, {});
    });
}

std::string fake_matrix::create_room(matrix_room_spec spec) {
    return impl_->runtime_.call(
        [i = impl_.get(), spec = std::move(spec)] { return i->create_room(spec); });
}

std::string fake_matrix::invite(std::string room_id, std::string inviter, std::string user_id) {
    return impl_->runtime_.call([i = impl_.get(), room_id = std::move(room_id),
                                 inviter = std::move(inviter), user_id = std::move(user_id)] {
        i->require_joined(room_id, inviter);
        i->require_user(user_id);
        return i->change_membership(room_id, inviter, user_id, "invite", {});
    });
}

std::string fake_matrix::join(std::string room_id, std::string user_id) {
    return impl_->runtime_.call(
        [i = impl_.get(), room_id = std::move(room_id), user_id = std::move(user_id)] {
            i->require_room(room_id);
            i->require_user(user_id);
            return i->change_membership(room_id, user_id, user_id, "join", {});
        });
}

std::string fake_matrix::leave(std::string room_id, std::string user_id) {
    return impl_->runtime_.call(
        [i = impl_.get(), room_id = std::move(room_id), user_id = std::move(user_id)] {
            i->require_joined(room_id, user_id);
            return i->change_membership(room_id, user_id, user_id, "leave", {});
        });
}

std::string fake_matrix::kick(std::string room_id, std::string by, std::string user_id,
                              std::string reason) {
    return impl_->runtime_.call([i = impl_.get(), room_id = std::move(room_id), by = std::move(by),
                                 user_id = std::move(user_id), reason = std::move(reason)] {
        i->require_joined(room_id, by);
        return i->change_membership(room_id, by, user_id, "leave", reason);
    });
}

std::string fake_matrix::send_text(std::string room_id, std::string sender, std::string body,
                                   text_options extra) {
    return impl_->runtime_.call(
        [i = impl_.get(), room_id = std::move(room_id), sender = std::move(sender),
         body = std::move(body),
         extra = std::move(extra)] { return i->send_text(room_id, sender, body, extra); });
}

std::vector<std::string> fake_matrix::send_burst(std::string room_id, std::string sender,
                                                 std::vector<std::string> bodies) {
    return impl_->runtime_.call([i = impl_.get(), room_id = std::move(room_id),
                                 sender = std::move(sender), bodies = std::move(bodies)] {
        // One io-thread task: the wake-up for waiting /syncs runs after all of them.
        std::vector<std::string> ids;
        for (const auto& body : bodies) ids.push_back(i->send_text(room_id, sender, body, {}));
        return ids;
    });
}

std::string fake_matrix::edit(std::string room_id, std::string sender, std::string target_event_id,
                              std::string new_body) {
    return impl_->runtime_.call([i = impl_.get(), room_id = std::move(room_id),
                                 sender = std::move(sender), target = std::move(target_event_id),
                                 new_body = std::move(new_body)] {
        i->require_joined(room_id, sender);
        json new_content = json::object();
        new_content["msgtype"] = "m.text";
        new_content["body"] = new_body;
        json content = json::object();
        content["msgtype"] = "m.text";
        content["body"] = "* " + new_body;
        content["m.new_content"] = std::move(new_content);
        content["m.relates_to"] = relates_to("m.replace", target);
        return i->append(room_id, sender, "m.room.message", std::move(content), std::nullopt)
            .event["event_id"]
            .get<std::string>();
    });
}

std::string fake_matrix::react(std::string room_id, std::string sender, std::string target_event_id,
                               std::string key) {
    return impl_->runtime_.call([i = impl_.get(), room_id = std::move(room_id),
                                 sender = std::move(sender), target = std::move(target_event_id),
                                 key = std::move(key)] {
        i->require_joined(room_id, sender);
        json relation = relates_to("m.annotation", target);
        relation["key"] = key;
        json content = json::object();
        content["m.relates_to"] = std::move(relation);
        if (i->duplicate_annotation(room_id, sender, content)) {
            throw std::invalid_argument("fake_matrix: duplicate annotation");
        }
        return i->append(room_id, sender, "m.reaction", std::move(content), std::nullopt)
            .event["event_id"]
            .get<std::string>();
    });
}

std::string fake_matrix::redact(std::string room_id, std::string sender, std::string event_id,
                                std::string reason) {
    return impl_->runtime_.call([i = impl_.get(), room_id = std::move(room_id),
                                 sender = std::move(sender), event_id = std::move(event_id),
                                 reason = std::move(reason)] {
        i->require_joined(room_id, sender);
        return i->redact(room_id, sender, event_id, reason, {}, {})
            .event["event_id"]
            .get<std::string>();
    });
}

std::string fake_matrix::send_event(std::string room_id, std::string sender, std::string type,
                                    json content, std::optional<std::string> state_key) {
    return impl_->runtime_.call([i = impl_.get(), room_id = std::move(room_id),
                                 sender = std::move(sender), type = std::move(type),
                                 content = std::move(content),
                                 state_key = std::move(state_key)]() mutable {
        i->require_joined(room_id, sender);
        return i->append(room_id, sender, type, std::move(content), state_key)
            .event["event_id"]
            .get<std::string>();
    });
}

void fake_matrix::set_display_name(std::string user_id, std::string display_name) {
    impl_->runtime_.call([i = impl_.get(), user_id = std::move(user_id),
                          name = std::move(display_name)] { i->set_display_name(user_id, name); });
}

void fake_matrix::rate_limit_next(std::string path_prefix, int count,
                                  std::chrono::milliseconds retry_after, retry_after_style style) {
    impl_->runtime_.call(
        [i = impl_.get(), prefix = std::move(path_prefix), count, retry_after, style] {
            impl::path_fault fault;
            fault.prefix = prefix;
            fault.remaining = count;
            fault.kind = impl::fault_kind::rate_limit;
            fault.retry_after = retry_after;
            fault.style = style;
            fault.status = 429;
            i->faults_.push_back(std::move(fault));
        });
}

void fake_matrix::http_error_next(std::string path_prefix, int count, unsigned status) {
    impl_->runtime_.call([i = impl_.get(), prefix = std::move(path_prefix), count, status] {
        impl::path_fault fault;
        fault.prefix = prefix;
        fault.remaining = count;
        fault.kind = impl::fault_kind::http_status;
        fault.status = status;
        i->faults_.push_back(std::move(fault));
    });
}

void fake_matrix::lose_response_next(std::string path_prefix, int count) {
    impl_->runtime_.call([i = impl_.get(), prefix = std::move(path_prefix), count] {
        impl::path_fault fault;
        fault.prefix = prefix;
        fault.remaining = count;
        fault.kind = impl::fault_kind::lose_response;
        i->faults_.push_back(std::move(fault));
    });
}

void fake_matrix::drop_next_sync(int count) {
    impl_->runtime_.call([i = impl_.get(), count] { i->drop_syncs_ += count; });
}

void fake_matrix::malformed_next_sync(int count) {
    impl_->runtime_.call([i = impl_.get(), count] { i->malformed_syncs_ += count; });
}

void fake_matrix::limit_next_sync(std::size_t keep_last) {
    impl_->runtime_.call([i = impl_.get(), keep_last] { i->gap_keep_last_ = keep_last; });
}

void fake_matrix::invalidate_tokens(std::string user_id) {
    impl_->runtime_.call([i = impl_.get(), user_id = std::move(user_id)] {
        const auto whom = user_id.empty() ? i->make_user_id(i->options_.bot_localpart) : user_id;
        std::erase_if(i->tokens_,
                      [&whom](const auto& entry) { return entry.second.user_id == whom; });
        // Long-polls on those tokens learn it at once rather than at their timeout.
        i->post_wake();
    });
}

std::vector<client_event> fake_matrix::sent_events(std::string room_id) const {
    return impl_->runtime_.call([i = impl_.get(), room_id = std::move(room_id)] {
        std::vector<client_event> out;
        for (const auto& event : i->sent_events_) {
            if (room_id.empty() || event.room_id == room_id) out.push_back(event);
        }
        return out;
    });
}

std::vector<uploaded_media> fake_matrix::uploads() const {
    return impl_->runtime_.call([i = impl_.get()] {
        std::vector<uploaded_media> out;
        for (const auto& id : i->upload_order_) out.push_back(i->media_.at(id));
        return out;
    });
}

std::vector<membership_change> fake_matrix::membership_changes() const {
    return impl_->runtime_.call([i = impl_.get()] { return i->membership_changes_; });
}

std::vector<matrix_request> fake_matrix::requests(std::string path_prefix) const {
    return impl_->runtime_.call([i = impl_.get(), prefix = std::move(path_prefix)] {
        std::vector<matrix_request> out;
        for (const auto& request : i->requests_) {
            if (request.path.starts_with(prefix)) out.push_back(request);
        }
        return out;
    });
}

std::vector<json> fake_matrix::room_events(std::string room_id) const {
    return impl_->runtime_.call([i = impl_.get(), room_id = std::move(room_id)] {
        i->require_room(room_id);
        std::vector<json> out;
        for (const auto& record : i->events_) {
            if (record.room_id == room_id) out.push_back(record.event);
        }
        return out;
    });
}

std::optional<json> fake_matrix::event(std::string event_id) const {
    return impl_->runtime_.call([i = impl_.get(), event_id = std::move(event_id)] {
        const auto* record = i->find_event(event_id);
        return record ? std::optional<json>(record->event) : std::nullopt;
    });
}

std::string fake_matrix::membership(std::string room_id, std::string user_id) const {
    return impl_->runtime_.call(
        [i = impl_.get(), room_id = std::move(room_id), user_id = std::move(user_id)] {
            return i->membership_of(room_id, user_id);
        });
}

fake_matrix_stats fake_matrix::stats() const {
    return impl_->runtime_.call([i = impl_.get()] {
        auto stats = i->stats_;
        stats.pending_syncs = static_cast<int>(i->pending_syncs_.size());
        return stats;
    });
}

bool fake_matrix::wait_for(const std::function<bool()>& done,
                           std::chrono::milliseconds timeout) const {
    return fake_runtime::wait_for(done, timeout);
}

}  // namespace scribe::fakes
