// A chat platform as the service runs it. Every adapter has this one shape, so the service
// holds a list of them and names none; a supervisor (supervisor.hpp) keeps each one running.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "adapters/api_verdict.hpp"
#include "adapters/message.hpp"
#include "adapters/stats.hpp"

namespace scribe::adapters {

// Whether the platform is reachable, since when, and how often it was lost.
struct link_status {
    bool connected = false;
    std::chrono::system_clock::time_point since{};    // of the current state
    std::chrono::system_clock::time_point last_up{};  // the last time it connected
    std::uint64_t outages = 0;  // times it was lost, or could not be reached at all
    std::string problem;        // why it is down, while it is
};

class adapter {
public:
    virtual ~adapter() = default;

    // "slack", "matrix", "console": in logs, metrics and /readyz.
    virtual std::string_view platform() const = 0;

    // Connects and serves until stop(), then returns; or until the connection fails, then
    // throws: credential_refused when the platform refused a credential (nothing helps but a
    // person), anything else for an outage, after which the supervisor runs it again.
    virtual boost::asio::awaitable<void> run() = 0;

    // Stops taking events: run() returns once what it holds is let go. Replies already queued
    // are still sent (pending_replies()).
    virtual void stop() = 0;

    // Posts a message that answers none (a reminder): reply.channel, reply.text, and reply.key
    // naming it, so a post made again is not shown twice where the platform can tell.
    virtual void post(outbound_reply reply) = 0;

    virtual std::size_t pending_replies() const = 0;
    virtual adapter_stats stats() const = 0;

    // How to put a message on the timeline here, for !help; empty where one cannot.
    virtual std::string pin_hint() const = 0;

    link_status status() const {
        std::lock_guard lock(status_mutex_);
        return status_;
    }
    // Reachable again / not reachable: by the adapter as it sees its links, by the supervisor
    // when a run failed (`failed`). Losing a connection is an outage; so is failing to make
    // one, once per stretch of being down.
    void mark_up(std::chrono::system_clock::time_point now) {
        std::lock_guard lock(status_mutex_);
        if (!status_.connected) status_.since = now;
        status_.connected = true;
        status_.last_up = now;
        status_.problem.clear();
        outage_counted_ = false;
    }
    void mark_down(std::string problem, std::chrono::system_clock::time_point now,
                   bool failed = false) {
        std::lock_guard lock(status_mutex_);
        if (status_.connected || status_.since == std::chrono::system_clock::time_point{}) {
            status_.since = now;
        }
        if (status_.connected || (failed && !outage_counted_)) {
            ++status_.outages;
            outage_counted_ = true;
        }
        status_.connected = false;
        status_.problem = std::move(problem);
    }

private:
    // Read by the health probes, which may run elsewhere.
    mutable std::mutex status_mutex_;
    link_status status_;
    bool outage_counted_ = false;  // this stretch of being down is counted already
};

}  // namespace scribe::adapters
