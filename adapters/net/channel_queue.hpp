// Outbound work for chat channels: one ordered queue per channel, so a channel's replies arrive
// in the order they were made, while a rate-limited channel does not hold up the others.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <string>

namespace scribe::adapters::net {

class channel_queue {
  public:
    // Makes the coroutine that does one item of work; called when the item's turn comes.
    using job = std::function<boost::asio::awaitable<void>()>;

    // Learns of each job that threw (after it is logged), e.g. to stop on a refused token.
    using failure_hook = std::function<void(std::exception_ptr)>;

    // `platform` names the queue in log lines ("Slack", "Matrix").
    channel_queue(boost::asio::any_io_executor executor, std::string platform,
                  failure_hook on_failure = {});

    // `settled`, if set, learns whether the work was done (true) or threw (false).
    void post(const std::string& channel, job work, std::function<void(bool)> settled = {});

    // Jobs queued or running.
    std::size_t pending() const { return pending_; }
    // Jobs that threw; each is logged with its channel, since what it carried is lost.
    std::uint64_t failures() const { return failures_; }

  private:
    boost::asio::awaitable<void> drain(std::string channel);

    boost::asio::any_io_executor executor_;
    std::string platform_;
    failure_hook on_failure_;
    struct item {
        job work;
        std::function<void(bool)> settled;
    };
    std::map<std::string, std::deque<item>> queues_;  // present while the channel is draining
    std::size_t pending_ = 0;
    std::uint64_t failures_ = 0;
};

}  // namespace scribe::adapters::net
