// The HTTPS + WSS server core: one coroutine per connection, one writer coroutine per websocket.
#include "tests/fakes/http_server.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <deque>
#include <exception>
#include <map>

#include "tests/fakes/gated_stream.hpp"
#include "tests/fakes/http_forms.hpp"

namespace scribe::fakes {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

using tls_stream = ssl::stream<beast::tcp_stream>;
using ws_stream = websocket::stream<gated_stream<tls_stream>>;

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

http_request to_plain(const http::request<http::string_body>& request) {
    http_request out;
    out.method = std::string(request.method_string());
    out.target = std::string(request.target());
    std::tie(out.path, out.query) = split_target(out.target);
    for (const auto& field : request) {
        out.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    }
    out.body = request.body();
    return out;
}

}  // namespace

std::string http_request::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key == name) return value;
    }
    return {};
}

class https_connection;

struct detail::https_server_state {
    https_server_state(asio::io_context& io_in, https_server_options options_in,
                       https_server_handlers handlers_in)
        : io(io_in),
          options(std::move(options_in)),
          handlers(std::move(handlers_in)),
          acceptor(io_in) {}

    void log(std::string_view line) const {
        if (handlers.log) handlers.log(line);
    }

    asio::io_context& io;
    https_server_options options;
    https_server_handlers handlers;
    ssl::context tls{ssl::context::tls_server};
    tcp::acceptor acceptor;
    unsigned short port = 0;
    bool stopped = false;
    bool refusing = false;  // the listener is closed for a while
    std::uint64_t next_connection = 0;
    std::map<std::uint64_t, std::weak_ptr<https_connection>> connections;
};

namespace {

using server_ptr = std::shared_ptr<detail::https_server_state>;

// Logs what escaped a coroutine; a failure ends only that connection.
auto log_failure(server_ptr server, std::string what) {
    return [server = std::move(server), what = std::move(what)](std::exception_ptr error) {
        if (!error) return;
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            server->log(what + ": " + e.what());
        }
    };
}

enum class frame_kind { text, binary, ping, close };

struct outbound_frame {
    frame_kind kind;
    std::string data;
    std::uint16_t close_code = 0;
};

}  // namespace

class https_connection final : public websocket_connection {
  public:
    https_connection(tcp::socket socket, server_ptr server_in)
        : ws(std::move(socket), server_in->tls),
          server(std::move(server_in)),
          signal(ws.get_executor()),
          response_ready(ws.get_executor()) {}

    void set_handlers(websocket_handlers handlers_in) override {
        handlers = std::move(handlers_in);
    }

    void send_text(std::string text) override { enqueue({frame_kind::text, std::move(text)}); }
    void send_binary(std::string bytes) override {
        enqueue({frame_kind::binary, std::move(bytes)});
    }
    void send_ping(std::string payload) override {
        enqueue({frame_kind::ping, std::move(payload)});
    }
    void close(std::uint16_t code, std::string reason) override {
        enqueue({frame_kind::close, std::move(reason), code});
        close_queued = true;
    }
    void drop() override { shutdown(); }
    void set_silent(bool value) override {
        silent = value;
        ws.next_layer().hold(value);
    }

    // Ends everything at once: used by drop() and by the server's stop().
    void shutdown() {
        closed = true;
        ws.next_layer().hold(false);
        beast::get_lowest_layer(ws).close();
        signal.cancel();
        response_ready.cancel();
    }

    // The reader saw the end of the link.
    void finish(const std::string& why) {
        closed = true;
        signal.cancel();
        if (reported_close) return;
        reported_close = true;
        if (handlers.on_closed) call_handler(handlers.on_closed, why);
    }

    void enqueue(outbound_frame frame) {
        if (closed || close_queued) return;
        outbound.push_back(std::move(frame));
        signal.cancel();
    }

    // The fake's callbacks are test code; a throw there must not take the link down silently.
    void call_handler(const std::function<void(std::string)>& handler, std::string argument) {
        try {
            handler(std::move(argument));
        } catch (const std::exception& e) {
            server->log(std::string("websocket handler threw: ") + e.what());
        }
    }

    ws_stream ws;
    server_ptr server;
    beast::flat_buffer buffer;
    http_request request;
    websocket_handlers handlers;
    std::deque<outbound_frame> outbound;
    asio::steady_timer signal;          // wakes the writer when a frame is queued
    asio::steady_timer response_ready;  // wakes serve() when the handler answers
    std::optional<http_response> pending_response;
    bool closed = false;
    bool close_queued = false;
    bool silent = false;
    bool reported_close = false;
};

