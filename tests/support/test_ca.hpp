// A throwaway certificate authority and server certificate, made at test time for TLS tests.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace scribe::testing {

// A CA certificate and a server certificate it signed. Owns `ca_file`, which is removed when the
// last reference goes away.
struct test_certificates {
    test_certificates() = default;
    ~test_certificates();
    test_certificates(const test_certificates&) = delete;
    test_certificates& operator=(const test_certificates&) = delete;

    std::string ca_pem;  // the CA certificate (PEM)
    std::string
        server_cert_pem;  // for the requested names / IPs (subjectAltName), signed by the CA
    std::string server_key_pem;
    std::filesystem::path ca_file;  // ca_pem written to a temp file, for tls_settings::ca_file
};

// Generated with OpenSSL's C API: EC P-256 keys, X.509 v3, SHA-256 signatures. Names that parse as
// IPv4/IPv6 addresses become IP SANs, the rest DNS SANs. Throws std::runtime_error on failure.
std::shared_ptr<const test_certificates> make_test_certificates(std::vector<std::string> names = {
                                                                    "localhost", "127.0.0.1"});

}  // namespace scribe::testing
