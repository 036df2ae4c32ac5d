// A minimal websocket server on 127.0.0.1 running a test's script per connection.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/net/url.hpp"
#include "adapters/net/websocket_client.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::testing {

// The server's side of one websocket connection, for scripts.
class websocket_peer {
  public:
    virtual ~websocket_peer() = default;

    // nullopt when the client closed (its close code is then in close_code_received).
    virtual boost::asio::awaitable<std::optional<adapters::net::websocket_message>> read() = 0;
    virtual boost::asio::awaitable<void> send(std::string data, bool binary) = 0;
    virtual boost::asio::awaitable<void> ping(std::string payload) = 0;
    virtual boost::asio::awaitable<void> close(std::uint16_t code, std::string reason) = 0;
    // Neither reads nor writes for a while: a silent, dead-looking peer.
    virtual boost::asio::awaitable<void> stall(std::chrono::milliseconds duration) = 0;

    std::string target;              // the request target of the upgrade
    std::string user_agent;          // of the upgrade request
    std::vector<std::string> pongs;  // payloads of pongs received while reading
    std::uint64_t pings = 0;         // pings received while reading
    std::uint16_t close_code_received = 0;
};

using websocket_script =
    std::function<boost::asio::awaitable<void>(std::shared_ptr<websocket_peer>)>;

// Runs `script` on every accepted websocket connection; TLS when given a server context.
class websocket_server {
  public:
    websocket_server(boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> tls,
                     websocket_script script);
    ~websocket_server();
    websocket_server(const websocket_server&) = delete;
    websocket_server& operator=(const websocket_server&) = delete;

    std::uint16_t port() const;
    // wss://127.0.0.1:port/ (or ws://) with the given target.
    adapters::net::url url(const std::string& target = "/") const;
    std::size_t connections_accepted() const;
    // What scripts threw, for checking that the server side saw no surprise.
    const std::vector<std::string>& script_errors() const;

    struct state;

  private:
    std::shared_ptr<state> state_;
};

}  // namespace scribe::testing
