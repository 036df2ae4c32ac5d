// The bot's encryption device without I/O: its Olm account and sessions, the Megolm keys it
// holds and shares, the devices of the people it shares rooms with, and the encrypted events
// still waiting for their key. The adapter carries its requests to the homeserver and hands it
// the answers; what it knows is saved as one text (save()) kept sealed in the store. Outbound
// room sessions are not saved: one restored behind its last use would send a message index
// twice, so after a restart each room gets a new one.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/matrix/e2e/olm.hpp"

namespace scribe::adapters::matrix::e2e {

inline constexpr std::string_view olm_algorithm = "m.olm.v1.curve25519-aes-sha2";
inline constexpr std::string_view megolm_algorithm = "m.megolm.v1.aes-sha2";

// The saved state cannot be read back: not ours, damaged, or of another device.
class state_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// m.room.encryption's rotation settings, with the spec's defaults.
struct room_encryption {
    std::chrono::milliseconds rotation_period{std::chrono::hours(24 * 7)};
    std::uint64_t rotation_messages = 100;
};

// Parses an m.room.encryption content; nullopt unless its algorithm is Megolm's.
std::optional<room_encryption> parse_room_encryption(std::string_view content_json);

// A room event decrypted: the event JSON with the plaintext's type and content in place.
struct decrypted_event {
    std::string room;
    std::string event_id;
    std::string event_json;
    std::string sender_key;  // the Curve25519 key of the device whose session encrypted it
};

// An encrypted event whose session key has not arrived.
struct held_event {
    std::string room;
    std::string event_id;
    std::string sender;
    std::string sender_key;
    std::string session_id;
    std::string event_json;
    std::int64_t origin_server_ts = 0;  // ms
    std::int64_t held_since = 0;        // ms, our clock
};

enum class decrypt_outcome { decrypted, key_missing, failed };

struct decrypt_result {
    decrypt_outcome outcome = decrypt_outcome::failed;
    decrypted_event event;  // when decrypted
    std::string reason;     // when failed: for the log and the room
};

// What a to-device batch brought.
struct to_device_outcome {
    std::vector<decrypted_event> released;  // held events whose key is here, oldest first
    std::vector<std::string> log_lines;     // what was refused, and why
};

class machine {
  public:
    // A new device with a new account.
    machine(const olm_engine& engine, std::string user_id, std::string device_id,
            std::string pickle_key);
    // The device saved by save(); throws state_error when it cannot be read with this key or
    // belongs to another user or device.
    static machine restore(const olm_engine& engine, std::string user_id, std::string device_id,
                           std::string pickle_key, std::string_view saved);
    machine(machine&&) noexcept;
    machine& operator=(machine&&) noexcept;
    ~machine();

    std::string save() const;
    // Whether anything worth saving changed since the last save marked saved. changes() is taken
    // with the snapshot, so what changed while the snapshot was being stored stays unsaved.
    bool dirty() const { return changes_ != saved_changes_; }
    std::uint64_t changes() const { return changes_; }
    void mark_saved(std::uint64_t changes_saved) { saved_changes_ = changes_saved; }

    const std::string& user_id() const { return user_id_; }
    const std::string& device_id() const { return device_id_; }
    std::string curve25519() const;
    std::string ed25519() const;

    // ---- Our keys ---------------------------------------------------------------------------
    // The body of POST /keys/upload when something is owed: the device keys (until uploaded
    // once), one-time keys up to half the account's capacity, a fallback key when the server has
    // none unused.
    std::optional<std::string> keys_to_upload();
    // The answer: its one_time_key_counts. The keys offered are then published.
    void on_keys_uploaded(std::string_view answer);
    // /sync's device_one_time_keys_count.signed_curve25519 and whether
    // device_unused_fallback_key_types lists signed_curve25519 (nullopt: the server said nothing).
    void on_key_counts(std::optional<std::int64_t> one_time_keys,
                       std::optional<bool> fallback_unused);
    // Whether the homeserver's own record of this device (a /keys/query answer) carries these
    // identity keys; false also when it holds none.
    bool server_has_our_keys(std::string_view query_answer) const;
    bool server_has_device(std::string_view query_answer) const;
    // The homeserver lost this device's keys (or never got them): they are uploaded again.
    void keys_unknown_to_server();

    // ---- Devices of others ------------------------------------------------------------------
    // /sync's device_lists: changed users are queried again, left ones forgotten.
    void on_device_lists(const std::vector<std::string>& changed,
                         const std::vector<std::string>& left);
    // The users among `users` whose devices are not known or out of date.
    std::vector<std::string> users_to_query(const std::vector<std::string>& users) const;
    static std::string keys_query_body(const std::vector<std::string>& users);
    // Devices whose self-signature or ids do not check out are left out and logged.
    std::vector<std::string> on_keys_query(std::string_view answer);
    // Whether `curve25519` is a key of one of the user's known devices.
    bool is_device_of(std::string_view user_id, std::string_view curve25519) const;
    bool knows_devices_of(std::string_view user_id) const;

