// The websocket client against loopback servers with real TLS: frames, liveness, close, refusals.
#include "adapters/net/websocket_client.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <chrono>

#include "adapters/net/constants.hpp"
#include "adapters/net/error.hpp"
#include "adapters/net/tls.hpp"
#include "tests/net/http_test_server.hpp"
#include "tests/net/websocket_test_server.hpp"
#include "tests/support/coro.hpp"
#include "tests/support/test_ca.hpp"

namespace net = scribe::adapters::net;
namespace testing = scribe::testing;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using peer_ptr = std::shared_ptr<testing::websocket_peer>;

namespace {

const testing::test_certificates& certificates() {
    static const auto certs = testing::make_test_certificates();
    return *certs;
}

std::shared_ptr<asio::ssl::context> server_tls() {
    return net::make_server_context(certificates().server_cert_pem, certificates().server_key_pem);
}

std::shared_ptr<asio::ssl::context> client_tls() {
    return net::make_client_context({certificates().ca_file.string()});
}

net::websocket_options quick(std::chrono::milliseconds idle = 5000ms) {
    net::websocket_options options;
    options.handshake_timeout = 2000ms;
    options.idle_timeout = idle;
    options.user_agent = "scribe-test";
    return options;
}

asio::awaitable<std::unique_ptr<net::websocket_connection>> open(
    net::url u, net::websocket_options options, std::shared_ptr<asio::ssl::context> tls) {
    co_return co_await net::websocket_connection::connect(
        co_await asio::this_coro::executor, std::move(tls), std::move(u), std::move(options));
}

asio::awaitable<std::optional<net::error>> connect_failure(
    net::url u, net::websocket_options options, std::shared_ptr<asio::ssl::context> tls) {
    try {
        co_await open(std::move(u), std::move(options), std::move(tls));
    } catch (const net::error& e) {
        co_return e;
    }
    co_return std::nullopt;
}

asio::awaitable<std::optional<net::error>> read_failure(net::websocket_connection* c) {
    try {
        while (co_await c->read()) {
        }
    } catch (const net::error& e) {
        co_return e;
    }
    co_return std::nullopt;
}

// ---- server scripts --------------------------------------------------------------------------

asio::awaitable<void> echo(peer_ptr peer) {
    while (auto message = co_await peer->read()) {
        co_await peer->send(message->data, message->binary);
    }
}

asio::awaitable<void> send_binary_then_text(peer_ptr peer) {
    co_await peer->send(std::string("\x00\x01\xff", 3), true);
    co_await peer->send("text after binary", false);
    co_await echo(peer);
}

asio::awaitable<void> ping_then_report_pongs(peer_ptr peer) {
    co_await peer->ping("Ping from applink-2");
    co_await peer->send("pinged", false);
    co_await peer->read();  // the client's pong arrives before this message
    std::string report = "pongs:";
    for (const auto& payload : peer->pongs) report += payload + ";";
    co_await peer->send(report, false);
    co_await echo(peer);
}

asio::awaitable<void> send_later(peer_ptr peer, std::chrono::milliseconds delay, std::string text) {
    co_await peer->stall(delay);
    co_await peer->send(std::move(text), false);
}

asio::awaitable<void> quiet_but_alive(peer_ptr peer) {
    // Reading answers the client's keep-alive pings while the server has nothing to say.
    asio::co_spawn(co_await asio::this_coro::executor, send_later(peer, 900ms, "still here"),
                   [](std::exception_ptr) {});
    co_await echo(peer);
}

asio::awaitable<void> silent(peer_ptr peer) { co_await peer->stall(10s); }

asio::awaitable<void> close_with_refresh(peer_ptr peer) {
    co_await peer->send("bye soon", false);
    co_await peer->close(1000, "refresh_requested");
}

asio::awaitable<void> collect_then_report(peer_ptr peer, std::size_t count) {
    std::string joined;
    for (std::size_t i = 0; i < count; ++i) {
        const auto message = co_await peer->read();
        if (!message) co_return;
        joined += message->data + ",";
    }
    co_await peer->send(joined, false);
    co_await echo(peer);
}

asio::awaitable<void> send_big(peer_ptr peer) {
    co_await peer->send(std::string(4096, 'x'), false);
    co_await echo(peer);
}

// ---- client sides ----------------------------------------------------------------------------

struct echo_result {
    std::vector<net::websocket_message> messages;
    bool closed_cleanly = false;
    std::uint16_t close_code = 0;
};

// Sends each text, reads as many replies, then closes and reads until the close completes.
asio::awaitable<echo_result> exchange(net::url u, net::websocket_options options,
                                      std::shared_ptr<asio::ssl::context> tls,
                                      std::vector<std::string> texts, std::size_t replies) {
    auto connection = co_await open(std::move(u), std::move(options), std::move(tls));
    for (auto& text : texts) connection->send(std::move(text));
    echo_result result;
    for (std::size_t i = 0; i < replies; ++i) {
        auto message = co_await connection->read();
        if (!message) co_return result;
        result.messages.push_back(std::move(*message));
    }
    connection->close();
    connection->send("ignored after close");
    result.closed_cleanly = !(co_await connection->read());
    result.close_code = connection->close_code();
    co_return result;
}

}  // namespace

