// Outbound messages to Slack, through one ordered queue per channel.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>

#include "adapters/bounded_map.hpp"
#include "adapters/message.hpp"
#include "adapters/net/channel_queue.hpp"

namespace scribe::adapters::slack {

class web_api;

class outbox {
  public:
    // `mark_emoji`: the reaction put on each message that became a timeline entry (empty: none).
    // `on_failure` learns of each reply that could not be delivered.
    outbox(boost::asio::any_io_executor executor, web_api& api, std::string mark_emoji,
           net::channel_queue::failure_hook on_failure = {});

    // Queues a reply: its text as a message (or as the comment of its first file), its files
    // uploaded, and the mark on the message it answers when that was recorded. A reply sent
    // again (reply.resend) is posted only if the channel does not show it already.
    void post(outbound_reply reply);

    // The bot's own user id (auth.test), by which its shared files are known.
    void set_bot_user(std::string user) { bot_user_ = std::move(user); }

    // Replies queued or being sent.
    std::size_t pending() const { return queue_.pending(); }
    std::uint64_t failures() const { return queue_.failures(); }

  private:
    boost::asio::awaitable<void> deliver(outbound_reply reply);
    boost::asio::awaitable<bool> already_posted(const outbound_reply& reply,
                                                const std::string& mark);

    web_api& api_;
    std::string mark_emoji_;
    std::string bot_user_;
    net::channel_queue queue_;
    // The ts of the bot's reply to each recent message ("channel/ts"), so an edit of that
    // message can correct the reply.
    bounded_map<std::string, std::string> replies_{5'000};
};

}  // namespace scribe::adapters::slack
