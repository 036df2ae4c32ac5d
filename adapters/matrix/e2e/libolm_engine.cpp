// olm_engine over libolm 3.2. libolm decodes base64 in place, so every buffer it reads is a
// copy; its objects live in memory we own, wiped when they are cleared.
#include <olm/inbound_group_session.h>
#include <olm/olm.h>
#include <olm/outbound_group_session.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>
#include <type_traits>

#include "adapters/matrix/e2e/olm.hpp"

namespace scribe::adapters::matrix::e2e {
namespace {

std::string random_bytes(std::size_t length) {
    std::string out(length, '\0');
    if (length > 0 &&
        RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(length)) != 1) {
        throw crypto_error("no random bytes for the Olm library");
    }
    return out;
}

// A libolm object in memory we own; the deleter wipes it.
template <typename T, std::size_t (*Size)(), T* (*Init)(void*), std::size_t (*Clear)(T*)>
class olm_object {
  public:
    olm_object() : memory_(new unsigned char[Size()]), object_(Init(memory_.get())) {}
    ~olm_object() { Clear(object_); }
    olm_object(const olm_object&) = delete;
    olm_object& operator=(const olm_object&) = delete;
    T* get() const { return object_; }

  private:
    std::unique_ptr<unsigned char[]> memory_;
    T* object_;
};

using account_object =
    olm_object<OlmAccount, ::olm_account_size, ::olm_account, ::olm_clear_account>;
using session_object =
    olm_object<OlmSession, ::olm_session_size, ::olm_session, ::olm_clear_session>;
using outbound_object = olm_object<OlmOutboundGroupSession, olm_outbound_group_session_size,
                                   olm_outbound_group_session, olm_clear_outbound_group_session>;
using inbound_object = olm_object<OlmInboundGroupSession, olm_inbound_group_session_size,
                                  olm_inbound_group_session, olm_clear_inbound_group_session>;
using utility_object = olm_object<OlmUtility, olm_utility_size, olm_utility, olm_clear_utility>;

// The object's last error is read only after the call: as an argument of check() next to
// the call's own result it could be read before the call ran.
template <typename T>
void check(std::size_t result, const char* what, const char* (*last_error)(T*),
           std::type_identity_t<T>* object) {
    if (result == olm_error()) throw crypto_error(std::string(what) + ": " + last_error(object));
}

// Calls fill(buffer, length) into a buffer of `length` bytes and returns what it wrote.
template <typename Fill>
std::string filled(std::size_t length, Fill fill) {
    std::string out(length, '\0');
    out.resize(fill(out.data(), length));
    return out;
}

std::string copy(std::string_view text) { return std::string(text); }

// {"id": "key"} under `curve25519`, as libolm lists one-time and fallback keys.
std::vector<key_pair> read_keys(const std::string& json_text) {
    std::vector<key_pair> out;
    const auto parsed = nlohmann::json::parse(json_text, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("curve25519")) return out;
    for (const auto& [id, key] : parsed["curve25519"].items()) {
        if (key.is_string()) out.emplace_back(id, key.get<std::string>());
    }
    return out;
}

class libolm_session final : public olm_session {
  public:
    session_object object;