namespace {

using connection_ptr = std::shared_ptr<https_connection>;

std::string describe_end(const https_connection& self, const error_code& ec) {
    if (ec == websocket::error::closed) {
        const auto& reason = self.ws.reason();
        std::string text = "closed by peer (" + std::to_string(reason.code);
        if (!reason.reason.empty()) {
            text += " " + std::string(reason.reason.data(), reason.reason.size());
        }
        return text + ")";
    }
    return ec.message();
}

asio::awaitable<void> write_frames(connection_ptr self) {
    while (!self->closed) {
        if (self->outbound.empty()) {
            self->signal.expires_at(asio::steady_timer::time_point::max());
            co_await self->signal.async_wait(nothrow);
            continue;
        }
        outbound_frame frame = std::move(self->outbound.front());
        self->outbound.pop_front();
        // A silent link is a black hole: what we would have sent is lost, as on a dead path.
        if (self->silent && frame.kind != frame_kind::close) continue;
        error_code ec;
        switch (frame.kind) {
            case frame_kind::text:
            case frame_kind::binary: {
                self->ws.text(frame.kind == frame_kind::text);
                std::tie(ec, std::ignore) =
                    co_await self->ws.async_write(asio::buffer(frame.data), nothrow);
                break;
            }
            case frame_kind::ping: {
                const websocket::ping_data payload(frame.data.data(),
                                                   std::min<std::size_t>(frame.data.size(), 125));
                std::tie(ec) = co_await self->ws.async_ping(payload, nothrow);
                break;
            }
            case frame_kind::close: {
                const websocket::close_reason reason(
                    static_cast<websocket::close_code>(frame.close_code), frame.data);
                std::tie(ec) = co_await self->ws.async_close(reason, nothrow);
                // The reader sees the end and reports it; nothing may be written after a close.
                co_return;
            }
        }
        if (ec) {
            // A write failure means the link is gone; the reader reports why.
            self->shutdown();
            co_return;
        }
    }
}

asio::awaitable<void> read_frames(connection_ptr self) {
    for (;;) {
        beast::flat_buffer buffer;
        auto [ec, bytes] = co_await self->ws.async_read(buffer, nothrow);
        if (ec) {
            self->finish(describe_end(*self, ec));
            co_return;
        }
        std::string data = beast::buffers_to_string(buffer.data());
        const auto& handler =
            self->ws.got_text() ? self->handlers.on_text : self->handlers.on_binary;
        if (handler) self->call_handler(handler, std::move(data));
    }
}

asio::awaitable<void> write_response(connection_ptr self, http_response response, unsigned version,
                                     bool keep_alive) {
    http::response<http::string_body> message{static_cast<http::status>(response.status), version};
    message.set(http::field::server, "scribe-fake");
    if (!response.content_type.empty())
        message.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) message.set(name, value);
    message.body() = std::move(response.body);
    message.keep_alive(keep_alive);
    message.prepare_payload();
    beast::get_lowest_layer(self->ws).expires_after(self->server->options.io_timeout);
    co_await http::async_write(self->ws.next_layer(), message, nothrow);
}

asio::awaitable<void> close_tls(connection_ptr self) {
    beast::get_lowest_layer(self->ws).expires_after(self->server->options.io_timeout);
    co_await self->ws.next_layer().next_layer().async_shutdown(nothrow);
    beast::get_lowest_layer(self->ws).close();
}

// Upgrades to a websocket, or answers the rejection the handler chose.
asio::awaitable<void> serve_upgrade(connection_ptr self, http::request<http::string_body> request) {
    const auto& server = *self->server;
    upgrade_decision decision;
    if (server.handlers.on_upgrade) {
        decision = server.handlers.on_upgrade(self->request);
    } else {
        decision.reject = http_response{404, "text/plain", {}, "no websockets here", true};
    }
    if (decision.reject) {
        co_await write_response(self, std::move(*decision.reject), request.version(), false);
        co_await close_tls(self);
        co_return;
    }

    beast::get_lowest_layer(self->ws).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = server.options.io_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;  // the fake sends its own pings, on its own schedule
    self->ws.set_option(timeouts);
    self->ws.read_message_max(server.options.websocket_message_limit);
    self->ws.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
        response.set(http::field::server, "scribe-fake");
    }));
    auto [ec] = co_await self->ws.async_accept(request, nothrow);
    if (ec) co_return;

    https_connection* raw =
        self.get();  // the stream owns the callback, so the raw pointer outlives it
    self->ws.control_callback([raw](websocket::frame_type kind, std::string_view payload) {
        if (kind == websocket::frame_type::ping && raw->handlers.on_ping) {
            raw->call_handler(raw->handlers.on_ping, std::string(payload));
        } else if (kind == websocket::frame_type::pong && raw->handlers.on_pong) {
            raw->call_handler(raw->handlers.on_pong, std::string(payload));
        }
    });
    if (decision.on_open) decision.on_open(self);
    asio::co_spawn(self->ws.get_executor(), write_frames(self),
                   log_failure(self->server, "websocket writer"));
    co_await read_frames(self);
}

