// AES-256-GCM sealing, AES-256-CTR attachments and base64 over OpenSSL (ciphers.hpp).
#include "adapters/matrix/e2e/ciphers.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <memory>

#include "adapters/json_input.hpp"

namespace scribe::adapters::matrix::e2e {
namespace {

constexpr std::string_view sealed_prefix = "v1:";
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

const unsigned char* bytes(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}
unsigned char* bytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

std::string random_bytes(std::size_t length) {
    std::string out(length, '\0');
    if (RAND_bytes(bytes(out), static_cast<int>(length)) != 1)
        throw crypto_error("no random bytes");
    return out;
}

std::string sha256(std::string_view data) {
    std::string out(SHA256_DIGEST_LENGTH, '\0');
    SHA256(bytes(data), data.size(), bytes(out));
    return out;
}

// A key for one purpose from the secret: HMAC-SHA256(secret, label).
std::string derive(std::string_view secret, std::string_view label) {
    std::string out(EVP_MAX_MD_SIZE, '\0');
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), bytes(label),
             label.size(), bytes(out), &length) == nullptr ||
        length != SHA256_DIGEST_LENGTH) {
        throw crypto_error("deriving a key from matrix.crypto_key_file failed");
    }
    out.resize(length);
    return out;
}

struct cipher_deleter {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using cipher_context = std::unique_ptr<EVP_CIPHER_CTX, cipher_deleter>;

cipher_context new_context() {
    cipher_context c(EVP_CIPHER_CTX_new());
    if (!c) throw crypto_error("no cipher context");
    return c;
}

// AES-256-CTR both ways.
std::string ctr(std::string_view input, std::string_view key, std::string_view iv) {
    auto c = new_context();
    std::string out(input.size(), '\0');
    int length = 0;
    if (EVP_EncryptInit_ex(c.get(), EVP_aes_256_ctr(), nullptr, bytes(key), bytes(iv)) != 1 ||
        EVP_EncryptUpdate(c.get(), bytes(out), &length, bytes(input),
                          static_cast<int>(input.size())) != 1) {
        throw crypto_error("AES-CTR failed");
    }
    return out;
}

}  // namespace

std::string base64_unpadded(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(bytes(out), bytes(data), static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(length));
    while (!out.empty() && out.back() == '=') out.pop_back();
    return out;
}

std::string base64_url_unpadded(std::string_view data) {
    auto out = base64_unpadded(data);
    for (auto& c : out) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    return out;
}

std::string base64_decode(std::string_view text) {
    std::string standard(text);
    while (!standard.empty() && standard.back() == '=') standard.pop_back();
    // Strict: EVP_DecodeBlock would skip blanks, which no key or hash of ours holds.
    if (standard.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789+/-_") != std::string::npos) {
        throw crypto_error("not base64");
    }
    for (auto& c : standard) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    const auto unpadded = standard.size();
    if (unpadded % 4 == 1) throw crypto_error("not base64");
    standard.append((4 - unpadded % 4) % 4, '=');
    std::string out(standard.size() / 4 * 3, '\0');
    const int length =
        EVP_DecodeBlock(bytes(out), bytes(standard), static_cast<int>(standard.size()));
    if (length < 0) throw crypto_error("not base64");
    // EVP_DecodeBlock counts the padding as zero bytes.
    out.resize(unpadded * 3 / 4);
    return out;
}

state_key state_key::from_secret(std::string_view secret) {
    state_key key;
    key.seal_key_ = derive(secret, "scribe matrix state seal");
    key.pickle_key_ = base64_unpadded(derive(secret, "scribe matrix olm pickle"));
    return key;
}

std::string state_key::seal(std::string_view plaintext, std::string_view context) const {
    const auto nonce = random_bytes(nonce_size);
    auto c = new_context();
    std::string out = nonce + std::string(plaintext.size(), '\0') + std::string(tag_size, '\0');
    int length = 0;
    if (EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, bytes(seal_key_), bytes(nonce)) !=
            1 ||
        EVP_EncryptUpdate(c.get(), nullptr, &length, bytes(context),
                          static_cast<int>(context.size())) != 1 ||
        EVP_EncryptUpdate(c.get(), bytes(out) + nonce_size, &length, bytes(plaintext),
                          static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(c.get(), bytes(out) + nonce_size + plaintext.size(), &length) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, tag_size,
                            bytes(out) + nonce_size + plaintext.size()) != 1) {
        throw crypto_error("sealing the encryption state failed");
    }
    return std::string(sealed_prefix) + base64_unpadded(out);
}

std::string state_key::open(std::string_view sealed, std::string_view context) const {
    if (!sealed.starts_with(sealed_prefix)) throw crypto_error("not a sealed encryption state");
    auto raw = base64_decode(sealed.substr(sealed_prefix.size()));
    if (raw.size() < nonce_size + tag_size) throw crypto_error("the sealed state is cut short");
    const auto size = raw.size() - nonce_size - tag_size;
    std::string out(size, '\0');
    auto c = new_context();
    int length = 0;
    if (EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, bytes(seal_key_), bytes(raw)) !=
            1 ||
        EVP_DecryptUpdate(c.get(), nullptr, &length, bytes(context),
                          static_cast<int>(context.size())) != 1 ||
        EVP_DecryptUpdate(c.get(), bytes(out), &length, bytes(raw) + nonce_size,
                          static_cast<int>(size)) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, tag_size,
                            bytes(raw) + nonce_size + size) != 1 ||
        EVP_DecryptFinal_ex(c.get(), bytes(out) + size, &length) != 1) {
        throw crypto_error(
            "the sealed encryption state does not open with this key (another "
            "matrix.crypto_key_file, another device, or damaged)");
    }
    return out;
}

encrypted_attachment encrypt_attachment(std::string_view plaintext) {
    encrypted_attachment out;
    out.key = random_bytes(32);
    // The spec: the counter's low 64 bits start at zero so that it cannot wrap.
    out.iv = random_bytes(8) + std::string(8, '\0');
    out.ciphertext = ctr(plaintext, out.key, out.iv);
    out.sha256 = sha256(out.ciphertext);
    return out;
}

std::string decrypt_attachment(std::string_view ciphertext, std::string_view key,
                               std::string_view iv, std::string_view hash) {
    if (key.size() != 32 || iv.size() != 16) throw crypto_error("bad attachment key or iv");
    if (sha256(ciphertext) != hash) throw crypto_error("the attachment's hash does not match");
    return ctr(ciphertext, key, iv);
}

std::string encrypted_file_json(const encrypted_attachment& file, std::string_view content_uri) {
    const json_input::json out = {{"url", content_uri},
                                  {"key",
                                   {{"kty", "oct"},
                                    {"key_ops", {"encrypt", "decrypt"}},
                                    {"alg", "A256CTR"},
                                    {"k", base64_url_unpadded(file.key)},
                                    {"ext", true}}},
                                  {"iv", base64_unpadded(file.iv)},
                                  {"hashes", {{"sha256", base64_unpadded(file.sha256)}}},
                                  {"v", "v2"}};
    return json_input::to_text(out);
}

}  // namespace scribe::adapters::matrix::e2e
