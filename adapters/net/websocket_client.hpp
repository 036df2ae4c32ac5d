// Websocket client connection (wss://, or ws:// to loopback in tests) with a queued writer.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "adapters/net/url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::adapters::net {

namespace detail {
class websocket_session;
}

struct websocket_options {
    // TCP connect, TLS handshake and the upgrade together; also the wait for the peer's close
    // frame.
    std::chrono::milliseconds handshake_timeout{10'000};
    // With nothing read from the peer for half of this, a ping is sent; with still nothing by the
    // end, the link is dead and read() throws (beast::error::timeout). Only what a pending read()
    // receives counts, so keep one pending.
    std::chrono::milliseconds idle_timeout{30'000};
    std::size_t max_message_size = 16 * 1024 * 1024;
    // ws:// to a loopback host, for tests against local fakes; refused otherwise.
    bool allow_plaintext = false;
    std::string user_agent = "scribe";
};

struct websocket_message {
    bool binary = false;
    std::string data;
};

// One open websocket. Pings from the server are answered by Beast (the pong echoes the payload)
// while a read() is pending, so keep one read() outstanding. Use from the executor given to
// connect() (one thread); destroying the connection drops the socket without a close handshake.
class websocket_connection {
  public:
    // TCP connect, TLS (SNI and host name verification), then the upgrade to u.target().
    // Throws net::error; the message names the host, never the target (which may hold a ticket).
    static boost::asio::awaitable<std::unique_ptr<websocket_connection>> connect(
        boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls,
        url u, websocket_options options);

    ~websocket_connection();
    websocket_connection(const websocket_connection&) = delete;
    websocket_connection& operator=(const websocket_connection&) = delete;

    // The next text or binary message; nullopt once the close handshake is done (either side
    // started it: see close_code()). Throws net::error on failure or idle timeout. One read at a
    // time.
    boost::asio::awaitable<std::optional<websocket_message>> read();

    // Queues a text message; never blocks. Messages go out in order, after those queued before.
    // Ignored once close() was called or the connection failed.
    void send(std::string text);

    // Sends the queued messages, then a close frame (1000, normal). Keep reading until read()
    // returns nullopt, which is when the peer has answered.
    void close();

    // Counted while reading, for liveness checks and tests.
    std::uint64_t pings_received() const;
    std::uint64_t pongs_received() const;
    // From the close frame the peer sent; 0 and empty before one arrived.
    std::uint16_t close_code() const;
    std::string close_reason() const;

  private:
    explicit websocket_connection(std::shared_ptr<detail::websocket_session> session);

    // Shared with the writer coroutine, which may outlive this object by one completion.
    std::shared_ptr<detail::websocket_session> session_;
};

}  // namespace scribe::adapters::net