TEST_CASE("websocket: wss connect, text echo, graceful close") {
    asio::io_context io;
    auto seen = std::make_shared<peer_ptr>();
    testing::websocket_server server(io, server_tls(), [seen](peer_ptr peer) {
        *seen = peer;
        return echo(peer);
    });
    const auto result = testing::run_coro(io, exchange(server.url("/link/?ticket=t-1&app_id=A1"),
                                                       quick(), client_tls(), {"hello"}, 1));

    REQUIRE(result.messages.size() == 1);
    CHECK(result.messages[0].data == "hello");
    CHECK_FALSE(result.messages[0].binary);
    CHECK(result.closed_cleanly);
    CHECK(result.close_code == 1000);
    REQUIRE(*seen);
    CHECK((*seen)->target == "/link/?ticket=t-1&app_id=A1");
    CHECK((*seen)->user_agent == "scribe-test");
    CHECK(testing::run_until(
        io, [&] { return (*seen)->close_code_received != 0; }, 2s));
    CHECK((*seen)->close_code_received == 1000);
    CHECK(server.script_errors().empty());
}

TEST_CASE("websocket: binary frames are surfaced as binary") {
    asio::io_context io;
    testing::websocket_server server(io, server_tls(), send_binary_then_text);
    const auto result = testing::run_coro(io, exchange(server.url(), quick(), client_tls(), {}, 2));
    REQUIRE(result.messages.size() == 2);
    CHECK(result.messages[0].binary);
    CHECK(result.messages[0].data == std::string("\x00\x01\xff", 3));
    CHECK_FALSE(result.messages[1].binary);
    CHECK(result.messages[1].data == "text after binary");
}

asio::awaitable<void> ping_client(net::url u, std::shared_ptr<asio::ssl::context> tls) {
    auto connection = co_await open(std::move(u), quick(), std::move(tls));
    const auto pinged = co_await connection->read();
    REQUIRE(pinged);
    CHECK(pinged->data == "pinged");
    CHECK(connection->pings_received() == 1);
    connection->send("after the pong");
    const auto report = co_await connection->read();
    REQUIRE(report);
    // Beast answered by itself, echoing the payload as RFC 6455 requires.
    CHECK(report->data == "pongs:Ping from applink-2;");
    connection->close();
    CHECK_FALSE(co_await connection->read());
}

TEST_CASE("websocket: server pings are answered with a pong echoing the payload") {
    asio::io_context io;
    testing::websocket_server server(io, server_tls(), ping_then_report_pongs);
    testing::run_coro(io, ping_client(server.url(), client_tls()));
    CHECK(server.script_errors().empty());
}

