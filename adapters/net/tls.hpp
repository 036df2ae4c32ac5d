// TLS contexts: the client's (system trust store plus an optional extra CA) and test servers'.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
}

namespace scribe::adapters::net {

struct tls_settings {
    // A PEM file of extra CA certificates, trusted in addition to the system store (a corporate CA,
    // or a test CA). Empty: the system store only.
    std::string ca_file;
};

// TLS 1.2 or later, peer verification on. Host name checks and SNI are per connection (the
// clients set them, since one context serves every host). Throws std::runtime_error naming the
// file when ca_file cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> make_client_context(const tls_settings& settings);

// A server context from a PEM certificate chain and private key, for loopback fakes in tests.
std::shared_ptr<boost::asio::ssl::context> make_server_context(std::string_view cert_pem,
                                                               std::string_view key_pem);

}  // namespace scribe::adapters::net