    std::string id() const override {
        auto* s = object.get();
        return filled(olm_session_id_length(s), [&](char* out, std::size_t n) {
            const auto r = olm_session_id(s, out, n);
            check(r, "session id", olm_session_last_error, s);
            return r;
        });
    }
    bool matches_inbound(std::string_view their_identity_key,
                         std::string_view body) const override {
        auto message = copy(body);
        const auto r = olm_matches_inbound_session_from(object.get(), their_identity_key.data(),
                                                        their_identity_key.size(), message.data(),
                                                        message.size());
        return r == 1;
    }
    olm_message encrypt(std::string_view plaintext) override {
        auto* s = object.get();
        olm_message out;
        out.type = static_cast<int>(olm_encrypt_message_type(s));
        auto random = random_bytes(olm_encrypt_random_length(s));
        out.body = filled(olm_encrypt_message_length(s, plaintext.size()),
                          [&](char* buffer, std::size_t n) {
                              const auto r = olm_encrypt(s, plaintext.data(), plaintext.size(),
                                                         random.data(), random.size(), buffer, n);
                              check(r, "Olm encrypt", olm_session_last_error, s);
                              return r;
                          });
        return out;
    }
    std::optional<std::string> decrypt(const olm_message& message) override {
        auto* s = object.get();
        auto probe = message.body;
        const auto max = olm_decrypt_max_plaintext_length(s, static_cast<std::size_t>(message.type),
                                                          probe.data(), probe.size());
        if (max == olm_error()) return std::nullopt;
        auto body = message.body;
        std::string plaintext(max, '\0');
        const auto r = olm_decrypt(s, static_cast<std::size_t>(message.type), body.data(),
                                   body.size(), plaintext.data(), plaintext.size());
        if (r == olm_error()) return std::nullopt;
        plaintext.resize(r);
        return plaintext;
    }
    std::string pickle(std::string_view key) const override {
        auto* s = object.get();
        return filled(olm_pickle_session_length(s), [&](char* out, std::size_t n) {
            const auto r = olm_pickle_session(s, key.data(), key.size(), out, n);
            check(r, "pickle session", olm_session_last_error, s);
            return r;
        });
    }
};

class libolm_account final : public olm_account {
  public:
    account_object object;

    std::string curve25519() const override { return identity("curve25519"); }
    std::string ed25519() const override { return identity("ed25519"); }
    std::string sign(std::string_view message) const override {
        auto* a = object.get();
        return filled(olm_account_signature_length(a), [&](char* out, std::size_t n) {
            const auto r = olm_account_sign(a, message.data(), message.size(), out, n);
            check(r, "sign", olm_account_last_error, a);
            return r;
        });
    }
    std::size_t max_one_time_keys() const override {
        return olm_account_max_number_of_one_time_keys(object.get());
    }
    void generate_one_time_keys(std::size_t count) override {
        auto* a = object.get();
        auto random = random_bytes(olm_account_generate_one_time_keys_random_length(a, count));
        check(olm_account_generate_one_time_keys(a, count, random.data(), random.size()),
              "generate one-time keys", olm_account_last_error, a);
    }
    std::vector<key_pair> unpublished_one_time_keys() const override {
        auto* a = object.get();
        return read_keys(filled(olm_account_one_time_keys_length(a), [&](char* out, std::size_t n) {
            const auto r = olm_account_one_time_keys(a, out, n);
            check(r, "one-time keys", olm_account_last_error, a);
            return r;
        }));
    }
    void generate_fallback_key() override {
        auto* a = object.get();
        auto random = random_bytes(olm_account_generate_fallback_key_random_length(a));
        check(olm_account_generate_fallback_key(a, random.data(), random.size()),
              "generate fallback key", olm_account_last_error, a);
    }
    std::vector<key_pair> unpublished_fallback_key() const override {
        auto* a = object.get();
        return read_keys(
            filled(olm_account_unpublished_fallback_key_length(a), [&](char* out, std::size_t n) {
                const auto r = olm_account_unpublished_fallback_key(a, out, n);
                check(r, "fallback key", olm_account_last_error, a);
                return r;
            }));
    }
    void mark_keys_as_published() override { olm_account_mark_keys_as_published(object.get()); }
    std::unique_ptr<olm_session> inbound_session(std::string_view their_identity_key,
                                                 std::string_view prekey_body) override {
        auto* a = object.get();
        auto session = std::make_unique<libolm_session>();
        auto body = copy(prekey_body);
        check(olm_create_inbound_session_from(session->object.get(), a, their_identity_key.data(),
                                              their_identity_key.size(), body.data(), body.size()),
              "inbound Olm session", olm_session_last_error, session->object.get());
        check(olm_remove_one_time_keys(a, session->object.get()), "remove one-time key",
              olm_account_last_error, a);
        return session;
    }
    std::unique_ptr<olm_session> outbound_session(std::string_view their_identity_key,
                                                  std::string_view their_one_time_key) override {
        auto* a = object.get();
        auto session = std::make_unique<libolm_session>();
        auto* s = session->object.get();
        auto random = random_bytes(olm_create_outbound_session_random_length(s));
        check(olm_create_outbound_session(s, a, their_identity_key.data(),
                                          their_identity_key.size(), their_one_time_key.data(),
                                          their_one_time_key.size(), random.data(), random.size()),
              "outbound Olm session", olm_session_last_error, s);
        return session;
    }
    std::string pickle(std::string_view key) const override {
        auto* a = object.get();
        return filled(olm_pickle_account_length(a), [&](char* out, std::size_t n) {
            const auto r = olm_pickle_account(a, key.data(), key.size(), out, n);
            check(r, "pickle account", olm_account_last_error, a);
            return r;
        });
    }