asio::awaitable<void> patient_client(net::url u, std::shared_ptr<asio::ssl::context> tls) {
    auto connection = co_await open(std::move(u), quick(300ms), std::move(tls));
    const auto message = co_await connection->read();
    REQUIRE(message);
    CHECK(message->data == "still here");
    // 900 ms of silence with a 300 ms idle timeout: kept up by our pings and the server's pongs.
    CHECK(connection->pongs_received() >= 2);
    connection->close();
    CHECK_FALSE(co_await connection->read());
}

TEST_CASE("websocket: keep-alive pings hold a quiet link open") {
    asio::io_context io;
    testing::websocket_server server(io, server_tls(), quiet_but_alive);
    testing::run_coro(io, patient_client(server.url(), client_tls()));
}

asio::awaitable<void> timed_out_client(net::url u, std::shared_ptr<asio::ssl::context> tls) {
    auto connection = co_await open(std::move(u), quick(300ms), std::move(tls));
    const auto start = std::chrono::steady_clock::now();
    const auto failed = co_await read_failure(connection.get());
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE(failed);
    CHECK(failed->code() == boost::beast::error::timeout);
    CHECK(std::string(failed->what()).find("websocket read from 127.0.0.1:") != std::string::npos);
    CHECK(elapsed >= 250ms);
    CHECK(elapsed < 3s);
}

TEST_CASE("websocket: the idle timeout detects a silent server") {
    asio::io_context io;
    testing::websocket_server server(io, server_tls(), silent);
    testing::run_coro(io, timed_out_client(server.url(), client_tls()));
}

asio::awaitable<void> closed_by_server_client(net::url u, std::shared_ptr<asio::ssl::context> tls) {
    auto connection = co_await open(std::move(u), quick(), std::move(tls));
    const auto last = co_await connection->read();
    REQUIRE(last);
    CHECK(last->data == "bye soon");
    CHECK_FALSE(co_await connection->read());
    CHECK(connection->close_code() == 1000);
    CHECK(connection->close_reason() == "refresh_requested");
}

TEST_CASE("websocket: a close from the server ends reading with its code and reason") {
    asio::io_context io;
    testing::websocket_server server(io, server_tls(), close_with_refresh);
    testing::run_coro(io, closed_by_server_client(server.url(), client_tls()));
    CHECK(server.script_errors().empty());
}

TEST_CASE("websocket: queued sends go out in order") {
    asio::io_context io;
    constexpr std::size_t count = 50;
    testing::websocket_server server(
        io, server_tls(), [](peer_ptr peer) { return collect_then_report(peer, count); });
    std::vector<std::string> texts;
    std::string expected;
    for (std::size_t i = 0; i < count; ++i) {
        texts.push_back(R"({"envelope_id":")" + std::to_string(i) + R"("})");
        expected += texts.back() + ",";
    }
    const auto result =
        testing::run_coro(io, exchange(server.url(), quick(), client_tls(), texts, 1));
    REQUIRE(result.messages.size() == 1);
    CHECK(result.messages[0].data == expected);
    CHECK(result.closed_cleanly);
}

asio::awaitable<std::optional<net::error>> oversized_client(
    net::url u, std::shared_ptr<asio::ssl::context> tls) {
    auto options = quick();
    options.max_message_size = 1024;
    options.allow_plaintext = true;
    auto connection = co_await open(std::move(u), options, std::move(tls));
    co_return co_await read_failure(connection.get());
}

TEST_CASE("websocket: a message over max_message_size fails the read") {
    asio::io_context io;
    testing::websocket_server plain(io, nullptr, send_big);
    const auto failed = testing::run_coro(io, oversized_client(plain.url(), nullptr));
    REQUIRE(failed);
    CHECK(failed->code() == boost::beast::websocket::error::message_too_big);

    // Over TLS, Beast 1.81 reports the failed TLS shutdown that follows instead of the cause.
    testing::websocket_server secure(io, server_tls(), send_big);
    CHECK(testing::run_coro(io, oversized_client(secure.url(), client_tls())));
}

