// The HTTP client against loopback servers with real TLS: keep-alive, retry, timeouts, refusals.
#include "adapters/net/http_client.hpp"

#include <doctest/doctest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "adapters/net/constants.hpp"
#include "adapters/net/error.hpp"
#include "adapters/net/tls.hpp"
#include "tests/net/http_test_server.hpp"
#include "tests/support/coro.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_ca.hpp"

namespace net = scribe::adapters::net;
namespace testing = scribe::testing;
namespace asio = boost::asio;
using namespace std::chrono_literals;

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

testing::scripted_response echo(const testing::received_request& request) {
    testing::scripted_response response;
    response.headers = {
        {"Content-Type", "text/plain"}, {"X-Method", request.method}, {"X-Target", request.target}};
    response.body = request.body;
    return response;
}

net::http_request get(std::string target = "/") {
    net::http_request request;
    request.target = std::move(target);
    return request;
}

asio::awaitable<std::vector<net::http_response>> sequential(net::http_client* client, int count) {
    std::vector<net::http_response> responses;
    for (int i = 0; i < count; ++i) {
        responses.push_back(co_await client->request(get("/n/" + std::to_string(i))));
    }
    co_return responses;
}

asio::awaitable<net::http_response> one(net::http_client* client, net::http_request request) {
    co_return co_await client->request(std::move(request));
}

// The error a request fails with, so tests can inspect it.
asio::awaitable<std::optional<net::error>> failure(net::http_client* client,
                                                   net::http_request request) {
    try {
        co_await client->request(std::move(request));
    } catch (const net::error& e) {
        co_return e;
    }
    co_return std::nullopt;
}

struct concurrent_state {
    explicit concurrent_state(asio::any_io_executor executor) : all_done(std::move(executor)) {}
    int remaining = 0;
    std::vector<int> finished;        // the requests' numbers, in the order they finished
    std::vector<unsigned> statuses;   // of those answered
    std::vector<std::string> errors;  // of those that failed
    asio::steady_timer all_done;      // cancelled by the last request to finish
};

asio::awaitable<void> record(net::http_client* client, std::shared_ptr<concurrent_state> state,
                             int i) {
    try {
        const auto response = co_await client->request(get("/c/" + std::to_string(i)));
        state->statuses.push_back(response.status);
    } catch (const net::error& e) {
        state->errors.emplace_back(e.what());
    }
    state->finished.push_back(i);
    if (--state->remaining == 0) state->all_done.cancel();
}

// Starts `count` requests at once, numbered in the order they start, and waits for them all.
asio::awaitable<std::shared_ptr<concurrent_state>> concurrently(net::http_client* client,
                                                                int count) {
    const auto executor = co_await asio::this_coro::executor;
    auto state = std::make_shared<concurrent_state>(executor);
    state->remaining = count;
    state->all_done.expires_after(std::chrono::hours(1));
    for (int i = 0; i < count; ++i) {
        asio::co_spawn(executor, record(client, state, i), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    }
    co_await state->all_done.async_wait(net::nothrow);
    co_return state;
}

bool all_answered(const concurrent_state& state, int count) {
    return state.errors.empty() &&
           state.statuses == std::vector<unsigned>(static_cast<std::size_t>(count), 200u);
}

}  // namespace