  private:
    std::string identity(const char* which) const {
        auto* a = object.get();
        const auto keys =
            filled(olm_account_identity_keys_length(a), [&](char* out, std::size_t n) {
                const auto r = olm_account_identity_keys(a, out, n);
                check(r, "identity keys", olm_account_last_error, a);
                return r;
            });
        const auto parsed = nlohmann::json::parse(keys, nullptr, false);
        if (!parsed.is_object() || !parsed.contains(which) || !parsed[which].is_string()) {
            throw crypto_error("identity keys without " + std::string(which));
        }
        return parsed[which].get<std::string>();
    }
};

class libolm_outbound final : public outbound_group_session {
  public:
    outbound_object object;

    std::string id() const override {
        auto* s = object.get();
        return filled(olm_outbound_group_session_id_length(s), [&](char* out, std::size_t n) {
            auto* bytes = reinterpret_cast<std::uint8_t*>(out);
            const auto r = olm_outbound_group_session_id(s, bytes, n);
            check(r, "group session id", olm_outbound_group_session_last_error, s);
            return r;
        });
    }
    std::string session_key() const override {
        auto* s = object.get();
        return filled(olm_outbound_group_session_key_length(s), [&](char* out, std::size_t n) {
            auto* bytes = reinterpret_cast<std::uint8_t*>(out);
            const auto r = olm_outbound_group_session_key(s, bytes, n);
            check(r, "group session key", olm_outbound_group_session_last_error, s);
            return r;
        });
    }
    std::uint32_t message_index() const override {
        return olm_outbound_group_session_message_index(object.get());
    }
    std::string encrypt(std::string_view plaintext) override {
        auto* s = object.get();
        return filled(
            olm_group_encrypt_message_length(s, plaintext.size()), [&](char* out, std::size_t n) {
                const auto r =
                    olm_group_encrypt(s, reinterpret_cast<const std::uint8_t*>(plaintext.data()),
                                      plaintext.size(), reinterpret_cast<std::uint8_t*>(out), n);
                check(r, "Megolm encrypt", olm_outbound_group_session_last_error, s);
                return r;
            });
    }
    std::string pickle(std::string_view key) const override {
        auto* s = object.get();
        return filled(olm_pickle_outbound_group_session_length(s), [&](char* out, std::size_t n) {
            const auto r = olm_pickle_outbound_group_session(s, key.data(), key.size(), out, n);
            check(r, "pickle group session", olm_outbound_group_session_last_error, s);
            return r;
        });
    }
};

class libolm_inbound final : public inbound_group_session {
  public:
    inbound_object object;