TEST_CASE("websocket: plaintext ws:// only when allowed, and only to loopback") {
    asio::io_context io;
    testing::websocket_server server(io, nullptr, echo);

    auto failed = testing::run_coro(io, connect_failure(server.url(), quick(), nullptr));
    REQUIRE(failed);
    CHECK(failed->code() == net::errc::plaintext_not_allowed);

    auto allowed = quick();
    allowed.allow_plaintext = true;
    failed = testing::run_coro(
        io, connect_failure(net::parse_url("ws://example.com/").value(), allowed, nullptr));
    REQUIRE(failed);
    CHECK(failed->code() == net::errc::plaintext_not_loopback);

    const auto result =
        testing::run_coro(io, exchange(server.url(), allowed, nullptr, {"plain"}, 1));
    REQUIRE(result.messages.size() == 1);
    CHECK(result.messages[0].data == "plain");
    CHECK(server.connections_accepted() == 1);
}

TEST_CASE("websocket: a certificate for another name is refused") {
    asio::io_context io;
    const auto other = testing::make_test_certificates({"example.invalid"});
    testing::websocket_server server(
        io, net::make_server_context(other->server_cert_pem, other->server_key_pem), echo);
    const auto failed =
        testing::run_coro(io, connect_failure(server.url(), quick(),
                                              net::make_client_context({other->ca_file.string()})));
    REQUIRE(failed);
    CHECK(std::string(failed->what()).find("mismatch") != std::string::npos);
}

TEST_CASE("websocket: a declined upgrade reports the HTTP status") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), [](const testing::received_request&) {
        testing::scripted_response response;
        response.status = 403;
        response.body = R"({"ok":false,"error":"invalid_auth"})";
        return response;
    });
    const auto u =
        net::parse_url("wss://127.0.0.1:" + std::to_string(server.port()) + "/link/?ticket=used")
            .value();
    const auto failed = testing::run_coro(io, connect_failure(u, quick(), client_tls()));
    REQUIRE(failed);
    const std::string message = failed->what();
    CHECK(message.find("websocket handshake with 127.0.0.1") != std::string::npos);
    CHECK(message.find("HTTP 403") != std::string::npos);
    CHECK(message.find("ticket") == std::string::npos);
}

TEST_CASE("websocket: connect refuses http(s) URLs") {
    asio::io_context io;
    const auto failed = testing::run_coro(
        io, connect_failure(net::parse_url("https://127.0.0.1:1/").value(), quick(), client_tls()));
    REQUIRE(failed);
    CHECK(failed->code() == net::errc::unsupported_scheme);
}

asio::awaitable<void> close_later(net::websocket_connection* connection) {
    asio::steady_timer timer(co_await asio::this_coro::executor, 100ms);
    co_await timer.async_wait(net::use_awaitable);
    connection->close();
}

asio::awaitable<void> reader_closed_from_elsewhere(net::url u,
                                                   std::shared_ptr<asio::ssl::context> tls) {
    auto connection = co_await open(std::move(u), quick(), std::move(tls));
    asio::co_spawn(co_await asio::this_coro::executor, close_later(connection.get()),
                   [](std::exception_ptr e) {
                       if (e) std::rethrow_exception(e);
                   });
    CHECK_FALSE(co_await connection->read());
    CHECK(connection->close_code() == 1000);
}

TEST_CASE("websocket: close() from elsewhere while a read is pending ends that read cleanly") {
    // The adapter's shape: a read loop always pending, close() called on shutdown.
    asio::io_context io;
    auto seen = std::make_shared<peer_ptr>();
    testing::websocket_server server(io, server_tls(), [seen](peer_ptr peer) {
        *seen = peer;
        return echo(peer);
    });
    testing::run_coro(io, reader_closed_from_elsewhere(server.url(), client_tls()));
    REQUIRE(*seen);
    CHECK(testing::run_until(
        io, [&] { return (*seen)->close_code_received != 0; }, 2s));
    CHECK((*seen)->close_code_received == 1000);
}