TEST_CASE("http_client: HTTPS round trip") {
    asio::io_context io;
    std::optional<testing::received_request> seen;
    testing::http_server server(io, server_tls(), [&](const testing::received_request& r) {
        seen = r;
        return echo(r);
    });
    net::http_client client(io.get_executor(), client_tls(), server.url(),
                            {.user_agent = "scribe-test"});

    net::http_request request;
    request.method = "POST";
    request.target = "/api/chat.postMessage?x=1";
    request.headers = {{"Authorization", "Bearer xoxb-1"}, {"Accept", "application/json"}};
    request.body = R"({"channel":"C1","text":"hi"})";
    request.content_type = "application/json; charset=utf-8";
    const auto response = testing::run_coro(io, one(&client, request));

    CHECK(response.status == 200);
    CHECK(response.body == request.body);
    CHECK(response.header("x-method") == "POST");
    CHECK(response.header("X-TARGET") == "/api/chat.postMessage?x=1");
    CHECK_FALSE(response.header("X-Missing"));
    REQUIRE(seen);
    CHECK(seen->header("Host") == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(seen->header("User-Agent") == "scribe-test");
    CHECK(seen->header("Authorization") == "Bearer xoxb-1");
    CHECK(seen->header("Content-Type") == "application/json; charset=utf-8");
    CHECK(seen->header("Content-Length") == std::to_string(request.body.size()));
}

TEST_CASE("http_client: sequential requests reuse one keep-alive connection") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), echo);
    net::http_client client(io.get_executor(), client_tls(), server.url());

    const auto responses = testing::run_coro(io, sequential(&client, 10));
    REQUIRE(responses.size() == 10);
    CHECK(responses[9].header("X-Target") == "/n/9");
    CHECK(server.connections_accepted() == 1);
    CHECK(server.requests_received() == 10);
    CHECK(client.connections_opened() == 1);
    CHECK(client.idle_connections() == 1);
}

TEST_CASE(
    "http_client: a connection the server dropped while idle is retried once, transparently") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), [](const testing::received_request& r) {
        auto response = echo(r);
        response.after = testing::scripted_response::then::drop;
        return response;
    });
    net::http_client client(io.get_executor(), client_tls(), server.url());

    const auto responses = testing::run_coro(io, sequential(&client, 3));
    REQUIRE(responses.size() == 3);
    CHECK(responses[2].status == 200);
    // Each request after the first found its pooled connection dead and opened a new one.
    CHECK(client.connections_opened() == 3);
    CHECK(server.connections_accepted() == 3);
    CHECK(server.requests_received() == 3);
}

TEST_CASE("http_client: a 'Connection: close' reply is not pooled") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), [](const testing::received_request& r) {
        auto response = echo(r);
        response.connection_close = true;
        return response;
    });
    net::http_client client(io.get_executor(), client_tls(), server.url());

    testing::run_coro(io, sequential(&client, 2));
    CHECK(client.idle_connections() == 0);
    CHECK(server.connections_accepted() == 2);
}

TEST_CASE("http_client: concurrent requests each get their own connection") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), [](const testing::received_request& r) {
        auto response = echo(r);
        response.delay = 50ms;  // keeps all five in flight at once
        return response;
    });
    net::http_client client(io.get_executor(), client_tls(), server.url());

    CHECK(all_answered(*testing::run_coro(io, concurrently(&client, 5)), 5));
    CHECK(server.connections_accepted() == 5);
    CHECK(client.idle_connections() == 5);
}

TEST_CASE("http_client: beyond max_connections, requests wait for a connection to be free") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), [](const testing::received_request& r) {
        auto response = echo(r);
        response.delay = 20ms;
        return response;
    });
    net::http_client client(io.get_executor(), client_tls(), server.url(),
                            {.max_connections = 3});

    const auto state = testing::run_coro(io, concurrently(&client, 20));
    CHECK(all_answered(*state, 20));
    // First come, first served: a request is overtaken only by those in flight beside it on the
    // other connections (which of three answers lands first is the scheduler's).
    REQUIRE(state->finished.size() == 20);
    for (int position = 0; position < 20; ++position) {
        CHECK(std::abs(state->finished[static_cast<std::size_t>(position)] - position) < 3);
    }
    CHECK(server.connections_accepted() == 3);
    CHECK(server.requests_received() == 20);
    CHECK(client.connections_opened() == 3);
    CHECK(client.idle_connections() == 3);
}

TEST_CASE("http_client: a connection the server closes passes its place to a waiting request") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), [](const testing::received_request& r) {
        auto response = echo(r);
        response.delay = 10ms;
        response.connection_close = true;
        return response;
    });
    net::http_client client(io.get_executor(), client_tls(), server.url(),
                            {.max_connections = 2});

    CHECK(all_answered(*testing::run_coro(io, concurrently(&client, 6)), 6));
    CHECK(server.connections_accepted() == 6);
    CHECK(client.idle_connections() == 0);
}

