// The one retrying caller against a loopback HTTPS server with real TLS, read by Slack's real
// classifier: server errors retried until an answer, a refused token thrown at once, a rate
// limit waited out for as long as the server asked, and a refusal never retried.
#include "adapters/api_caller.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <mutex>

#include "adapters/net/tls.hpp"
#include "adapters/slack/answers.hpp"
#include "tests/net/http_test_server.hpp"
#include "tests/support/coro.hpp"
#include "tests/support/log_sink.hpp"
#include "tests/support/test_ca.hpp"

namespace net = scribe::adapters::net;
namespace testing = scribe::testing;
using namespace scribe::adapters;
using namespace std::chrono_literals;

namespace {

const testing::test_certificates& certificates() {
    static const auto certs = testing::make_test_certificates();
    return *certs;
}

// Answers in the order given, then keeps giving the last one.
class answer_script {
  public:
    explicit answer_script(std::deque<testing::scripted_response> answers)
        : answers_(std::move(answers)) {}

    testing::scripted_response next() {
        std::lock_guard lock(mutex_);
        auto answer = answers_.front();
        if (answers_.size() > 1) answers_.pop_front();
        return answer;
    }

  private:
    std::mutex mutex_;
    std::deque<testing::scripted_response> answers_;
};

testing::scripted_response answer(unsigned status, std::string body,
                                  net::header_list headers = {}) {
    testing::scripted_response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.headers.emplace_back("Content-Type", "application/json");
    return r;
}

// A loopback "Slack" and a caller of it with short backoff, for one test.
struct rig {
    explicit rig(std::deque<testing::scripted_response> answers, api_limits limits = quick())
        : script(std::move(answers)),
          server(io,
                 net::make_server_context(certificates().server_cert_pem,
                                          certificates().server_key_pem),
                 [this](const testing::received_request&) { return script.next(); }),
          caller(io.get_executor(), net::make_client_context({certificates().ca_file.string()}),
                 server.url(), {}, &slack::classify, limits) {}

    static api_limits quick() {
        api_limits limits;
        limits.attempts = 4;
        limits.backoff = {1ms, 2ms, 10ms};
        return limits;
    }

    net::http_response post() {
        api_call c;
        c.request.method = "POST";
        c.request.target = "/api/chat.postMessage";
        c.request.body = R"({"channel":"C1","text":"hello"})";
        c.what = "Slack chat.postMessage in C1";
        return testing::run_coro(io, caller.call(std::move(c)));
    }

    boost::asio::io_context io;
    answer_script script;
    testing::http_server server;
    api_caller caller;
};

}  // namespace

TEST_CASE("server errors are retried until the platform answers") {
    testing::log_sink logs;
    rig r({answer(503, "busy"), answer(502, "<html>bad gateway</html>"),
           answer(200, R"({"ok":false,"error":"internal_error"})"),
           answer(200, R"({"ok":true,"ts":"1.2"})")});
    const auto response = r.post();
    CHECK(response.body == R"({"ok":true,"ts":"1.2"})");
    CHECK(r.server.requests_received() == 4);
    CHECK(r.caller.stats().retries == 3);
    CHECK(logs.count_containing("Slack chat.postMessage in C1 failed (HTTP 503); retrying") == 1);
    CHECK(logs.count_containing("failed (internal_error); retrying") == 1);
}

TEST_CASE("a refused token is thrown at once, with the platform's word for it") {
    rig r({answer(200, R"({"ok":false,"error":"token_revoked"})")});
    try {
        r.post();
        FAIL("a revoked token was not reported");
    } catch (const credential_refused& e) {
        CHECK(e.code() == "token_revoked");
        CHECK(std::string(e.what()).find("Slack chat.postMessage in C1 failed: token_revoked") !=
              std::string::npos);
    }
    CHECK(r.server.requests_received() == 1);
}

TEST_CASE("a refusal is not retried, a server that keeps failing is given up after the attempts") {
    SUBCASE("refused") {
        rig r({answer(200, R"({"ok":false,"error":"channel_not_found"})")});
        CHECK_THROWS_WITH_AS(r.post(), doctest::Contains("channel_not_found"), api_failure);
        CHECK(r.server.requests_received() == 1);
    }
    SUBCASE("down") {
        testing::log_sink logs;
        rig r({answer(500, "")});
        try {
            r.post();
            FAIL("a failing server was not reported");
        } catch (const api_failure& e) {
            CHECK(e.verdict().what == api_verdict::kind::transient);
            CHECK(e.code() == "HTTP 500");
        }
        CHECK(r.server.requests_received() == 4);
    }
}

TEST_CASE(
    "a rate limit is waited out for as long as the server asked, then the same call is sent") {
    testing::log_sink logs;
    rig r({answer(429, R"({"ok":false,"error":"ratelimited"})", {{"Retry-After", "1"}}),
           answer(200, R"({"ok":true})")});
    const auto started = std::chrono::steady_clock::now();
    r.post();
    CHECK(std::chrono::steady_clock::now() - started >= 1s);
    CHECK(r.server.requests_received() == 2);
    CHECK(r.caller.stats().rate_limit_waits == 1);
    CHECK(r.caller.stats().retries == 0);
}
