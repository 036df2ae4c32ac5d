// Olm (one-to-one) and Megolm (group) sessions behind an interface of our own, so that the
// library doing the cryptography can be replaced (libolm today, vodozemac when packaged).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scribe::adapters::matrix::e2e {

// The library refused an operation that should not fail (bad pickle, bad key, no entropy).
class crypto_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// An Olm message: type 0 sets up a session (pre-key message), type 1 uses one.
struct olm_message {
    int type = 0;
    std::string body;  // unpadded base64
};

// A key id and its unpadded base64 Curve25519 key.
using key_pair = std::pair<std::string, std::string>;

class olm_session {
  public:
    virtual ~olm_session() = default;
    virtual std::string id() const = 0;
    // Whether a pre-key message from `their_identity_key` was made for this session.
    virtual bool matches_inbound(std::string_view their_identity_key,
                                 std::string_view body) const = 0;
    virtual olm_message encrypt(std::string_view plaintext) = 0;
    // nullopt when the message is not for this session or was tampered with.
    virtual std::optional<std::string> decrypt(const olm_message& message) = 0;
    virtual std::string pickle(std::string_view key) const = 0;
};

class olm_account {
  public:
    virtual ~olm_account() = default;
    virtual std::string curve25519() const = 0;
    virtual std::string ed25519() const = 0;
    // Unpadded base64 Ed25519 signature.
    virtual std::string sign(std::string_view message) const = 0;
    virtual std::size_t max_one_time_keys() const = 0;
    virtual void generate_one_time_keys(std::size_t count) = 0;
    virtual std::vector<key_pair> unpublished_one_time_keys() const = 0;
    virtual void generate_fallback_key() = 0;
    virtual std::vector<key_pair> unpublished_fallback_key() const = 0;
    virtual void mark_keys_as_published() = 0;
    // A session from a pre-key message; the one-time key it used is removed from the account.
    // Throws crypto_error when the message names no key of ours.
    virtual std::unique_ptr<olm_session> inbound_session(std::string_view their_identity_key,
                                                         std::string_view prekey_body) = 0;
    virtual std::unique_ptr<olm_session> outbound_session(std::string_view their_identity_key,
                                                          std::string_view their_one_time_key) = 0;
    virtual std::string pickle(std::string_view key) const = 0;
};

class outbound_group_session {
  public:
    virtual ~outbound_group_session() = default;
    virtual std::string id() const = 0;
    // The key at the current message index, for sharing in m.room_key.
    virtual std::string session_key() const = 0;
    virtual std::uint32_t message_index() const = 0;
    virtual std::string encrypt(std::string_view plaintext) = 0;
    virtual std::string pickle(std::string_view key) const = 0;
};

struct group_plaintext {
    std::string text;
    std::uint32_t message_index = 0;
};

class inbound_group_session {
  public:
    virtual ~inbound_group_session() = default;
    virtual std::string id() const = 0;
    virtual std::uint32_t first_known_index() const = 0;
    // nullopt when the message is not of this session, was tampered with or predates the key.
    virtual std::optional<group_plaintext> decrypt(std::string_view body) = 0;
    virtual std::string pickle(std::string_view key) const = 0;
};

class olm_engine {
  public:
    virtual ~olm_engine() = default;
    virtual std::unique_ptr<olm_account> new_account() const = 0;
    virtual std::unique_ptr<outbound_group_session> new_outbound_group_session() const = 0;
    // From m.room_key's session_key; throws crypto_error when it is not one.
    virtual std::unique_ptr<inbound_group_session> inbound_group_session_from_key(
        std::string_view session_key) const = 0;
    // From m.forwarded_room_key's exported session_key.
    virtual std::unique_ptr<inbound_group_session> inbound_group_session_from_export(
        std::string_view exported_key) const = 0;
    // Each throws crypto_error when the pickle is damaged or the key is wrong.
    virtual std::unique_ptr<olm_account> account_from_pickle(std::string_view pickle,
                                                             std::string_view key) const = 0;
    virtual std::unique_ptr<olm_session> session_from_pickle(std::string_view pickle,
                                                             std::string_view key) const = 0;
    virtual std::unique_ptr<outbound_group_session> outbound_group_from_pickle(
        std::string_view pickle, std::string_view key) const = 0;
    virtual std::unique_ptr<inbound_group_session> inbound_group_from_pickle(
        std::string_view pickle, std::string_view key) const = 0;
    virtual bool verify_ed25519(std::string_view public_key, std::string_view message,
                                std::string_view signature) const = 0;
};

// libolm 3.2. Deprecated upstream for timing side channels in its primitives (README).
std::unique_ptr<olm_engine> make_libolm_engine();

}  // namespace scribe::adapters::matrix::e2e
