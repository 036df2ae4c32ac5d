// A small HTTPS + WSS server core on loopback for the fake chat platforms (Slack, Matrix).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace scribe::fakes {

namespace detail {
struct https_server_state;
}

// Plain copies of what came over the wire, so the fakes' logic needs no Beast.
struct http_request {
    std::string method;                                        // "GET", "POST", ...
    std::string target;                                        // path and query, as sent
    std::string path;                                          // target before '?'
    std::string query;                                         // target after '?', still encoded
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;

    // The first header with this (lower-case) name, or "".
    std::string header(std::string_view name) const;
};

struct http_response {
    unsigned status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool close = false;  // close the connection after answering
    // End the TCP connection without answering at all, as a dead peer or a proxy would.
    bool drop = false;
};

// Answers one request; call it exactly once, on the server's io_context, now or later.
using http_responder = std::function<void(http_response)>;

struct websocket_handlers {
    std::function<void(std::string)> on_text;
    std::function<void(std::string)> on_binary;
    std::function<void(std::string)> on_ping;  // payload; the pong is sent by the server core
    std::function<void(std::string)> on_pong;
    std::function<void(std::string)> on_closed;  // why; called once
};

// One accepted websocket. All calls on the server's io_context. Frames go out in call order.
class websocket_connection {
  public:
    virtual ~websocket_connection() = default;

    // Called from upgrade_decision::on_open, before the first frame is read.
    virtual void set_handlers(websocket_handlers handlers) = 0;

    virtual void send_text(std::string text) = 0;
    virtual void send_binary(std::string bytes) = 0;
    virtual void send_ping(std::string payload) = 0;
    // A close frame after everything queued before it; the peer's reply ends the link.
    virtual void close(std::uint16_t code, std::string reason) = 0;
    // Ends the TCP connection at once: no close frame, no TLS close_notify.
    virtual void drop() = 0;
    // A silent link neither reads (so pings go unanswered) nor writes; queued frames are lost.
    virtual void set_silent(bool silent) = 0;
};

struct upgrade_decision {
    std::optional<http_response> reject;  // answer with this instead of upgrading
    std::function<void(std::shared_ptr<websocket_connection>)> on_open;
};

struct https_server_handlers {
    std::function<void(http_request, http_responder)> on_request;
    std::function<upgrade_decision(const http_request&)> on_upgrade;
    std::function<void(std::string_view)> log;  // optional
};

struct https_server_options {
    std::string certificate_pem;
    std::string private_key_pem;
    unsigned short port = 0;                        // 0: any free port on 127.0.0.1
    std::chrono::milliseconds io_timeout{5000};     // TLS, websocket handshake and close, writes
    std::chrono::milliseconds idle_timeout{30000};  // waiting for the next request on keep-alive
    std::size_t body_limit = 64u << 20;
    std::size_t websocket_message_limit = 16u << 20;
};

class https_server {
  public:
    https_server(boost::asio::io_context& io, https_server_options options,
                 https_server_handlers handlers);
    ~https_server();
    https_server(const https_server&) = delete;
    https_server& operator=(const https_server&) = delete;

    // Binds 127.0.0.1 and starts accepting. Call before the io_context runs or on its thread.
    void start();
    // Closes the listener and ends every connection. On the io_context's thread.
    void stop();
    // While refusing, nothing listens on the port (a connect is refused) and the connections
    // that were open are cut; afterwards it listens on the same port again. On the
    // io_context's thread.
    void refuse_connections(bool refuse);
    unsigned short port() const;

  private:
    std::shared_ptr<detail::https_server_state> state_;
};

}  // namespace scribe::fakes
