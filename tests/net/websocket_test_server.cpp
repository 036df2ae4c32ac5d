// The loopback websocket server: an accept loop, then the test's script per connection.
#include "tests/net/websocket_test_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "tests/net/loopback.hpp"

namespace scribe::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using tls_stream = ssl::stream<beast::tcp_stream>;
using adapters::net::nothrow;

}  // namespace

struct websocket_server::state {
    state(asio::io_context& io, std::shared_ptr<ssl::context> tls_context, websocket_script s)
        : acceptor(listen_on_loopback(io)), tls(std::move(tls_context)), script(std::move(s)) {}

    tcp::acceptor acceptor;
    std::shared_ptr<ssl::context> tls;
    websocket_script script;
    std::size_t accepted = 0;
    std::vector<std::string> errors;
};

namespace {

template <class Stream>
class peer final : public websocket_peer {
  public:
    explicit peer(Stream stream) : ws_(std::move(stream)) {
        ws_.control_callback([this](websocket::frame_type kind, beast::string_view payload) {
            if (kind == websocket::frame_type::pong) pongs.emplace_back(payload);
            if (kind == websocket::frame_type::ping) ++pings;
        });
    }

    // Reads the upgrade request itself, to record its target and user agent.
    asio::awaitable<bool> accept() {
        beast::flat_buffer buffer;
        http::request<http::string_body> upgrade;
        auto [read_ec, size] =
            co_await http::async_read(ws_.next_layer(), buffer, upgrade, nothrow);
        if (read_ec) co_return false;
        target = std::string(upgrade.target());
        user_agent = std::string(upgrade[http::field::user_agent]);
        auto [ec] = co_await ws_.async_accept(upgrade, nothrow);
        co_return !ec;
    }

    asio::awaitable<std::optional<adapters::net::websocket_message>> read() override {
        beast::flat_buffer buffer;
        auto [ec, size] = co_await ws_.async_read(buffer, nothrow);
        if (ec == websocket::error::closed) {
            close_code_received = ws_.reason().code;
            co_return std::nullopt;
        }
        if (ec) throw boost::system::system_error(ec, "test server read");
        co_return adapters::net::websocket_message{ws_.got_binary(),
                                                   beast::buffers_to_string(buffer.data())};
    }

    asio::awaitable<void> send(std::string data, bool binary) override {
        ws_.binary(binary);
        co_await ws_.async_write(asio::buffer(data), adapters::net::use_awaitable);
    }

    asio::awaitable<void> ping(std::string payload) override {
        co_await ws_.async_ping(websocket::ping_data(payload.c_str()),
                                adapters::net::use_awaitable);
    }

    asio::awaitable<void> close(std::uint16_t code, std::string reason) override {
        co_await ws_.async_close(
            websocket::close_reason(static_cast<websocket::close_code>(code), reason),
            adapters::net::use_awaitable);
    }

    asio::awaitable<void> stall(std::chrono::milliseconds duration) override {
        co_await wait_for(duration);
    }

  private:
    websocket::stream<Stream> ws_;
};

template <class Stream>
asio::awaitable<void> run_script(std::shared_ptr<websocket_server::state> self,
                                 std::shared_ptr<peer<Stream>> link) {
    if (!co_await link->accept()) co_return;
    try {
        co_await self->script(link);
    } catch (const std::exception& e) {
        self->errors.emplace_back(e.what());
    }
}

asio::awaitable<void> serve_websocket(std::shared_ptr<websocket_server::state> self,
                                      tcp::socket socket) {
    beast::tcp_stream tcp_stream(std::move(socket));
    if (!self->tls) {
        co_await run_script(self, std::make_shared<peer<beast::tcp_stream>>(std::move(tcp_stream)));
        co_return;
    }
    tls_stream stream(std::move(tcp_stream), *self->tls);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, nothrow);
    if (ec) co_return;
    beast::get_lowest_layer(stream).expires_never();
    co_await run_script(self, std::make_shared<peer<tls_stream>>(std::move(stream)));
}

asio::awaitable<void> accept_websocket(std::shared_ptr<websocket_server::state> self) {
    for (;;) {
        auto [ec, socket] = co_await self->acceptor.async_accept(nothrow);
        if (ec) co_return;
        ++self->accepted;
        asio::co_spawn(self->acceptor.get_executor(), serve_websocket(self, std::move(socket)),
                       ignore_errors);
    }
}

}  // namespace

websocket_server::websocket_server(asio::io_context& io, std::shared_ptr<ssl::context> tls,
                                   websocket_script script)
    : state_(std::make_shared<state>(io, std::move(tls), std::move(script))) {
    asio::co_spawn(io, accept_websocket(state_), ignore_errors);
}

websocket_server::~websocket_server() {
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
}

std::uint16_t websocket_server::port() const { return state_->acceptor.local_endpoint().port(); }

adapters::net::url websocket_server::url(const std::string& target) const {
    const std::string scheme = state_->tls ? "wss" : "ws";
    return adapters::net::parse_url(scheme + "://127.0.0.1:" + std::to_string(port()) + target)
        .value();
}

std::size_t websocket_server::connections_accepted() const { return state_->accepted; }

const std::vector<std::string>& websocket_server::script_errors() const { return state_->errors; }

}  // namespace scribe::testing
