// Building the TLS contexts: trust store, protocol floor, verification mode.
#include "adapters/net/tls.hpp"

#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <stdexcept>

namespace scribe::adapters::net {
namespace {

namespace ssl = boost::asio::ssl;

void require(const boost::system::error_code& ec, const std::string& what) {
    if (ec) throw std::runtime_error(what + ": " + ec.message());
}

void set_tls12_floor(ssl::context& context, const std::string& what) {
    // SSLv2/3 and TLS 1.0/1.1 are off; the min protocol version says it once more for OpenSSL 3.
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION) != 1) {
        throw std::runtime_error(what + ": cannot require TLS 1.2");
    }
}

}  // namespace

std::shared_ptr<ssl::context> make_client_context(const tls_settings& settings) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    set_tls12_floor(*context, "TLS client context");
    boost::system::error_code ec;
    context->set_default_verify_paths(ec);
    require(ec, "TLS: cannot load the system CA store");
    if (!settings.ca_file.empty()) {
        const std::string what = "TLS: cannot load CA file '" + settings.ca_file + "'";
        std::error_code fs_ec;
        if (!std::filesystem::is_regular_file(settings.ca_file, fs_ec)) {
            throw std::runtime_error(what + ": no such file");
        }
        context->load_verify_file(settings.ca_file, ec);
        require(ec, what + " (expected PEM certificates)");
    }
    context->set_verify_mode(ssl::verify_peer);
    return context;
}

std::shared_ptr<ssl::context> make_server_context(std::string_view cert_pem,
                                                  std::string_view key_pem) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    set_tls12_floor(*context, "TLS server context");
    boost::system::error_code ec;
    context->use_certificate_chain(boost::asio::buffer(cert_pem.data(), cert_pem.size()), ec);
    require(ec, "TLS: bad server certificate");
    context->use_private_key(boost::asio::buffer(key_pem.data(), key_pem.size()), ssl::context::pem,
                             ec);
    require(ec, "TLS: bad server key");
    return context;
}

}  // namespace scribe::adapters::net