asio::awaitable<void> serve(connection_ptr self) {
    auto& tcp_layer = beast::get_lowest_layer(self->ws);
    const auto& options = self->server->options;
    tcp_layer.expires_after(options.io_timeout);
    auto [handshake_ec] = co_await self->ws.next_layer().next_layer().async_handshake(
        ssl::stream_base::server, nothrow);
    // A client that refuses our certificate ends here; that is its decision, not a failure.
    if (handshake_ec) co_return;

    while (!self->closed) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(options.body_limit);
        tcp_layer.expires_after(options.idle_timeout);
        auto [read_ec, bytes] =
            co_await http::async_read(self->ws.next_layer(), self->buffer, parser, nothrow);
        // End of stream, truncation or an idle keep-alive connection timing out: all normal.
        if (read_ec) co_return;

        http::request<http::string_body> request = parser.release();
        self->request = to_plain(request);
        if (websocket::is_upgrade(request)) {
            co_await serve_upgrade(self, std::move(request));
            co_return;
        }

        self->pending_response.reset();
        std::weak_ptr<https_connection> weak = self;
        self->server->handlers.on_request(self->request, [weak](http_response response) {
            if (auto target = weak.lock()) {
                target->pending_response = std::move(response);
                target->response_ready.cancel();
            }
        });
        while (!self->pending_response && !self->closed) {
            self->response_ready.expires_at(asio::steady_timer::time_point::max());
            co_await self->response_ready.async_wait(nothrow);
        }
        if (!self->pending_response) co_return;
        if (self->pending_response->drop) {
            self->shutdown();
            co_return;
        }

        const bool keep_alive = request.keep_alive() && !self->pending_response->close;
        co_await write_response(self, std::move(*self->pending_response), request.version(),
                                keep_alive);
        if (!keep_alive) {
            co_await close_tls(self);
            co_return;
        }
    }
}

asio::awaitable<void> accept_connections(server_ptr server) {
    for (;;) {
        auto [ec, socket] = co_await server->acceptor.async_accept(nothrow);
        if (server->stopped || server->refusing) co_return;
        if (ec) {
            server->log("accept failed: " + ec.message());
            // Pause so a persistent failure (out of descriptors) does not spin the thread.
            asio::steady_timer pause(server->io, std::chrono::milliseconds(50));
            co_await pause.async_wait(nothrow);
            continue;
        }
        const auto id = ++server->next_connection;
        auto conn = std::make_shared<https_connection>(std::move(socket), server);
        server->connections[id] = conn;
        asio::co_spawn(server->io, serve(conn), [server, id](std::exception_ptr error) {
            server->connections.erase(id);
            log_failure(server, "connection")(error);
        });
    }
}

// Binds 127.0.0.1:`port` (any free one for 0) and accepts there.
void listen(const server_ptr& state, unsigned short port) {
    auto& acceptor = state->acceptor;
    const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    state->port = acceptor.local_endpoint().port();
    asio::co_spawn(state->io, accept_connections(state), log_failure(state, "acceptor"));
}

// Closes the listener and every connection.
void close_everything(const server_ptr& state) {
    error_code ignored;
    state->acceptor.close(ignored);
    // Copy first: shutting a connection down may end its coroutine and erase it from the map.
    std::vector<std::shared_ptr<https_connection>> live;
    for (const auto& [id, weak] : state->connections) {
        if (auto conn = weak.lock()) live.push_back(std::move(conn));
    }
    for (const auto& conn : live) conn->shutdown();
}

}  // namespace

https_server::https_server(asio::io_context& io, https_server_options options,
                           https_server_handlers handlers)
    : state_(std::make_shared<detail::https_server_state>(io, std::move(options),
                                                          std::move(handlers))) {}

https_server::~https_server() = default;

void https_server::start() {
    auto& tls = state_->tls;
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ::SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
    tls.use_certificate_chain(asio::buffer(state_->options.certificate_pem));
    tls.use_private_key(asio::buffer(state_->options.private_key_pem), ssl::context::pem);

    listen(state_, state_->options.port);
}

void https_server::stop() {
    state_->stopped = true;
    close_everything(state_);
}

void https_server::refuse_connections(bool refuse) {
    if (state_->stopped || refuse == state_->refusing) return;
    state_->refusing = refuse;
    if (refuse) {
        close_everything(state_);
    } else {
        listen(state_, state_->port);
    }
}

unsigned short https_server::port() const { return state_->port; }

}  // namespace scribe::fakes
