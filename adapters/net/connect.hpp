// Internal: opening TCP and TLS connections for the HTTP and websocket clients' .cpp files.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "adapters/net/url.hpp"

namespace scribe::adapters::net::detail {

using tls_stream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

// Resolves and connects under the stream's current expiry (the caller sets the timeout). For a
// plaintext URL every resolved address must be loopback, so "localhost" cannot be pointed
// elsewhere. Throws net::error.
boost::asio::awaitable<void> connect_tcp(boost::beast::tcp_stream& stream, url u);

// Client handshake with SNI and host name verification against u.host. Throws net::error, naming
// the reason a certificate was refused.
boost::asio::awaitable<void> handshake_tls(tls_stream& stream, url u);

}  // namespace scribe::adapters::net::detail
