// Outbound messages to Slack: one ordered queue per channel, so replies arrive in the order
// they were made, while a rate-limited channel does not hold up the others.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>

#include "adapters/message.hpp"

namespace scribe::adapters::slack {

class web_api;

class outbox {
  public:
    // `mark_emoji`: the reaction put on each message that became a timeline entry (empty: none).
    outbox(boost::asio::any_io_executor executor, web_api& api, std::string mark_emoji);

    // Queues a reply: its text as a message (or as the comment of its first file), its files
    // uploaded, and the mark on the message it answers when that was recorded.
    void post(outbound_reply reply);

    // Replies queued or being sent.
    std::size_t pending() const { return pending_; }
    std::uint64_t failures() const { return failures_; }

  private:
    boost::asio::awaitable<void> drain(std::string channel);
    boost::asio::awaitable<void> deliver(outbound_reply reply);

    boost::asio::any_io_executor executor_;
    web_api& api_;
    std::string mark_emoji_;
    std::map<std::string, std::deque<outbound_reply>> queues_;
    std::set<std::string> draining_;
    std::size_t pending_ = 0;
    std::uint64_t failures_ = 0;
};

}  // namespace scribe::adapters::slack
