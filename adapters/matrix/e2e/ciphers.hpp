// The symmetric cryptography around Olm: the sealing of the saved encryption state, and
// encrypted attachments (the spec's EncryptedFile). OpenSSL does the work.
#pragma once

#include <string>
#include <string_view>

#include "adapters/matrix/e2e/olm.hpp"

namespace scribe::adapters::matrix::e2e {

// The base64 flavours Matrix uses: unpadded standard, and unpadded URL-safe for JSON Web Keys.
std::string base64_unpadded(std::string_view bytes);
std::string base64_url_unpadded(std::string_view bytes);
std::string base64_decode(
    std::string_view text);  // either flavour, padded or not; throws crypto_error

// The keys derived from matrix.crypto_key_file's secret: one seals the saved state with
// AES-256-GCM, one is libolm's pickle key.
class state_key {
  public:
    // From matrix.crypto_key_file's secret (the configuration checks its length).
    static state_key from_secret(std::string_view secret);

    // "v1:" + base64(nonce | ciphertext | tag); `context` (the user and device) is bound in as
    // associated data, so one device's state cannot be passed off as another's.
    std::string seal(std::string_view plaintext, std::string_view context) const;
    // Throws crypto_error when the text was not sealed with this key and context, or altered.
    std::string open(std::string_view sealed, std::string_view context) const;
    const std::string& pickle_key() const { return pickle_key_; }

  private:
    std::string seal_key_;
    std::string pickle_key_;
};

// An attachment encrypted for upload, and the `file` object that lets members decrypt it.
struct encrypted_attachment {
    std::string ciphertext;
    std::string key;     // 32 bytes
    std::string iv;      // 16 bytes, the low 8 zero
    std::string sha256;  // of the ciphertext
};

encrypted_attachment encrypt_attachment(std::string_view plaintext);
// Throws crypto_error when the hash does not match.
std::string decrypt_attachment(std::string_view ciphertext, std::string_view key,
                               std::string_view iv, std::string_view sha256);
// The EncryptedFile JSON object for an upload at `content_uri`.
std::string encrypted_file_json(const encrypted_attachment& file, std::string_view content_uri);

}  // namespace scribe::adapters::matrix::e2e