TEST_CASE("http_client: a request that waits for a connection past its timeout fails") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), [](const testing::received_request& r) {
        auto response = echo(r);
        response.delay = 250ms;
        return response;
    });
    net::http_client client(io.get_executor(), client_tls(), server.url(),
                            {.request_timeout = 400ms, .max_connections = 1});

    // The second gets the connection after about 250 ms; the third would after 500.
    const auto state = testing::run_coro(io, concurrently(&client, 3));
    CHECK(state->statuses == std::vector<unsigned>{200, 200});
    REQUIRE(state->errors.size() == 1);
    CHECK(state->errors[0].find("waiting for a connection to 127.0.0.1") != std::string::npos);
    CHECK(state->finished == std::vector<int>{0, 2, 1});
}

TEST_CASE("http_client: requests still waiting when the client and its io_context go are safe") {
    auto io = std::make_unique<asio::io_context>();
    auto server = std::make_unique<testing::http_server>(
        *io, server_tls(), [](const testing::received_request& r) {
            auto response = echo(r);
            response.after = testing::scripted_response::then::hang;
            return response;
        });
    auto client = std::make_unique<net::http_client>(
        io->get_executor(), client_tls(), server->url(),
        net::http_client_options{.max_connections = 1});
    int ended = 0;
    for (int i = 0; i < 3; ++i) {
        asio::co_spawn(*io, one(client.get(), get()), [&ended](std::exception_ptr, auto) {
            ++ended;
        });
    }
    io->run_for(200ms);
    CHECK(server->requests_received() == 1);  // one connection: the others wait
    CHECK(ended == 0);
    // As a service stopping does: the client first, then the loop with the requests' frames.
    client.reset();
    server.reset();
    io.reset();
    CHECK(ended == 0);
}

TEST_CASE("http_client: at max_connections, a stale pooled connection is replaced by a new one") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), [](const testing::received_request& r) {
        auto response = echo(r);
        response.after = testing::scripted_response::then::drop;
        return response;
    });
    net::http_client client(io.get_executor(), client_tls(), server.url(),
                            {.max_connections = 1});

    const auto responses = testing::run_coro(io, sequential(&client, 3));
    REQUIRE(responses.size() == 3);
    CHECK(responses[2].status == 200);
    CHECK(client.connections_opened() == 3);
}

TEST_CASE("http_client: a server that never answers times out, and the error hides the token") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), [](const testing::received_request& r) {
        auto response = echo(r);
        response.after = testing::scripted_response::then::hang;
        return response;
    });
    net::http_client client(io.get_executor(), client_tls(), server.url(),
                            {.request_timeout = 200ms});

    auto request = get("/api/apps.connections.open?ticket=t-secret");
    request.headers = {{"Authorization", "Bearer xapp-secret"}};
    const auto start = std::chrono::steady_clock::now();
    const auto failed = testing::run_coro(io, failure(&client, request));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE(failed);
    CHECK(failed->code() == boost::beast::error::timeout);
    CHECK(elapsed >= 150ms);
    CHECK(elapsed < 3s);
    const std::string message = failed->what();
    CHECK(message.find("127.0.0.1:" + std::to_string(server.port())) != std::string::npos);
    CHECK(message.find("xapp-secret") == std::string::npos);
    CHECK(message.find("t-secret") == std::string::npos);
}

TEST_CASE("http_client: per-request timeout overrides the client's") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), [](const testing::received_request& r) {
        auto response = echo(r);
        response.delay = 300ms;
        return response;
    });
    net::http_client client(io.get_executor(), client_tls(), server.url(),
                            {.request_timeout = 100ms});
    auto request = get("/_matrix/client/v3/sync?timeout=250");
    request.timeout = 2s;
    CHECK(testing::run_coro(io, one(&client, request)).status == 200);
}

TEST_CASE("http_client: a response over the body limit fails") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), [](const testing::received_request&) {
        testing::scripted_response response;
        response.body = std::string(4096, 'x');
        return response;
    });
    net::http_client client(io.get_executor(), client_tls(), server.url(), {.body_limit = 1024});
    const auto failed = testing::run_coro(io, failure(&client, get()));
    REQUIRE(failed);
    CHECK(failed->code() == boost::beast::http::error::body_limit);
}

