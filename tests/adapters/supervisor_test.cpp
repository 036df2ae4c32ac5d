// The supervisor: which ends of a run are tried again and which stop it, the bounds of its
// waits, and its loop over a scripted adapter.
#include "adapters/supervisor.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <stdexcept>

#include "tests/support/coro.hpp"
#include "tests/support/io_fixture.hpp"
#include "tests/support/log_sink.hpp"

using namespace scribe::adapters;
using namespace std::chrono_literals;

namespace {

backoff_policy quick() { return {1ms, 2ms, 16ms}; }

}  // namespace

TEST_CASE("an outage is tried again, forever, a stop or a refused credential is not") {
    supervision decide(supervision::default_policy(), 1);
    for (int i = 0; i < 50; ++i) {
        const auto next = decide.on_end({run_end::kind::failed, "connect refused", false});
        CHECK(next.run_again);
        CHECK(next.wait >= 500ms);
        CHECK(next.wait <= 30s);
    }
    CHECK(decide.failures() == 50);
    CHECK_FALSE(decide.on_end({run_end::kind::stopped, {}, false}).run_again);
    CHECK_FALSE(decide.on_end({run_end::kind::credential_refused, "invalid_auth", true}).run_again);
}

TEST_CASE("waits grow from the base to the cap, and start over once a run connected") {
    supervision decide({0ms, 1s, 30s}, 7);
    std::chrono::milliseconds longest{0};
    for (int i = 0; i < 12; ++i) {
        const auto wait = decide.on_end({run_end::kind::failed, {}, false}).wait;
        CHECK(wait <= std::min<std::chrono::milliseconds>(30s, 1s * (1 << std::min(i, 10))));
        longest = std::max(longest, wait);
    }
    CHECK(longest > 1s);  // jittered, but it did grow
    // A run that connected and then failed is a fresh outage: its first wait is short again.
    CHECK(decide.on_end({run_end::kind::failed, {}, true}).wait <= 1s);
    CHECK(decide.failures() == 1);
}

namespace {

// An adapter whose runs end as the test scripts: each entry fails (or connects) and ends.
class scripted_adapter final : public adapter {
  public:
    struct run_script {
        bool connect = false;
        std::exception_ptr failure;  // none: the run returns (the connection ended)
    };
    std::deque<run_script> runs;
    std::function<void()> out_of_script;  // stops the supervisor, as the service would
    int started = 0;
    bool stopped = false;

    std::string_view platform() const override { return "scripted"; }
    boost::asio::awaitable<void> run() override {
        ++started;
        if (runs.empty()) {
            out_of_script();
            co_return;
        }
        const auto script = runs.front();
        runs.pop_front();
        if (script.connect) mark_up(std::chrono::system_clock::now());
        if (script.failure) std::rethrow_exception(script.failure);
    }
    void stop() override { stopped = true; }
    void post(outbound_reply) override {}
    std::size_t pending_replies() const override { return 0; }
    adapter_stats stats() const override { return {}; }
    std::string pin_hint() const override { return {}; }
};

template <class E>
std::exception_ptr failure(const char* what) {
    return std::make_exception_ptr(E(what));
}

}  // namespace

TEST_CASE("outages are logged with the next wait, and status says since when it is down") {
    scribe::testing::io_fixture fixture;
    scribe::testing::log_sink logs;
    scripted_adapter a;
    a.runs = {{false, failure<std::runtime_error>("connect to slack.com: refused")},
              {true, failure<std::runtime_error>("the link dropped")},
              {false, failure<std::runtime_error>("HTTP 502")}};
    supervisor s(fixture.io.get_executor(), a, supervision(quick(), 3));
    a.out_of_script = [&] { s.stop(); };
    bool done = false;
    boost::asio::co_spawn(fixture.io, s.run(), [&](std::exception_ptr e) {
        CHECK_FALSE(e);
        done = true;
    });
    fixture.io.run();
    CHECK(done);
    CHECK(a.started == 4);
    CHECK(logs.count_containing("scripted: connect to slack.com: refused; connecting again") == 1);
    CHECK(logs.count_containing("scripted: HTTP 502; connecting again") == 1);
    const auto status = a.status();
    CHECK_FALSE(status.connected);
    CHECK(status.outages == 2);  // lost once after connecting, and the first failure
    CHECK(status.problem == "HTTP 502");
}

TEST_CASE("a refused credential stops the adapter and ends the supervisor with it") {
    scribe::testing::io_fixture fixture;
    scribe::testing::log_sink logs;
    scripted_adapter a;
    a.runs = {
        {false, failure<std::runtime_error>("HTTP 502")},
        {false, std::make_exception_ptr(credential_refused("token revoked", "token_revoked"))}};
    supervisor s(fixture.io.get_executor(), a, supervision(quick(), 3));
    std::exception_ptr ended;
    boost::asio::co_spawn(fixture.io, s.run(), [&](std::exception_ptr e) { ended = e; });
    fixture.io.run();
    REQUIRE(ended);
    CHECK_THROWS_AS(std::rethrow_exception(ended), credential_refused);
    CHECK(a.stopped);
    CHECK(a.started == 2);
    CHECK(a.status().problem == "token revoked");
}
