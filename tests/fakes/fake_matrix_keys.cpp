// The fake Matrix homeserver's end-to-end encryption side: devices and their keys, one-time key
// claims, to-device messages and the device lists /sync reports (client-server spec, "End-to-end
// encryption" and "Send-to-Device messaging").
#include <algorithm>

#include "tests/fakes/fake_matrix_impl.hpp"

namespace scribe::fakes {

using json = nlohmann::json;

namespace {

// "signed_curve25519:AAAAHQ" -> "signed_curve25519"; "" when the ID has no algorithm.
std::string key_algorithm(const std::string& key_id) {
    const auto colon = key_id.find(':');
    return colon == std::string::npos || colon == 0 ? std::string() : key_id.substr(0, colon);
}

}  // namespace

// --- model ---------------------------------------------------------------------------------------

fake_matrix::impl::device_state& fake_matrix::impl::add_device(const std::string& user_id,
                                                               const std::string& device_id,
                                                               const std::string& display_name) {
    auto& device = devices_[user_id][device_id];
    if (device.display_name.empty()) device.display_name = display_name;
    return device;
}

fake_matrix::impl::device_state* fake_matrix::impl::find_device(const std::string& user_id,
                                                                const std::string& device_id) {
    const auto user = devices_.find(user_id);
    if (user == devices_.end()) return nullptr;
    const auto device = user->second.find(device_id);
    return device == user->second.end() ? nullptr : &device->second;
}

void fake_matrix::impl::remove_device(const std::string& user_id, const std::string& device_id) {
    const auto* device = find_device(user_id, device_id);
    if (device == nullptr) return;
    const bool had_keys = !device->keys.is_null();
    devices_[user_id].erase(device_id);
    // Others must stop encrypting for it.
    if (had_keys) note_device_list_change(user_id);
}

std::int64_t fake_matrix::impl::next_account_pos() {
    post_wake();
    return ++account_stream_;
}

void fake_matrix::impl::note_device_list_change(const std::string& user_id) {
    device_list_changes_.emplace_back(next_account_pos(), user_id);
}

void fake_matrix::impl::send_to_device(to_device_message message) {
    for (auto it = to_device_holds_.begin(); it != to_device_holds_.end(); ++it) {
        if (it->recipient != message.recipient || it->type != message.type ||
            (!it->sender.empty() && it->sender != message.sender)) {
            continue;
        }
        message.held = true;
        if (--it->remaining <= 0) to_device_holds_.erase(it);
        break;
    }
    to_device_log_.push_back(std::move(message));
    if (to_device_log_.back().held) {
        held_to_device_.push_back(to_device_log_.size() - 1);
    } else {
        deliver_to_device(to_device_log_.back());
    }
}

void fake_matrix::impl::deliver_to_device(const to_device_message& message) {
    auto* device = find_device(message.recipient, message.recipient_device);
    if (device == nullptr) return;  // logged out meanwhile: nobody to read it
    json event = json::object();
    event["type"] = message.type;
    event["sender"] = message.sender;
    event["content"] = message.content;
    device->inbox.push_back({next_account_pos(), std::move(event)});
}

std::set<std::string> fake_matrix::impl::room_partners(const std::string& user_id, std::int64_t at,
                                                       bool encrypted_only) const {
    // Replays membership and encryption up to `at`: the rooms' state then.
    std::map<std::string, std::map<std::string, std::string>> members;  // room -> user -> state
    std::set<std::string> encrypted;
    for (const auto& record : events_) {
        if (record.pos > at) break;
        const auto& event = record.event;
        if (!event.contains("state_key")) continue;
        if (event["type"] == "m.room.member" && event["content"].contains("membership")) {
            members[record.room_id][event["state_key"].get<std::string>()] =
                event["content"]["membership"].get<std::string>();
        } else if (event["type"] == "m.room.encryption") {
            encrypted.insert(record.room_id);
        }
    }
    auto present = [](const std::string& membership) {
        return membership == "join" || membership == "invite";
    };
    std::set<std::string> out;
    for (const auto& [room_id, room_members] : members) {
        if (encrypted_only && !encrypted.contains(room_id)) continue;
        const auto mine = room_members.find(user_id);
        if (mine == room_members.end() || !present(mine->second)) continue;
        for (const auto& [other, membership] : room_members) {
            if (other != user_id && present(membership)) out.insert(other);
        }
    }
    return out;
}

json fake_matrix::impl::device_lists(const std::string& user_id, std::int64_t room_since,
                                     std::int64_t account_since) const {
    std::set<std::string> changed;
    std::set<std::string> left;
    const auto head = static_cast<std::int64_t>(events_.size());
    std::optional<std::set<std::string>> partners;
    for (const auto& [pos, who] : device_list_changes_) {
        if (pos <= account_since) continue;
        if (!partners) partners = room_partners(user_id, head, false);
        if (who == user_id || partners->contains(who)) changed.insert(who);
    }
    // Whoever newly shares an encrypted room needs a first key query; whoever shares none any
    // more is no longer tracked.
    const bool rooms_moved =
        std::any_of(events_.begin() + static_cast<std::ptrdiff_t>(std::min(room_since, head)),
                    events_.end(), [](const event_record& record) {
                        const auto& type = record.event["type"];
                        return type == "m.room.member" || type == "m.room.encryption";
                    });
    if (rooms_moved) {
        const auto before = room_partners(user_id, room_since, true);
        const auto after = room_partners(user_id, head, true);
        for (const auto& other : after) {
            if (!before.contains(other)) changed.insert(other);
        }
        for (const auto& other : before) {
            if (!after.contains(other)) {
                left.insert(other);
                changed.erase(other);
            }
        }
    }
    json out = json::object();
    out["changed"] = changed;
    out["left"] = left;
    return out;
}

json fake_matrix::impl::one_time_key_counts(const device_state& device) const {
    json counts = json::object();
    // Synapse always reports this one, so a client can tell "none left" from "not supported".
    counts["signed_curve25519"] = 0;
    for (const auto& [key_id, key] : device.one_time_keys) {
        const auto algorithm = key_algorithm(key_id);
        counts[algorithm] = counts.value(algorithm, 0) + 1;
    }
    return counts;
}

// --- client-server API ---------------------------------------------------------------------------

matrix_reply fake_matrix::impl::handle_keys_upload(request_context& context) {
    json body;
    if (auto failure = parse_object(context.request.body, body)) return std::move(*failure);
    const auto& user = context.session->user_id;
    const auto& device_id = context.session->device_id;
    auto& device = add_device(user, device_id, {});

    // Everything is checked before anything is stored: a refused upload changes nothing.
    const auto device_keys = body.find("device_keys");
    if (device_keys != body.end() && !device_keys->is_null()) {
        if (!device_keys->is_object() || !device_keys->contains("keys") ||
            !(*device_keys)["keys"].is_object() || !device_keys->contains("algorithms") ||
            !(*device_keys)["algorithms"].is_array()) {
            return matrix_error(400, "M_BAD_JSON", "device_keys needs keys and algorithms");
        }
        if (device_keys->value("user_id", "") != user ||
            device_keys->value("device_id", "") != device_id) {
            return matrix_error(400, "M_INVALID_PARAM",
                                "User ID or device ID does not match the access token");
        }
    }
    auto key_map = [&body](const char* name) {
        const auto it = body.find(name);
        return it != body.end() && it->is_object() ? *it : json::object();
    };
    const auto one_time_keys = key_map("one_time_keys");
    const auto fallback_keys = key_map("fallback_keys");
    for (const auto* keys : {&one_time_keys, &fallback_keys}) {
        for (const auto& [key_id, key] : keys->items()) {
            if (key_algorithm(key_id).empty()) {
                return matrix_error(400, "M_INVALID_PARAM", "Key ID without an algorithm");
            }
        }
    }
    for (const auto& [key_id, key] : one_time_keys.items()) {
        const auto existing = device.one_time_keys.find(key_id);
        if (existing != device.one_time_keys.end() && existing->second != key) {
            return matrix_error(400, "M_INVALID_PARAM",
                                "One time key " + key_id + " already exists");
        }
    }

    if (device_keys != body.end() && device_keys->is_object() && device.keys != *device_keys) {
        device.keys = *device_keys;
        note_device_list_change(user);
    }
    for (const auto& [key_id, key] : one_time_keys.items()) device.one_time_keys[key_id] = key;
    for (const auto& [key_id, key] : fallback_keys.items()) {
        auto& current = device.fallback_keys[key_algorithm(key_id)];
        // The same key again keeps its state; a new one replaces the old, unused.
        if (current.key_id == key_id && current.key == key) continue;
        current = fallback_key{key_id, key, false};
    }
    matrix_reply reply;
    reply.body["one_time_key_counts"] = one_time_key_counts(device);
    return reply;
}

matrix_reply fake_matrix::impl::handle_keys_query(request_context& context) {
    json body;
    if (auto failure = parse_object(context.request.body, body)) return std::move(*failure);
    if (!body.contains("device_keys") || !body["device_keys"].is_object()) {
        return matrix_error(400, "M_BAD_JSON", "device_keys must be an object");
    }
    json found = json::object();
    for (const auto& [user, wanted] : body["device_keys"].items()) {
        if (!users_.contains(user)) continue;  // unknown users are left out
        json user_devices = json::object();
        const auto devices = devices_.find(user);
        if (devices != devices_.end()) {
            for (const auto& [device_id, device] : devices->second) {
                if (device.keys.is_null()) continue;
                // An empty list asks for every device.
                if (wanted.is_array() && !wanted.empty() &&
                    std::find(wanted.begin(), wanted.end(), device_id) == wanted.end()) {
                    continue;
                }
                json keys = device.keys;
                keys.erase("unsigned");
                if (!device.display_name.empty()) {
                    keys["unsigned"]["device_display_name"] = device.display_name;
                }
                user_devices[device_id] = std::move(keys);
            }
        }
        found[user] = std::move(user_devices);
    }
    matrix_reply reply;
    reply.body["device_keys"] = std::move(found);
    reply.body["failures"] = json::object();  // every user is local: nothing to fail
    return reply;
}

matrix_reply fake_matrix::impl::handle_keys_claim(request_context& context) {
    json body;
    if (auto failure = parse_object(context.request.body, body)) return std::move(*failure);
    if (!body.contains("one_time_keys") || !body["one_time_keys"].is_object()) {
        return matrix_error(400, "M_BAD_JSON", "one_time_keys must be an object");
    }
    json claimed = json::object();
    for (const auto& [user, wanted] : body["one_time_keys"].items()) {
        if (!wanted.is_object()) continue;
        for (const auto& [device_id, algorithm_json] : wanted.items()) {
            auto* device = find_device(user, device_id);
            if (device == nullptr || !algorithm_json.is_string()) continue;
            const auto algorithm = algorithm_json.get<std::string>();
            const auto prefix = algorithm + ":";
            const auto key = std::find_if(
                device->one_time_keys.begin(), device->one_time_keys.end(),
                [&prefix](const auto& entry) { return entry.first.starts_with(prefix); });
            if (key != device->one_time_keys.end()) {
                claimed[user][device_id][key->first] = key->second;
                device->one_time_keys.erase(key);
                continue;
            }
            // Out of one-time keys: the fallback key, which stays for the next claim too.
            const auto fallback = device->fallback_keys.find(algorithm);
            if (fallback != device->fallback_keys.end()) {
                claimed[user][device_id][fallback->second.key_id] = fallback->second.key;
                fallback->second.used = true;
            }
        }
    }
    matrix_reply reply;
    reply.body["one_time_keys"] = std::move(claimed);
    reply.body["failures"] = json::object();
    return reply;
}

matrix_reply fake_matrix::impl::handle_send_to_device(request_context& context,
                                                      const std::string& type,
                                                      const std::string& txn_id) {
    // A retransmission is the same transaction ID on the same path from the same scope.
    const auto key = context.txn_key + " " + context.request.path;
    if (const auto it = transactions_.find(key); it != transactions_.end()) {
        ++stats_.txn_replays;
        return it->second;
    }
    json body;
    if (auto failure = parse_object(context.request.body, body)) return std::move(*failure);
    if (!body.contains("messages") || !body["messages"].is_object()) {
        return matrix_error(400, "M_BAD_JSON", "messages must be an object");
    }
    for (const auto& [user, per_device] : body["messages"].items()) {
        const auto devices = devices_.find(user);
        if (!per_device.is_object() || devices == devices_.end()) continue;
        for (const auto& [device_id, content] : per_device.items()) {
            std::vector<std::string> targets;
            if (device_id == "*") {
                for (const auto& [id, device] : devices->second) targets.push_back(id);
            } else if (devices->second.contains(device_id)) {
                targets.push_back(device_id);
            }
            for (const auto& target : targets) {
                send_to_device({context.session->user_id, context.session->device_id, user, target,
                                type, content, txn_id, false});
            }
        }
    }
    matrix_reply reply;
    transactions_[key] = reply;
    return reply;
}

matrix_reply fake_matrix::impl::handle_account_data(request_context& context,
                                                    const std::string& user_id,
                                                    const std::string& type) {
    if (user_id != context.session->user_id) {
        return matrix_error(403, "M_FORBIDDEN", "Cannot access another user's account data");
    }
    auto& mine = account_data_[user_id];
    if (context.request.method == "GET") {
        const auto it = mine.find(type);
        if (it == mine.end()) return matrix_error(404, "M_NOT_FOUND", "Account data not found");
        matrix_reply reply;
        reply.body = it->second.content;
        return reply;
    }
    json content;
    if (auto failure = parse_object(context.request.body, content)) return std::move(*failure);
    mine[type] = account_data_entry{std::move(content), next_account_pos()};
    return matrix_reply{};
}

// --- public API ----------------------------------------------------------------------------------

void fake_matrix::hold_to_device(std::string recipient, std::string type, int count,
                                 std::string sender) {
    impl_->runtime_.call([i = impl_.get(), recipient = std::move(recipient), type = std::move(type),
                          count, sender = std::move(sender)] {
        i->require_user(recipient);
        if (!sender.empty()) i->require_user(sender);
        i->to_device_holds_.push_back({recipient, type, count, sender});
    });
}

int fake_matrix::release_held_to_device() {
    return impl_->runtime_.call([i = impl_.get()] {
        const auto held = std::exchange(i->held_to_device_, {});
        for (const auto index : held) {
            auto& message = i->to_device_log_[index];
            message.held = false;
            i->deliver_to_device(message);
        }
        return static_cast<int>(held.size());
    });
}

std::vector<std::string> fake_matrix::devices(std::string user_id) const {
    return impl_->runtime_.call([i = impl_.get(), user_id = std::move(user_id)] {
        i->require_user(user_id);
        std::vector<std::string> out;
        if (const auto it = i->devices_.find(user_id); it != i->devices_.end()) {
            for (const auto& [device_id, device] : it->second) out.push_back(device_id);
        }
        return out;
    });
}

std::optional<json> fake_matrix::device_keys(std::string user_id, std::string device_id) const {
    return impl_->runtime_.call(
        [i = impl_.get(), user_id = std::move(user_id), device_id = std::move(device_id)] {
            const auto* device = i->find_device(user_id, device_id);
            return device == nullptr || device->keys.is_null() ? std::nullopt
                                                               : std::optional<json>(device->keys);
        });
}

std::map<std::string, int> fake_matrix::one_time_key_counts(std::string user_id,
                                                            std::string device_id) const {
    return impl_->runtime_.call(
        [i = impl_.get(), user_id = std::move(user_id), device_id = std::move(device_id)] {
            std::map<std::string, int> out;
            if (const auto* device = i->find_device(user_id, device_id)) {
                const auto counts = i->one_time_key_counts(*device);
                for (const auto& [algorithm, count] : counts.items()) {
                    out[algorithm] = count.get<int>();
                }
            }
            return out;
        });
}

std::map<std::string, bool> fake_matrix::fallback_key_used(std::string user_id,
                                                           std::string device_id) const {
    return impl_->runtime_.call(
        [i = impl_.get(), user_id = std::move(user_id), device_id = std::move(device_id)] {
            std::map<std::string, bool> out;
            if (const auto* device = i->find_device(user_id, device_id)) {
                for (const auto& [algorithm, key] : device->fallback_keys)
                    out[algorithm] = key.used;
            }
            return out;
        });
}

std::vector<to_device_message> fake_matrix::to_device_messages(std::string recipient) const {
    return impl_->runtime_.call([i = impl_.get(), recipient = std::move(recipient)] {
        std::vector<to_device_message> out;
        for (const auto& message : i->to_device_log_) {
            if (recipient.empty() || message.recipient == recipient) out.push_back(message);
        }
        return out;
    });
}

}  // namespace scribe::fakes
