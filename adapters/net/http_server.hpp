// A minimal HTTP/1.1 server for operators' probes and the read-only web view: one request per
// connection, GET, HEAD and POST (small forms), answers computed by a handler on the server's
// executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>

#include "adapters/net/http_message.hpp"

namespace scribe::adapters::net {

class http_server {
  public:
    using handler = std::function<http_answer(const incoming_request& request)>;

    // Binds address:port (port 0: any free port) and starts accepting. Throws net::error when
    // it cannot bind.
    http_server(boost::asio::any_io_executor executor, const std::string& address,
                unsigned short port, handler handle);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    unsigned short port() const;
    // Stops accepting; connections in progress finish on their own.
    void stop();

    // The acceptor and handler, shared with the connections being served.
    struct state;

  private:
    std::shared_ptr<state> state_;
};

}  // namespace scribe::adapters::net