    std::string id() const override {
        auto* s = object.get();
        return filled(olm_inbound_group_session_id_length(s), [&](char* out, std::size_t n) {
            const auto r = olm_inbound_group_session_id(s, reinterpret_cast<std::uint8_t*>(out), n);
            check(r, "group session id", olm_inbound_group_session_last_error, s);
            return r;
        });
    }
    std::uint32_t first_known_index() const override {
        return olm_inbound_group_session_first_known_index(object.get());
    }
    std::optional<group_plaintext> decrypt(std::string_view body) override {
        auto* s = object.get();
        auto probe = copy(body);
        const auto max = olm_group_decrypt_max_plaintext_length(
            s, reinterpret_cast<std::uint8_t*>(probe.data()), probe.size());
        if (max == olm_error()) return std::nullopt;
        auto message = copy(body);
        group_plaintext out;
        out.text.resize(max);
        const auto r = olm_group_decrypt(
            s, reinterpret_cast<std::uint8_t*>(message.data()), message.size(),
            reinterpret_cast<std::uint8_t*>(out.text.data()), out.text.size(), &out.message_index);
        if (r == olm_error()) return std::nullopt;
        out.text.resize(r);
        return out;
    }
    std::string pickle(std::string_view key) const override {
        auto* s = object.get();
        return filled(olm_pickle_inbound_group_session_length(s), [&](char* out, std::size_t n) {
            const auto r = olm_pickle_inbound_group_session(s, key.data(), key.size(), out, n);
            check(r, "pickle group session", olm_inbound_group_session_last_error, s);
            return r;
        });
    }
};

class libolm_engine final : public olm_engine {
  public:
    std::unique_ptr<olm_account> new_account() const override {
        auto account = std::make_unique<libolm_account>();
        auto* a = account->object.get();
        auto random = random_bytes(olm_create_account_random_length(a));
        check(olm_create_account(a, random.data(), random.size()), "create account",
              olm_account_last_error, a);
        return account;
    }
    std::unique_ptr<outbound_group_session> new_outbound_group_session() const override {
        auto session = std::make_unique<libolm_outbound>();
        auto* s = session->object.get();
        auto random = random_bytes(olm_init_outbound_group_session_random_length(s));
        check(olm_init_outbound_group_session(s, reinterpret_cast<std::uint8_t*>(random.data()),
                                              random.size()),
              "create group session", olm_outbound_group_session_last_error, s);
        return session;
    }
    std::unique_ptr<inbound_group_session> inbound_group_session_from_key(
        std::string_view session_key) const override {
        auto session = std::make_unique<libolm_inbound>();
        auto* s = session->object.get();
        check(olm_init_inbound_group_session(
                  s, reinterpret_cast<const std::uint8_t*>(session_key.data()), session_key.size()),
              "room key", olm_inbound_group_session_last_error, s);
        return session;
    }
    std::unique_ptr<inbound_group_session> inbound_group_session_from_export(
        std::string_view exported_key) const override {
        auto session = std::make_unique<libolm_inbound>();
        auto* s = session->object.get();
        check(
            olm_import_inbound_group_session(
                s, reinterpret_cast<const std::uint8_t*>(exported_key.data()), exported_key.size()),
            "forwarded room key", olm_inbound_group_session_last_error, s);
        return session;
    }
    std::unique_ptr<olm_account> account_from_pickle(std::string_view pickle,
                                                     std::string_view key) const override {
        auto account = std::make_unique<libolm_account>();
        auto* a = account->object.get();
        auto text = copy(pickle);
        check(olm_unpickle_account(a, key.data(), key.size(), text.data(), text.size()),
              "restore account", olm_account_last_error, a);
        return account;
    }
    std::unique_ptr<olm_session> session_from_pickle(std::string_view pickle,
                                                     std::string_view key) const override {
        auto session = std::make_unique<libolm_session>();
        auto* s = session->object.get();
        auto text = copy(pickle);
        check(olm_unpickle_session(s, key.data(), key.size(), text.data(), text.size()),
              "restore Olm session", olm_session_last_error, s);
        return session;
    }
    std::unique_ptr<outbound_group_session> outbound_group_from_pickle(
        std::string_view pickle, std::string_view key) const override {
        auto session = std::make_unique<libolm_outbound>();
        auto* s = session->object.get();
        auto text = copy(pickle);
        check(olm_unpickle_outbound_group_session(s, key.data(), key.size(), text.data(),
                                                  text.size()),
              "restore group session", olm_outbound_group_session_last_error, s);
        return session;
    }
    std::unique_ptr<inbound_group_session> inbound_group_from_pickle(
        std::string_view pickle, std::string_view key) const override {
        auto session = std::make_unique<libolm_inbound>();
        auto* s = session->object.get();
        auto text = copy(pickle);
        check(
            olm_unpickle_inbound_group_session(s, key.data(), key.size(), text.data(), text.size()),
            "restore room key", olm_inbound_group_session_last_error, s);
        return session;
    }
    bool verify_ed25519(std::string_view public_key, std::string_view message,
                        std::string_view signature) const override {
        utility_object utility;
        auto sig = copy(signature);
        return olm_ed25519_verify(utility.get(), public_key.data(), public_key.size(),
                                  message.data(), message.size(), sig.data(),
                                  sig.size()) != olm_error();
    }
};

}  // namespace

std::unique_ptr<olm_engine> make_libolm_engine() { return std::make_unique<libolm_engine>(); }

}  // namespace scribe::adapters::matrix::e2e
