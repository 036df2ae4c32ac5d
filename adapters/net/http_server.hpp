// A minimal HTTP/1.1 server for operators' probes and scrapes on a local address: one request
// per connection, GET only, answers computed by a handler on the server's executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>

namespace scribe::adapters::net {

struct http_answer {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

class http_server {
  public:
    // The request target ("/metrics") to the answer.
    using handler = std::function<http_answer(const std::string& target)>;

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
