// A minimal HTTP(S) server on 127.0.0.1 whose replies a test scripts, for testing adapters/net.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "adapters/net/http_client.hpp"
#include "adapters/net/url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::testing {

struct received_request {
    std::string method;
    std::string target;
    adapters::net::header_list headers;
    std::string body;

    std::optional<std::string> header(const std::string& name) const;
};

struct scripted_response {
    enum class then {
        keep_open,  // wait for the next request on this connection
        drop,       // close the socket right after answering, although the reply said keep-alive
        hang,       // never answer; wait until the client gives up
    };
    unsigned status = 200;
    adapters::net::header_list headers;
    std::string body;
    std::chrono::milliseconds delay{0};  // before answering
    bool connection_close = false;       // "Connection: close", then close
    then after = then::keep_open;
};

using http_handler = std::function<scripted_response(const received_request&)>;

// Serves every connection with `handler`; TLS when given a server context, plaintext otherwise.
class http_server {
  public:
    http_server(boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> tls,
                http_handler handler);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    std::uint16_t port() const;
    // https://127.0.0.1:port/ (or http://).
    adapters::net::url url() const;
    std::size_t connections_accepted() const;
    std::size_t requests_received() const;

    struct state;

  private:
    std::shared_ptr<state> state_;
};

}  // namespace scribe::testing
