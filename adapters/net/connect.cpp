// TCP connect with the loopback check for plaintext, and the TLS client handshake.
#include "adapters/net/connect.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <string>

#include "adapters/net/constants.hpp"
#include "adapters/net/error.hpp"

namespace scribe::adapters::net::detail {
namespace {

namespace ssl = asio::ssl;
namespace beast = boost::beast;

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

// ssl::host_name_verification refuses a mismatch without saying why; record it so the error
// message says "hostname mismatch" rather than only "certificate verify failed".
class verify_host {
  public:
    explicit verify_host(const std::string& host) : check_(host), ip_(is_ip_literal(host)) {}

    bool operator()(bool preverified, ssl::verify_context& context) const {
        const bool ok = check_(preverified, context);
        if (preverified && !ok) {
            X509_STORE_CTX_set_error(context.native_handle(), ip_ ? X509_V_ERR_IP_ADDRESS_MISMATCH
                                                                  : X509_V_ERR_HOSTNAME_MISMATCH);
        }
        return ok;
    }

  private:
    ssl::host_name_verification check_;
    bool ip_;
};

}  // namespace

asio::awaitable<void> connect_tcp(beast::tcp_stream& stream, url u) {
    asio::ip::tcp::resolver resolver(stream.get_executor());
    auto [resolve_ec, endpoints] =
        co_await resolver.async_resolve(u.host, std::to_string(u.port), nothrow);
    if (resolve_ec) throw error(resolve_ec, "resolve", u.peer());
    if (!u.secure()) {
        for (const auto& entry : endpoints) {
            if (!entry.endpoint().address().is_loopback()) {
                throw error(make_error_code(errc::plaintext_not_loopback), "connect to", u.peer());
            }
        }
    }
    auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, nothrow);
    if (connect_ec) throw error(connect_ec, "connect to", u.peer());
}

asio::awaitable<void> handshake_tls(tls_stream& stream, url u) {
    // SNI carries host names only; RFC 6066 forbids IP literals there.
    if (!is_ip_literal(u.host) &&
        SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str()) != 1) {
        throw error(make_error_code(errc::invalid_url), "TLS SNI", u.peer());
    }
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(verify_host(u.host));
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::client, nothrow);
    if (ec) {
        const long verify = SSL_get_verify_result(stream.native_handle());
        std::string detail;
        if (verify != X509_V_OK) detail = X509_verify_cert_error_string(verify);
        throw error(ec, "TLS handshake with", u.peer(), detail);
    }
}

}  // namespace scribe::adapters::net::detail
