// Generates a throwaway CA and a server certificate with OpenSSL's C API, for TLS tests.
#include "tests/support/test_ca.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace scribe::testing {
namespace {

struct pkey_deleter {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_deleter {
    void operator()(X509* p) const { X509_free(p); }
};
struct bio_deleter {
    void operator()(BIO* p) const { BIO_free(p); }
};
struct extension_deleter {
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;
using extension_ptr = std::unique_ptr<X509_EXTENSION, extension_deleter>;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test CA: ") + what + " failed");
}

pkey_ptr make_key() {
    pkey_ptr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    extension_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

x509_ptr make_cert(EVP_PKEY* key, const char* common_name, long serial) {
    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial) == 1, "serial");
    // Backdated an hour so small clock differences never make it "not yet valid".
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name), -1, -1,
                                     0) == 1,
          "X509_NAME_add_entry_by_txt");
    return cert;
}

bool is_ip_address(const std::string& name) {
    unsigned char buffer[sizeof(in6_addr)];
    return ::inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
           ::inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

std::string to_pem(X509* cert) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    check(bio != nullptr && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(EVP_PKEY* key) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    check(bio != nullptr &&
              PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::filesystem::path write_temp_file(const std::string& contents) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "scribe-test-ca-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    check(fd >= 0, "mkstemp");
    ::close(fd);
    std::ofstream out(pattern, std::ios::binary | std::ios::trunc);
    out << contents;
    check(static_cast<bool>(out), "writing the CA file");
    return pattern;
}

}  // namespace

test_certificates::~test_certificates() {
    if (!ca_file.empty()) {
        std::error_code ec;
        std::filesystem::remove(ca_file, ec);
    }
}

std::shared_ptr<const test_certificates> make_test_certificates(std::vector<std::string> names) {
    check(!names.empty(), "make_test_certificates without names");

    const pkey_ptr ca_key = make_key();
    const x509_ptr ca = make_cert(ca_key.get(), "Scribe Test CA", 1);
    check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) == 1, "issuer");
    add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
    check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0, "signing the CA");

    const pkey_ptr server_key = make_key();
    const x509_ptr server = make_cert(server_key.get(), names.front().c_str(), 2);
    check(X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get())) == 1, "issuer");
    std::string san;
    for (const auto& name : names) {
        if (!san.empty()) san += ',';
        san += (is_ip_address(name) ? "IP:" : "DNS:") + name;
    }
    add_extension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    add_extension(server.get(), ca.get(), NID_subject_alt_name, san);
    add_extension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
    check(X509_sign(server.get(), ca_key.get(), EVP_sha256()) > 0,
          "signing the server certificate");

    auto result = std::make_shared<test_certificates>();
    result->ca_pem = to_pem(ca.get());
    result->server_cert_pem = to_pem(server.get());
    result->server_key_pem = to_pem(server_key.get());
    result->ca_file = write_temp_file(result->ca_pem);
    return result;
}

}  // namespace scribe::testing
