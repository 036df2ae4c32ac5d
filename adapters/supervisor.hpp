// One supervisor per adapter, in the shape of Boost.Redis's async_run: every failure but a
// refused credential is an outage, waited out with capped, jittered backoff and tried again,
// forever; a refused credential ends it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "adapters/adapter.hpp"
#include "adapters/backoff.hpp"

namespace scribe::adapters {

// How a run of the adapter ended.
struct run_end {
    enum class kind {
        stopped,             // stop() was called
        credential_refused,  // the platform refused a credential
        failed,              // an outage: the platform, the network or a bug in between
    };
    kind what = kind::stopped;
    std::string problem;  // for the log; never a token
    bool connected = false;  // the adapter was connected at some point during the run
};

// The supervisor's decisions, without I/O or clock.
class supervision {
public:
    // Waits grow from the policy's base towards its cap and reset once a run connects.
    explicit supervision(backoff_policy policy = default_policy(),
                         std::uint64_t seed = std::random_device{}());

    struct decision {
        bool run_again = false;
        std::chrono::milliseconds wait{0};
    };
    decision on_end(const run_end& end);

    // Outages in a row since the adapter was last connected.
    unsigned failures() const { return failures_; }

    // Half a second to half a minute: quick after a blip, gentle on a platform that is down,
    // and back within half a minute of its return.
    static backoff_policy default_policy() {
        return {std::chrono::milliseconds{500}, std::chrono::seconds{1}, std::chrono::seconds{30}};
    }

private:
    backoff_policy policy_;
    std::mt19937_64 random_;
    unsigned failures_ = 0;
};

// Keeps one adapter running across outages until stop(). run() returns once stopped, and
// throws credential_refused when a credential was refused (after stopping the adapter).
class supervisor {
public:
    supervisor(boost::asio::any_io_executor executor, adapter& a,
               supervision decisions = supervision());

    boost::asio::awaitable<void> run();
    // Stops the adapter, and the wait before its next run if it is waiting.
    void stop();

    adapter& supervised() { return adapter_; }

private:
    adapter& adapter_;
    supervision decisions_;
    boost::asio::steady_timer wait_;
    bool stopping_ = false;
};

}  // namespace scribe::adapters
