// Accept loop and one coroutine per connection; every read and write is bounded in time.
#include "adapters/net/http_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>

#include "adapters/net/constants.hpp"
#include "adapters/net/error.hpp"

namespace scribe::adapters::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds io_limit{5};

incoming_request request_of(const http::request<http::string_body>& request,
                            const std::string& peer) {
    incoming_request out;
    out.method = std::string(request.method_string());
    out.target = std::string(request.target());
    for (const auto& field : request) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto& value = out.headers[name];
        // Cookies sent in several headers are one list, separated as within one.
        if (!value.empty()) value += name == "cookie" ? "; " : ", ";
        value += std::string(field.value());
    }
    out.body = request.body();
    out.peer = peer;
    return out;
}

http::response<http::string_body> respond(const http::request<http::string_body>& request,
                                          const std::string& peer,
                                          const http_server::handler& handle) {
    http_answer answer;
    const auto method = request.method();
    if (method != http::verb::get && method != http::verb::head && method != http::verb::post) {
        answer = {405, "text/plain; charset=utf-8", "only GET, HEAD and POST\n", {}};
        answer.headers.emplace_back("Allow", "GET, HEAD, POST");
    } else {
        try {
            answer = handle(request_of(request, peer));
        } catch (const std::exception& e) {
            spdlog::error("web: {} {} failed: {}", std::string(request.method_string()),
                          std::string(request.target()), e.what());
            answer = {500, "text/plain; charset=utf-8", "internal error, see the log\n", {}};
        }
    }
    http::response<http::string_body> response{static_cast<http::status>(answer.status),
                                               request.version()};
    response.set(http::field::server, "scribe");
    response.set(http::field::content_type, answer.content_type);
    response.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : answer.headers) response.insert(name, value);
    response.keep_alive(false);
    if (request.method() == http::verb::head) {
        response.content_length(answer.body.size());  // what GET would send
    } else {
        response.body() = std::move(answer.body);
        response.prepare_payload();
    }
    return response;
}

}  // namespace

struct http_server::state {
    state(asio::any_io_executor executor, handler h) : acceptor(executor), handle(std::move(h)) {}
    tcp::acceptor acceptor;
    handler handle;
    bool stopped = false;
};

namespace {

asio::awaitable<void> serve(std::shared_ptr<http_server::state> server, tcp::socket socket) {
    boost::system::error_code peer_error;
    const auto peer = socket.remote_endpoint(peer_error).address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    stream.expires_after(io_limit);
    auto [read_error, read] = co_await http::async_read(stream, buffer, parser, nothrow);
    if (read_error) co_return;
    auto response = respond(parser.get(), peer, server->handle);
    stream.expires_after(io_limit);
    co_await http::async_write(stream, response, nothrow);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept_loop(std::shared_ptr<http_server::state> server) {
    while (!server->stopped) {
        auto [ec, socket] = co_await server->acceptor.async_accept(nothrow);
        if (ec) {
            if (server->stopped || ec == asio::error::operation_aborted) break;
            spdlog::warn("HTTP listener: accept failed: {}", ec.message());
            continue;
        }
        asio::co_spawn(server->acceptor.get_executor(), serve(server, std::move(socket)),
                       asio::detached);
    }
}

}  // namespace

http_server::http_server(asio::any_io_executor executor, const std::string& address,
                         unsigned short port, handler handle)
    : state_(std::make_shared<state>(executor, std::move(handle))) {
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) throw error(ec, "parse listen address", address);
    const tcp::endpoint endpoint(ip, port);
    auto& acceptor = state_->acceptor;
    if (acceptor.open(endpoint.protocol(), ec); ec) throw error(ec, "open listener", address);
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (acceptor.bind(endpoint, ec); ec) {
        throw error(ec, "listen on", address + ":" + std::to_string(port));
    }
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
        throw error(ec, "listen on", address + ":" + std::to_string(port));
    }
    asio::co_spawn(executor, accept_loop(state_), asio::detached);
}

http_server::~http_server() { stop(); }

unsigned short http_server::port() const {
    boost::system::error_code ec;
    return state_->acceptor.local_endpoint(ec).port();
}

void http_server::stop() {
    if (state_->stopped) return;
    state_->stopped = true;
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
}

}  // namespace scribe::adapters::net