TEST_CASE("http_client: connection refused names the peer") {
    asio::io_context io;
    std::uint16_t closed_port = 0;
    {
        testing::http_server gone(io, nullptr, echo);
        closed_port = gone.port();
    }
    const auto origin = net::parse_url("https://127.0.0.1:" + std::to_string(closed_port)).value();
    net::http_client client(io.get_executor(), client_tls(), origin);
    const auto failed = testing::run_coro(io, failure(&client, get()));
    REQUIRE(failed);
    CHECK(std::string(failed->what()).find("connect to 127.0.0.1:") != std::string::npos);
}

TEST_CASE("http_client: a certificate for another name is refused") {
    asio::io_context io;
    const auto other = testing::make_test_certificates({"example.invalid"});
    testing::http_server server(
        io, net::make_server_context(other->server_cert_pem, other->server_key_pem), echo);
    net::http_client client(io.get_executor(), net::make_client_context({other->ca_file.string()}),
                            server.url());
    const auto failed = testing::run_coro(io, failure(&client, get()));
    REQUIRE(failed);
    const std::string message = failed->what();
    CHECK(message.find("TLS handshake with 127.0.0.1") != std::string::npos);
    CHECK(message.find("mismatch") != std::string::npos);
    CHECK(server.requests_received() == 0);
}

TEST_CASE("http_client: a certificate from an untrusted CA is refused") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), echo);
    net::http_client client(io.get_executor(), net::make_client_context({}), server.url());
    const auto failed = testing::run_coro(io, failure(&client, get()));
    REQUIRE(failed);
    CHECK(std::string(failed->what()).find("TLS handshake") != std::string::npos);
    CHECK(server.requests_received() == 0);
}

TEST_CASE("http_client: plaintext http:// only when allowed, and only to loopback") {
    asio::io_context io;
    testing::http_server server(io, nullptr, echo);

    try {
        net::http_client refused(io.get_executor(), nullptr, server.url());
        FAIL("plaintext accepted without allow_plaintext");
    } catch (const net::error& e) {
        CHECK(e.code() == net::errc::plaintext_not_allowed);
    }

    try {
        net::http_client refused(io.get_executor(), nullptr,
                                 net::parse_url("http://example.com/").value(),
                                 {.allow_plaintext = true});
        FAIL("plaintext accepted to a host that is not loopback");
    } catch (const net::error& e) {
        CHECK(e.code() == net::errc::plaintext_not_loopback);
    }

    net::http_client allowed(io.get_executor(), nullptr, server.url(), {.allow_plaintext = true});
    CHECK(testing::run_coro(io, one(&allowed, get("/plain"))).header("X-Target") == "/plain");
}

TEST_CASE("http_client: invalid requests are refused before anything is sent") {
    asio::io_context io;
    testing::http_server server(io, server_tls(), echo);
    net::http_client client(io.get_executor(), client_tls(), server.url());
    auto bad_method = get();
    bad_method.method = "FETCH";
    auto bad_header = get();
    bad_header.headers = {{"X-Injected", "a\r\nHost: evil"}};
    for (const auto& request : {bad_method, bad_header, get("/a b")}) {
        const auto failed = testing::run_coro(io, failure(&client, request));
        REQUIRE(failed);
        CHECK(failed->code() == net::errc::invalid_request);
    }
    CHECK(server.connections_accepted() == 0);
}

TEST_CASE("make_client_context: a missing or malformed ca_file is a clear error") {
    CHECK_THROWS_WITH_AS(net::make_client_context({"/nonexistent/ca.pem"}),
                         doctest::Contains("/nonexistent/ca.pem"), std::runtime_error);
    testing::temp_dir dir;
    {
        std::ofstream out(dir / "garbage.pem");
        out << "not a certificate\n";
    }
    CHECK_THROWS_WITH_AS(net::make_client_context({(dir / "garbage.pem").string()}),
                         doctest::Contains("garbage.pem"), std::runtime_error);
    CHECK(net::make_client_context({certificates().ca_file.string()}) != nullptr);
}
