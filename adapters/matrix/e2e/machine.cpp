// The encryption device's bookkeeping (machine.hpp); the cryptography is the olm_engine's.
#include "adapters/matrix/e2e/machine.hpp"

#include <algorithm>

#include "adapters/json_input.hpp"

namespace scribe::adapters::matrix::e2e {

using json_input::json;
using json_input::object_at;
using json_input::text_at;

namespace {

// Bounds on what the state keeps, so a busy or hostile peer cannot grow it without limit.
constexpr std::size_t max_room_keys = 5'000;
constexpr std::size_t max_sessions_per_device = 5;
constexpr std::size_t max_held_events = 1'000;
constexpr int saved_format = 1;
// A Curve25519 or Ed25519 public key: 32 bytes, 43 characters of unpadded base64.
constexpr std::size_t key_length = 43;
// Message indices remembered per room key, for refusing a replayed index.
constexpr std::size_t max_seen_indices = 1'000;

json parse_object(std::string_view text) {
    auto parsed = json::parse(text, nullptr, false);
    return parsed.is_object() ? parsed : json::object();
}

// Canonical JSON (spec appendix): keys sorted (nlohmann's objects are), no spaces, UTF-8.
std::string canonical(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The object as signed: without `signatures` and `unsigned`.
std::string signable(json value) {
    value.erase("signatures");
    value.erase("unsigned");
    return canonical(value);
}

std::string key_id(std::string_view algorithm, std::string_view device_id) {
    return std::string(algorithm) + ":" + std::string(device_id);
}

std::string device_ref(std::string_view user, std::string_view device) {
    return std::string(user) + "|" + std::string(device);
}

std::string inbound_ref(std::string_view room, std::string_view sender_key,
                        std::string_view session_id) {
    return std::string(room) + "|" + std::string(sender_key) + "|" + std::string(session_id);
}

}  // namespace

struct machine::device {
    std::string user_id;
    std::string device_id;
    std::string curve25519;
    std::string ed25519;
};

struct machine::outbound {
    std::unique_ptr<outbound_group_session> session;
    std::int64_t created_ms = 0;
    std::uint64_t sent = 0;
    room_encryption settings;
    std::set<std::string> shared_with;  // device_ref
};

struct machine::inbound_key {
    std::unique_ptr<inbound_group_session> session;
    std::string room;
    std::string sender_key;
    std::string signing_key;  // the sender device's claimed Ed25519 key
    std::uint64_t order = 0;  // arrival, for eviction
    // Which event used each message index, so a replayed index is refused (not saved).
    std::map<std::uint32_t, std::string> seen;
};

std::optional<room_encryption> parse_room_encryption(std::string_view content_json) {
    const json content = parse_object(content_json);
    if (text_at(content, "algorithm") != megolm_algorithm) return std::nullopt;
    room_encryption out;
    if (auto ms = json_input::int_at(content, "rotation_period_ms"); ms && *ms > 0) {
        out.rotation_period = std::chrono::milliseconds(*ms);
    }
    if (auto count = json_input::int_at(content, "rotation_period_msgs"); count && *count > 0) {
        out.rotation_messages = static_cast<std::uint64_t>(*count);
    }
    return out;
}

machine::machine(const olm_engine& engine, std::string user_id, std::string device_id,
                 std::string pickle_key)
    : machine(engine, std::move(user_id), std::move(device_id), std::move(pickle_key),
              engine.new_account()) {}

machine::machine(const olm_engine& engine, std::string user_id, std::string device_id,
                 std::string pickle_key, std::unique_ptr<olm_account> account)
    : engine_(&engine),
      user_id_(std::move(user_id)),
      device_id_(std::move(device_id)),
      pickle_key_(std::move(pickle_key)),
      account_(std::move(account)) {}

machine::machine(machine&&) noexcept = default;
machine& machine::operator=(machine&&) noexcept = default;
machine::~machine() = default;

std::string machine::curve25519() const { return account_->curve25519(); }
std::string machine::ed25519() const { return account_->ed25519(); }

std::string machine::save() const {
    json out = json::object();
    out["format"] = saved_format;
    out["user_id"] = user_id_;
    out["device_id"] = device_id_;
    out["account"] = account_->pickle(pickle_key_);
    out["device_keys_uploaded"] = device_keys_uploaded_;
    json sessions = json::object();
    for (const auto& [curve, list] : sessions_) {
        json pickles = json::array();
        for (const auto& s : list) pickles.push_back(s->pickle(pickle_key_));
        sessions[curve] = std::move(pickles);
    }
    out["sessions"] = std::move(sessions);
    json devices = json::object();
    for (const auto& [user, list] : devices_) {
        json of_user = json::object();
        for (const auto& [id, d] : list) {
            of_user[id] = {{"curve25519", d.curve25519}, {"ed25519", d.ed25519}};
        }
        devices[user] = std::move(of_user);
    }
    out["devices"] = std::move(devices);
    out["outdated"] = outdated_;
    json keys = json::array();
    for (const auto& [ref, k] : inbound_) {
        keys.push_back({{"room", k.room},
                        {"sender_key", k.sender_key},
                        {"signing_key", k.signing_key},
                        {"order", k.order},
                        {"session", k.session->pickle(pickle_key_)}});
    }
    out["inbound"] = std::move(keys);
    json held = json::array();
    for (const auto& h : held_) {
        held.push_back({{"room", h.room},
                        {"event_id", h.event_id},
                        {"sender", h.sender},
                        {"sender_key", h.sender_key},
                        {"session_id", h.session_id},
                        {"event", h.event_json},
                        {"origin_server_ts", h.origin_server_ts},
                        {"held_since", h.held_since}});
    }
    out["held"] = std::move(held);
    return canonical(out);
}

machine machine::restore(const olm_engine& engine, std::string user_id, std::string device_id,
                         std::string pickle_key, std::string_view saved) {
    const json in = parse_object(saved);
    if (json_input::int_at(in, "format") != saved_format) {
        throw state_error("the saved encryption state is of an unknown format");
    }
    if (text_at(in, "user_id") != user_id || text_at(in, "device_id") != device_id) {
        throw state_error("the saved encryption state belongs to " + text_at(in, "user_id") +
                          " device " + text_at(in, "device_id") + ", not to " + user_id +
                          " device " + device_id);
    }
    try {
        auto account = engine.account_from_pickle(text_at(in, "account"), pickle_key);
        machine m(engine, std::move(user_id), std::move(device_id), std::move(pickle_key),
                  std::move(account));
        m.device_keys_uploaded_ = json_input::flag_at(in, "device_keys_uploaded");
        if (const json* sessions = object_at(in, "sessions")) {
            for (const auto& [curve, pickles] : sessions->items()) {
                if (!pickles.is_array()) continue;
                for (const auto& p : pickles) {
                    if (!p.is_string()) continue;
                    m.sessions_[curve].push_back(
                        engine.session_from_pickle(p.get<std::string>(), m.pickle_key_));
                }
            }
        }
        if (const json* devices = object_at(in, "devices")) {
            for (const auto& [user, list] : devices->items()) {
                if (!list.is_object()) continue;
                for (const auto& [id, d] : list.items()) {
                    if (!d.is_object()) continue;
                    m.devices_[user][id] =
                        device{user, id, text_at(d, "curve25519"), text_at(d, "ed25519")};
                }
            }
        }
        if (const json* outdated = json_input::array_at(in, "outdated")) {
            for (const auto& user : *outdated) {
                if (user.is_string()) m.outdated_.insert(user.get<std::string>());
            }
        }
        if (const json* keys = json_input::array_at(in, "inbound")) {
            for (const auto& k : *keys) {
                if (!k.is_object()) continue;
                inbound_key key;
                key.session =
                    engine.inbound_group_from_pickle(text_at(k, "session"), m.pickle_key_);
                key.room = text_at(k, "room");
                key.sender_key = text_at(k, "sender_key");
                key.signing_key = text_at(k, "signing_key");
                key.order = static_cast<std::uint64_t>(json_input::int_at(k, "order").value_or(0));
                m.inbound_order_ = std::max(m.inbound_order_, key.order);
                const auto ref = inbound_ref(key.room, key.sender_key, key.session->id());
                m.inbound_[ref] = std::move(key);
            }
        }
        if (const json* held = json_input::array_at(in, "held")) {
            for (const auto& h : *held) {
                if (!h.is_object()) continue;
                m.held_.push_back(held_event{text_at(h, "room"), text_at(h, "event_id"),
                                             text_at(h, "sender"), text_at(h, "sender_key"),
                                             text_at(h, "session_id"), text_at(h, "event"),
                                             json_input::int_at(h, "origin_server_ts").value_or(0),
                                             json_input::int_at(h, "held_since").value_or(0)});
            }
        }
        m.saved_changes_ = m.changes_;
        return m;
    } catch (const crypto_error& e) {
        throw state_error(std::string("the saved encryption state cannot be read: ") + e.what());
    }
}

std::string machine::signed_json_text(std::string_view unsigned_json) const {
    json value = parse_object(unsigned_json);
    const auto signature = account_->sign(signable(value));
    value["signatures"][user_id_][key_id("ed25519", device_id_)] = signature;
    return canonical(value);
}

// ---- Our keys -------------------------------------------------------------------------------

std::optional<std::string> machine::keys_to_upload() {
    json body = json::object();
    if (!device_keys_uploaded_) {
        json keys = json::object();
        keys["user_id"] = user_id_;
        keys["device_id"] = device_id_;
        keys["algorithms"] = {olm_algorithm, megolm_algorithm};
        keys["keys"][key_id("curve25519", device_id_)] = curve25519();
        keys["keys"][key_id("ed25519", device_id_)] = ed25519();
        body["device_keys"] = parse_object(signed_json_text(canonical(keys)));
    }
    // Until the server has said how many it holds, only a device just made knows: none.
    const std::int64_t on_server =
        server_one_time_keys_ >= 0 ? server_one_time_keys_ : (device_keys_uploaded_ ? -1 : 0);
    if (on_server >= 0) {
        const auto target = static_cast<std::int64_t>(account_->max_one_time_keys() / 2);
        const auto waiting =
            static_cast<std::int64_t>(account_->unpublished_one_time_keys().size());
        if (on_server + waiting < target) {
            account_->generate_one_time_keys(
                static_cast<std::size_t>(target - on_server - waiting));
            ++changes_;
        }
    }
    json one_time = json::object();
    for (const auto& [id, key] : account_->unpublished_one_time_keys()) {
        one_time[key_id("signed_curve25519", id)] =
            parse_object(signed_json_text(canonical(json{{"key", key}})));
    }
    if (!one_time.empty()) body["one_time_keys"] = std::move(one_time);
    if (!server_fallback_unused_ || !device_keys_uploaded_) {
        if (account_->unpublished_fallback_key().empty()) {
            account_->generate_fallback_key();
            ++changes_;
        }
    }
    json fallback = json::object();
    for (const auto& [id, key] : account_->unpublished_fallback_key()) {
        fallback[key_id("signed_curve25519", id)] =
            parse_object(signed_json_text(canonical(json{{"key", key}, {"fallback", true}})));
    }
    if (!fallback.empty()) body["fallback_keys"] = std::move(fallback);
    if (body.empty()) return std::nullopt;
    return canonical(body);
}

void machine::on_keys_uploaded(std::string_view answer) {
    account_->mark_keys_as_published();
    device_keys_uploaded_ = true;
    server_fallback_unused_ = true;
    const json body = parse_object(answer);
    if (const json* counts = object_at(body, "one_time_key_counts")) {
        server_one_time_keys_ = json_input::int_at(*counts, "signed_curve25519").value_or(0);
    }
    ++changes_;
}

void machine::on_key_counts(std::optional<std::int64_t> one_time_keys,
                            std::optional<bool> fallback_unused) {
    if (one_time_keys) server_one_time_keys_ = *one_time_keys;
    if (fallback_unused) server_fallback_unused_ = *fallback_unused;
}

bool machine::server_has_device(std::string_view query_answer) const {
    const json body = parse_object(query_answer);
    const json* all = object_at(body, "device_keys");
    const json* mine = all ? object_at(*all, user_id_) : nullptr;
    return mine && object_at(*mine, device_id_);
}

bool machine::server_has_our_keys(std::string_view query_answer) const {
    const json body = parse_object(query_answer);
    const json* all = object_at(body, "device_keys");
    const json* mine = all ? object_at(*all, user_id_) : nullptr;
    const json* ours = mine ? object_at(*mine, device_id_) : nullptr;
    const json* keys = ours ? object_at(*ours, "keys") : nullptr;
    return keys && text_at(*keys, key_id("ed25519", device_id_)) == ed25519() &&
           text_at(*keys, key_id("curve25519", device_id_)) == curve25519();
}

void machine::keys_unknown_to_server() {
    device_keys_uploaded_ = false;
    server_one_time_keys_ = -1;
    ++changes_;
}

// ---- Devices of others ----------------------------------------------------------------------

void machine::on_device_lists(const std::vector<std::string>& changed,
                              const std::vector<std::string>& left) {
    for (const auto& user : changed) {
        if (devices_.contains(user)) outdated_.insert(user);
        std::erase_if(unreachable_,
                      [&](const std::string& ref) { return ref.starts_with(user + "|"); });
    }
    for (const auto& user : left) {
        devices_.erase(user);
        outdated_.erase(user);
    }
    if (!changed.empty() || !left.empty()) ++changes_;
}

std::vector<std::string> machine::users_to_query(const std::vector<std::string>& users) const {
    std::vector<std::string> out;
    for (const auto& user : users) {
        if (!devices_.contains(user) || outdated_.contains(user)) out.push_back(user);
    }
    return out;
}

std::string machine::keys_query_body(const std::vector<std::string>& users) {
    json body = json::object();
    body["timeout"] = 10'000;
    body["device_keys"] = json::object();
    for (const auto& user : users) body["device_keys"][user] = json::array();
    return canonical(body);
}

std::vector<std::string> machine::on_keys_query(std::string_view answer) {
    std::vector<std::string> log_lines;
    const json body = parse_object(answer);
    const json* all = object_at(body, "device_keys");
    if (!all) return log_lines;
    for (const auto& [user, list] : all->items()) {
        if (!list.is_object()) continue;
        auto previous = std::move(devices_[user]);
        auto& known = devices_[user];
        known.clear();
        for (const auto& [id, keys] : list.items()) {
            if (id == device_id_ && user == user_id_) continue;
            const json* key_map = keys.is_object() ? object_at(keys, "keys") : nullptr;
            if (!key_map || text_at(keys, "user_id") != user || text_at(keys, "device_id") != id) {
                log_lines.push_back("device " + id + " of " + user + " has malformed keys");
                continue;
            }
            device d{user, id, text_at(*key_map, key_id("curve25519", id)),
                     text_at(*key_map, key_id("ed25519", id))};
            const json* signatures = object_at(keys, "signatures");
            const json* by_user = signatures ? object_at(*signatures, user) : nullptr;
            const auto signature = by_user ? text_at(*by_user, key_id("ed25519", id)) : "";
            if (d.curve25519.size() != key_length || d.ed25519.size() != key_length ||
                signature.empty() ||
                !engine_->verify_ed25519(d.ed25519, signable(keys), signature)) {
                log_lines.push_back("device " + id + " of " + user +
                                    " is not signed by its own key; left out");
                continue;
            }
            // The spec: a device's Ed25519 key never changes, so a new one is an attack.
            if (auto old = previous.find(id);
                old != previous.end() && old->second.ed25519 != d.ed25519) {
                log_lines.push_back("device " + id + " of " + user +
                                    " changed its identity key; the old one is kept");
                known[id] = old->second;
                continue;
            }
            known[id] = std::move(d);
        }
        outdated_.erase(user);
    }
    ++changes_;
    return log_lines;
}

bool machine::is_device_of(std::string_view user_id, std::string_view curve25519) const {
    auto it = devices_.find(std::string(user_id));
    if (it == devices_.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](const auto& d) { return d.second.curve25519 == curve25519; });
}

bool machine::knows_devices_of(std::string_view user_id) const {
    const std::string user(user_id);
    return devices_.contains(user) && !outdated_.contains(user);
}

std::vector<const machine::device*> machine::devices_of(
    const std::vector<std::string>& members) const {
    std::vector<const device*> out;
    for (const auto& user : members) {
        auto it = devices_.find(user);
        if (it == devices_.end()) continue;
        for (const auto& [id, d] : it->second) {
            if (user == user_id_ && id == device_id_) continue;
            out.push_back(&d);
        }
    }
    return out;
}

// ---- Sending --------------------------------------------------------------------------------

void machine::prepare_room(const std::string& room, const std::vector<std::string>& members,
                           const room_encryption& settings, std::int64_t now_ms) {
    auto it = outbound_.find(room);
    bool rotate = it == outbound_.end();
    if (!rotate) {
        const auto& o = it->second;
        rotate = o.sent >= settings.rotation_messages ||
                 now_ms - o.created_ms >= settings.rotation_period.count();
        if (!rotate) {
            std::set<std::string> current;
            for (const auto* d : devices_of(members))
                current.insert(device_ref(d->user_id, d->device_id));
            rotate = std::any_of(o.shared_with.begin(), o.shared_with.end(),
                                 [&](const auto& ref) { return !current.contains(ref); });
        }
    }
    if (!rotate) return;
    outbound fresh;
    fresh.session = engine_->new_outbound_group_session();
    fresh.created_ms = now_ms;
    fresh.settings = settings;
    // Our own device keeps the key too, so the room's history stays readable to it.
    add_inbound(room, curve25519(), ed25519(),
                engine_->inbound_group_session_from_key(fresh.session->session_key()));
    outbound_[room] = std::move(fresh);
    ++changes_;
}

std::optional<std::string> machine::claims_for(const std::string& room,
                                               const std::vector<std::string>& members) const {
    const auto it = outbound_.find(room);
    json wanted = json::object();
    for (const auto* d : devices_of(members)) {
        const auto ref = device_ref(d->user_id, d->device_id);
        if (it != outbound_.end() && it->second.shared_with.contains(ref)) continue;
        if (has_session(d->curve25519) ||
            unreachable_.contains(device_ref(d->user_id, d->device_id))) {
            continue;
        }
        wanted[d->user_id][d->device_id] = "signed_curve25519";
    }
    if (wanted.empty()) return std::nullopt;
    return canonical(json{{"one_time_keys", wanted}, {"timeout", 10'000}});
}

std::vector<std::string> machine::on_keys_claimed(std::string_view answer, std::string_view asked) {
    std::vector<std::string> log_lines;
    const json body = parse_object(answer);
    const json* all = object_at(body, "one_time_keys");
    const json request = parse_object(asked);
    if (const json* wanted = object_at(request, "one_time_keys")) {
        for (const auto& [user, list] : wanted->items()) {
            if (!list.is_object()) continue;
            for (const auto& [id, algorithm] : list.items()) {
                const json* of_user = all ? object_at(*all, user) : nullptr;
                const json* keys = of_user ? object_at(*of_user, id) : nullptr;
                const auto known = devices_.find(user);
                const device* d = nullptr;
                if (known != devices_.end()) {
                    if (auto found = known->second.find(id); found != known->second.end()) {
                        d = &found->second;
                    }
                }
                bool made = false;
                if (keys && d) {
                    for (const auto& [kid, key] : keys->items()) {
                        if (!kid.starts_with("signed_curve25519:") || !key.is_object()) continue;
                        const json* signatures = object_at(key, "signatures");
                        const json* by_user = signatures ? object_at(*signatures, user) : nullptr;
                        const auto signature =
                            by_user ? text_at(*by_user, key_id("ed25519", id)) : "";
                        if (signature.empty() ||
                            !engine_->verify_ed25519(d->ed25519, signable(key), signature)) {
                            log_lines.push_back("the one-time key of device " + id + " of " + user +
                                                " is not signed by it; no session made");
                            continue;
                        }
                        try {
                            keep_session(d->curve25519, account_->outbound_session(
                                                            d->curve25519, text_at(key, "key")));
                            made = true;
                        } catch (const crypto_error& e) {
                            log_lines.push_back("no Olm session with device " + id + " of " + user +
                                                ": " + e.what());
                        }
                        break;
                    }
                }
                if (!made) {
                    unreachable_.insert(device_ref(user, id));
                    log_lines.push_back("device " + id + " of " + user +
                                        " has no one-time key left; it gets no room key");
                }
            }
        }
    }
    return log_lines;
}

std::optional<std::string> machine::share_room_key(const std::string& room,
                                                   const std::vector<std::string>& members) {
    auto it = outbound_.find(room);
    if (it == outbound_.end()) return std::nullopt;
    auto& o = it->second;
    json room_key = {{"algorithm", megolm_algorithm},
                     {"room_id", room},
                     {"session_id", o.session->id()},
                     {"session_key", o.session->session_key()}};
    json messages = json::object();
    for (const auto* d : devices_of(members)) {
        const auto ref = device_ref(d->user_id, d->device_id);
        if (o.shared_with.contains(ref)) continue;
        auto* session = newest_session(d->curve25519);
        if (!session) continue;
        json plaintext = {{"type", "m.room_key"},
                          {"content", room_key},
                          {"sender", user_id_},
                          {"sender_device", device_id_},
                          {"keys", {{"ed25519", ed25519()}}},
                          {"recipient", d->user_id},
                          {"recipient_keys", {{"ed25519", d->ed25519}}}};
        const auto message = session->encrypt(canonical(plaintext));
        json content = {
            {"algorithm", olm_algorithm},
            {"sender_key", curve25519()},
            {"ciphertext", {{d->curve25519, {{"type", message.type}, {"body", message.body}}}}}};
        messages[d->user_id][d->device_id] = std::move(content);
        o.shared_with.insert(ref);
        ++changes_;
    }
    if (messages.empty()) return std::nullopt;
    return canonical(json{{"messages", messages}});
}

void machine::forget_outbound(const std::string& room) {
    if (outbound_.erase(room) > 0) ++changes_;
}

std::string machine::encrypt(const std::string& room, std::string_view type,
                             std::string_view content_json) {
    auto it = outbound_.find(room);
    if (it == outbound_.end()) throw crypto_error("no outbound session for room " + room);
    auto& o = it->second;
    const json content = parse_object(content_json);
    const json payload = {{"type", type}, {"content", content}, {"room_id", room}};
    json out = {{"algorithm", megolm_algorithm},
                {"sender_key", curve25519()},
                {"device_id", device_id_},
                {"session_id", o.session->id()},
                {"ciphertext", o.session->encrypt(canonical(payload))}};
    // Relations stay readable to the server, which aggregates them (spec: m.relates_to in clear).
    if (const json* relation = object_at(content, "m.relates_to")) out["m.relates_to"] = *relation;
    ++o.sent;  // outbound sessions are not saved, so nothing to save
    return canonical(out);
}

// ---- Receiving ------------------------------------------------------------------------------

bool machine::has_session(const std::string& curve25519) const {
    auto it = sessions_.find(curve25519);
    return it != sessions_.end() && !it->second.empty();
}

void machine::keep_session(const std::string& curve25519, std::unique_ptr<olm_session> session) {
    auto& list = sessions_[curve25519];
    list.insert(list.begin(), std::move(session));
    if (list.size() > max_sessions_per_device) list.resize(max_sessions_per_device);
    ++changes_;
}

olm_session* machine::newest_session(const std::string& curve25519) {
    auto it = sessions_.find(curve25519);
    if (it == sessions_.end() || it->second.empty()) return nullptr;
    return it->second.front().get();
}

void machine::add_inbound(const std::string& room, const std::string& sender_key,
                          const std::string& signing_key,
                          std::unique_ptr<inbound_group_session> session) {
    const auto ref = inbound_ref(room, sender_key, session->id());
    if (auto existing = inbound_.find(ref);
        existing != inbound_.end() &&
        existing->second.session->first_known_index() <= session->first_known_index()) {
        return;  // the key we hold already reaches further back
    }
    inbound_key key{std::move(session), room, sender_key, signing_key, ++inbound_order_, {}};
    inbound_[ref] = std::move(key);
    if (inbound_.size() > max_room_keys) {
        auto oldest = std::min_element(
            inbound_.begin(), inbound_.end(),
            [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
        inbound_.erase(oldest);
    }
    ++changes_;
}

std::optional<std::string> machine::decrypt_olm(std::string_view sender, const json& content,
                                                std::vector<std::string>& log_lines) {
    const auto sender_key = text_at(content, "sender_key");
    const json* ciphertext = object_at(content, "ciphertext");
    const json* mine = ciphertext ? object_at(*ciphertext, curve25519()) : nullptr;
    const auto type = mine ? json_input::int_at(*mine, "type") : std::nullopt;
    if (!mine || sender_key.empty() || !type || (*type != 0 && *type != 1)) {
        log_lines.push_back("an Olm message from " + std::string(sender) + " holds nothing for us");
        return std::nullopt;
    }
    const olm_message message{static_cast<int>(*type), text_at(*mine, "body")};
    // The sender chooses sender_key: nothing is kept under it until a message decrypts.
    if (auto known = sessions_.find(sender_key); known != sessions_.end()) {
        for (auto& session : known->second) {
            if (message.type == 0 && !session->matches_inbound(sender_key, message.body)) continue;
            if (auto plaintext = session->decrypt(message)) {
                ++changes_;
                return plaintext;
            }
        }
    }
    if (message.type != 0) {
        log_lines.push_back("an Olm message from " + std::string(sender) +
                            " fits none of our sessions with its device");
        return std::nullopt;
    }
    try {
        auto session = account_->inbound_session(sender_key, message.body);
        auto plaintext = session->decrypt(message);
        if (!plaintext) {
            log_lines.push_back("a new Olm session from " + std::string(sender) +
                                " could not be read");
            return std::nullopt;
        }
        keep_session(sender_key, std::move(session));
        return plaintext;
    } catch (const crypto_error& e) {
        log_lines.push_back("an Olm session from " + std::string(sender) +
                            " was refused: " + e.what());
        return std::nullopt;
    }
}

bool machine::take_room_key(std::string_view sender, std::string_view sender_key,
                            std::string_view plaintext, std::vector<std::string>& log_lines) {
    const json message = parse_object(plaintext);
    const json* recipient_keys = object_at(message, "recipient_keys");
    const json* keys = object_at(message, "keys");
    if (text_at(message, "sender") != sender || text_at(message, "recipient") != user_id_ ||
        !recipient_keys || text_at(*recipient_keys, "ed25519") != ed25519() || !keys) {
        log_lines.push_back("an Olm message from " + std::string(sender) +
                            " was not addressed to this device; ignored");
        return false;
    }
    if (knows_devices_of(sender) && !is_device_of(sender, sender_key)) {
        log_lines.push_back("an Olm message claiming to be from " + std::string(sender) +
                            " came from a device that is not theirs; ignored");
        return false;
    }
    // The Ed25519 key it claims must be that device's own, when the device is known.
    if (auto known = devices_.find(std::string(sender)); known != devices_.end()) {
        for (const auto& [id, d] : known->second) {
            if (d.curve25519 == sender_key && d.ed25519 != text_at(*keys, "ed25519")) {
                log_lines.push_back("an Olm message from device " + id + " of " +
                                    std::string(sender) + " claims another signing key; ignored");
                return false;
            }
        }
    }
    const auto type = text_at(message, "type");
    const json* content = object_at(message, "content");
    if (!content || (type != "m.room_key" && type != "m.forwarded_room_key")) return false;
    if (text_at(*content, "algorithm") != megolm_algorithm) return false;
    const auto room = text_at(*content, "room_id");
    const auto session_id = text_at(*content, "session_id");
    const auto session_key = text_at(*content, "session_key");
    try {
        std::unique_ptr<inbound_group_session> session;
        std::string owner(sender_key);
        if (type == "m.room_key") {
            session = engine_->inbound_group_session_from_key(session_key);
        } else {
            // Only the device that made a session may forward it: anyone else could pass off
            // messages of their own as that device's.
            owner = text_at(*content, "sender_key");
            if (owner != sender_key) {
                log_lines.push_back("a room key forwarded by " + std::string(sender) +
                                    " for another device's session was refused");
                return false;
            }
            session = engine_->inbound_group_session_from_export(session_key);
        }
        if (session->id() != session_id || room.empty()) {
            log_lines.push_back("a room key from " + std::string(sender) +
                                " does not match its session id");
            return false;
        }
        add_inbound(room, owner, text_at(*keys, "ed25519"), std::move(session));
        return true;
    } catch (const crypto_error& e) {
        log_lines.push_back("a room key from " + std::string(sender) + " was refused: " + e.what());
        return false;
    }
}

to_device_outcome machine::on_to_device(const std::vector<std::string>& events) {
    to_device_outcome out;
    for (const auto& text : events) {
        const json event = parse_object(text);
        if (text_at(event, "type") != "m.room.encrypted") continue;
        const json* content = object_at(event, "content");
        const auto sender = text_at(event, "sender");
        if (!content || text_at(*content, "algorithm") != olm_algorithm) continue;
        auto plaintext = decrypt_olm(sender, *content, out.log_lines);
        if (plaintext)
            take_room_key(sender, text_at(*content, "sender_key"), *plaintext, out.log_lines);
    }
    // Every held event is tried, not only after a new key: one released before may not have
    // been recorded (the adapter settles those that were).
    for (const auto& h : held_) {
        std::string reason;
        bool missing = false;
        if (auto event = try_decrypt(h.room, h.event_json, reason, missing)) {
            out.released.push_back(std::move(*event));
        } else if (!missing) {
            out.log_lines.push_back("the held event " + h.event_id +
                                    " could not be decrypted: " + reason);
        }
    }
    return out;
}

void machine::settle(std::string_view event_id) {
    const auto before = held_.size();
    std::erase_if(held_, [&](const held_event& h) { return h.event_id == event_id; });
    if (held_.size() != before) ++changes_;
}

std::optional<decrypted_event> machine::try_decrypt(std::string_view room,
                                                    std::string_view event_json,
                                                    std::string& reason, bool& key_missing) {
    key_missing = false;
    json event = parse_object(event_json);
    const json* content = object_at(event, "content");
    if (!content || text_at(*content, "algorithm") != megolm_algorithm) {
        reason = "not encrypted with Megolm";
        return std::nullopt;
    }
    const auto sender_key = text_at(*content, "sender_key");
    const auto session_id = text_at(*content, "session_id");
    auto it = inbound_.find(inbound_ref(room, sender_key, session_id));
    if (it == inbound_.end()) {
        // Senders that left sender_key out (it is deprecated) are found by the session id.
        it = std::find_if(inbound_.begin(), inbound_.end(), [&](const auto& k) {
            return k.second.room == room && sender_key.empty() &&
                   k.first.ends_with("|" + session_id);
        });
    }
    if (it == inbound_.end()) {
        key_missing = true;
        reason = "its room key has not arrived";
        return std::nullopt;
    }
    auto& key = it->second;
    auto plain = key.session->decrypt(text_at(*content, "ciphertext"));
    if (!plain) {
        // Older than the key we hold, or damaged: a key reaching further back may still come.
        key_missing = true;
        reason = "the room key we hold does not reach it";
        return std::nullopt;
    }
    const auto event_id = text_at(event, "event_id");
    if (auto seen = key.seen.find(plain->message_index);
        seen != key.seen.end() && seen->second != event_id) {
        reason = "it replays a message index of another event";
        return std::nullopt;
    }
    key.seen[plain->message_index] = event_id;
    if (key.seen.size() > max_seen_indices) key.seen.erase(key.seen.begin());
    const json payload = parse_object(plain->text);
    const json* inner = object_at(payload, "content");
    if (text_at(payload, "room_id") != room || !inner || text_at(payload, "type").empty()) {
        reason = "its plaintext names another room or has no content";
        return std::nullopt;
    }
    json relation;
    if (const json* r = object_at(*content, "m.relates_to")) relation = *r;
    event["type"] = payload["type"];
    event["content"] = *inner;
    if (relation.is_object() && !event["content"].contains("m.relates_to")) {
        event["content"]["m.relates_to"] = std::move(relation);
    }
    return decrypted_event{std::string(room), event_id, canonical(event), key.sender_key};
}

decrypt_result machine::decrypt(std::string_view room, std::string_view event_json,
                                std::int64_t now_ms, bool hold_if_missing) {
    decrypt_result out;
    bool missing = false;
    if (auto event = try_decrypt(room, event_json, out.reason, missing)) {
        out.outcome = decrypt_outcome::decrypted;
        out.event = std::move(*event);
        return out;
    }
    if (!missing) {
        out.outcome = decrypt_outcome::failed;
        return out;
    }
    out.outcome = decrypt_outcome::key_missing;
    if (!hold_if_missing) return out;
    const json event = parse_object(event_json);
    const auto event_id = text_at(event, "event_id");
    const bool known = std::any_of(held_.begin(), held_.end(),
                                   [&](const held_event& h) { return h.event_id == event_id; });
    if (!known && held_.size() < max_held_events) {
        const json* content = object_at(event, "content");
        held_.push_back(
            held_event{std::string(room), event_id, text_at(event, "sender"),
                       content ? text_at(*content, "sender_key") : "",
                       content ? text_at(*content, "session_id") : "", std::string(event_json),
                       json_input::int_at(event, "origin_server_ts").value_or(0), now_ms});
        ++changes_;
    }
    return out;
}

std::string machine::key_request_body(const held_event& event) const {
    const json request = {{"action", "request"},
                          {"body",
                           {{"algorithm", megolm_algorithm},
                            {"room_id", event.room},
                            {"sender_key", event.sender_key},
                            {"session_id", event.session_id}}},
                          {"request_id", "scribe-" + event.session_id.substr(0, 16)},
                          {"requesting_device_id", device_id_}};
    json messages = json::object();
    // Only the session's own device may send it (take_room_key), so only the sender is asked.
    messages[event.sender]["*"] = request;
    return canonical(json{{"messages", messages}});
}

std::vector<held_event> machine::overdue_held(std::int64_t now_ms,
                                              std::chrono::milliseconds patience) const {
    std::vector<held_event> overdue;
    for (const auto& h : held_) {
        if (now_ms - h.held_since >= patience.count()) overdue.push_back(h);
    }
    return overdue;
}

}  // namespace scribe::adapters::matrix::e2e