    // ---- Sending in an encrypted room -------------------------------------------------------
    // Starts a new outbound session when the room has none or its own has to rotate: by age, by
    // count, or because a device that held it is no longer among the members' devices.
    void prepare_room(const std::string& room, const std::vector<std::string>& members,
                      const room_encryption& settings, std::int64_t now_ms);
    // The body of POST /keys/claim for the members' devices lacking an Olm session and still
    // lacking the room's key; nullopt when none do.
    std::optional<std::string> claims_for(const std::string& room,
                                          const std::vector<std::string>& members) const;
    // The answer to the claim `asked` (claims_for's body): a session with each device that sent
    // a one-time key signed by its own key; those without one are not asked again until their
    // device list changes. Returns what went wrong, for the log.
    std::vector<std::string> on_keys_claimed(std::string_view answer, std::string_view asked);
    // The body of PUT /sendToDevice/m.room.encrypted sharing the room's session with the
    // members' devices that lack it; they count as holding it from now (a failed send is
    // followed by forget_outbound). nullopt when every device holds it.
    std::optional<std::string> share_room_key(const std::string& room,
                                              const std::vector<std::string>& members);
    void forget_outbound(const std::string& room);
    // The content of an m.room.encrypted event carrying `type` and `content_json`.
    std::string encrypt(const std::string& room, std::string_view type,
                        std::string_view content_json);

    // ---- Receiving --------------------------------------------------------------------------
    // To-device events from /sync (each a JSON text): Olm-encrypted room keys are taken in, and
    // the held events that now decrypt are released. They stay held until settle(): one that
    // could not be recorded comes again with the next batch.
    to_device_outcome on_to_device(const std::vector<std::string>& events);
    // An m.room.encrypted room event. A missing key holds the event (see held()) unless
    // `hold_if_missing` is false: an old message fetched again is not one to act on later.
    decrypt_result decrypt(std::string_view room, std::string_view event_json, std::int64_t now_ms,
                           bool hold_if_missing = true);
    // The body of PUT /sendToDevice/m.room_key_request asking the sender's and our own devices
    // for a held event's key.
    std::string key_request_body(const held_event& event) const;
    // A held event dealt with: recorded once released, or its room told it was lost.
    void settle(std::string_view event_id);
    // Held events older than `patience`: the adapter says so in their rooms, then settles them.
    std::vector<held_event> overdue_held(std::int64_t now_ms,
                                         std::chrono::milliseconds patience) const;
    const std::vector<held_event>& held() const { return held_; }

  private:
    struct device;
    struct outbound;
    struct inbound_key;

    machine(const olm_engine& engine, std::string user_id, std::string device_id,
            std::string pickle_key, std::unique_ptr<olm_account> account);

    std::string signed_json_text(std::string_view unsigned_json) const;
    std::vector<const device*> devices_of(const std::vector<std::string>& members) const;
    olm_session* newest_session(const std::string& curve25519);
    bool has_session(const std::string& curve25519) const;
    // Newest first, at most a few per device.
    void keep_session(const std::string& curve25519, std::unique_ptr<olm_session> session);
    std::optional<std::string> decrypt_olm(std::string_view sender, const nlohmann::json& content,
                                           std::vector<std::string>& log_lines);
    bool take_room_key(std::string_view sender, std::string_view sender_key,
                       std::string_view plaintext, std::vector<std::string>& log_lines);
    void add_inbound(const std::string& room, const std::string& sender_key,
                     const std::string& signing_key,
                     std::unique_ptr<inbound_group_session> session);
    std::optional<decrypted_event> try_decrypt(std::string_view room, std::string_view event_json,
                                               std::string& reason, bool& key_missing);

    const olm_engine* engine_;
    std::string user_id_;
    std::string device_id_;
    std::string pickle_key_;
    std::unique_ptr<olm_account> account_;
    bool device_keys_uploaded_ = false;
    std::int64_t server_one_time_keys_ = -1;  // -1: not yet told
    bool server_fallback_unused_ = true;
    std::map<std::string, std::vector<std::unique_ptr<olm_session>>> sessions_;  // by curve25519
    std::map<std::string, std::map<std::string, device>> devices_;               // user -> id ->
    std::set<std::string> outdated_;
    std::set<std::string> unreachable_;           // "user|device" without a one-time key to claim
    std::map<std::string, outbound> outbound_;    // by room
    std::map<std::string, inbound_key> inbound_;  // "room|sender_key|session_id"
    std::uint64_t inbound_order_ = 0;
    std::vector<held_event> held_;
    std::uint64_t changes_ = 1;  // a new device has everything to save
    std::uint64_t saved_changes_ = 0;
};

}  // namespace scribe::adapters::matrix::e2e
