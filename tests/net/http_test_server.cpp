// The loopback HTTP(S) server: an accept loop, then one coroutine per connection.
#include "tests/net/http_test_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

#include "tests/net/loopback.hpp"

namespace scribe::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using tls_stream = ssl::stream<beast::tcp_stream>;
using adapters::net::nothrow;

}  // namespace

std::optional<std::string> received_request::header(const std::string& name) const {
    auto lower = [](std::string s) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    for (const auto& [key, value] : headers) {
        if (lower(key) == lower(name)) return value;
    }
    return std::nullopt;
}

struct http_server::state {
    state(asio::io_context& io, std::shared_ptr<ssl::context> tls_context, http_handler h)
        : acceptor(listen_on_loopback(io)), tls(std::move(tls_context)), handler(std::move(h)) {}

    tcp::acceptor acceptor;
    std::shared_ptr<ssl::context> tls;
    http_handler handler;
    std::size_t accepted = 0;
    std::size_t requests = 0;
};

namespace {

template <class Stream>
asio::awaitable<void> serve_requests(std::shared_ptr<http_server::state> self, Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> request;
        auto [read_ec, read_size] = co_await http::async_read(stream, buffer, request, nothrow);
        if (read_ec) co_return;
        ++self->requests;

        received_request received{std::string(request.method_string()),
                                  std::string(request.target()),
                                  {},
                                  request.body()};
        for (const auto& field : request) {
            received.headers.emplace_back(std::string(field.name_string()),
                                          std::string(field.value()));
        }
        const scripted_response scripted = self->handler(received);
        if (scripted.after == scripted_response::then::hang) {
            // Returns when the client gives up and closes.
            http::request<http::string_body> ignored;
            co_await http::async_read(stream, buffer, ignored, nothrow);
            co_return;
        }
        if (scripted.delay.count() > 0) co_await wait_for(scripted.delay);

        http::response<http::string_body> response{static_cast<http::status>(scripted.status),
                                                   request.version()};
        for (const auto& [name, value] : scripted.headers) response.insert(name, value);
        response.body() = scripted.body;
        response.keep_alive(!scripted.connection_close);
        response.prepare_payload();
        auto [write_ec, written] = co_await http::async_write(stream, response, nothrow);
        if (write_ec || scripted.connection_close ||
            scripted.after == scripted_response::then::drop) {
            co_return;  // the caller's stream goes away, closing the socket
        }
    }
}

asio::awaitable<void> serve_http(std::shared_ptr<http_server::state> self, tcp::socket socket) {
    beast::tcp_stream tcp_stream(std::move(socket));
    if (!self->tls) {
        co_await serve_requests(self, tcp_stream);
        co_return;
    }
    tls_stream stream(std::move(tcp_stream), *self->tls);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, nothrow);
    if (ec) co_return;  // e.g. the client refused our certificate
    beast::get_lowest_layer(stream).expires_never();
    co_await serve_requests(self, stream);
}

asio::awaitable<void> accept_http(std::shared_ptr<http_server::state> self) {
    for (;;) {
        auto [ec, socket] = co_await self->acceptor.async_accept(nothrow);
        if (ec) co_return;
        ++self->accepted;
        asio::co_spawn(self->acceptor.get_executor(), serve_http(self, std::move(socket)),
                       ignore_errors);
    }
}

}  // namespace

http_server::http_server(asio::io_context& io, std::shared_ptr<ssl::context> tls,
                         http_handler handler)
    : state_(std::make_shared<state>(io, std::move(tls), std::move(handler))) {
    asio::co_spawn(io, accept_http(state_), ignore_errors);
}

http_server::~http_server() {
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
}

std::uint16_t http_server::port() const { return state_->acceptor.local_endpoint().port(); }

adapters::net::url http_server::url() const {
    const std::string scheme = state_->tls ? "https" : "http";
    return adapters::net::parse_url(scheme + "://127.0.0.1:" + std::to_string(port()) + "/")
        .value();
}

std::size_t http_server::connections_accepted() const { return state_->accepted; }

std::size_t http_server::requests_received() const { return state_->requests; }

}  // namespace scribe::testing
