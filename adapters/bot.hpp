// What an adapter hands what it receives to, and learns the outcome from: the bot, each
// delivery an awaitable that completes once it is durably recorded.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>

#include "adapters/message.hpp"

namespace scribe::adapters {

enum class delivery_result {
    handled,       // recorded, or nothing to record: the platform may be told it arrived
    not_recorded,  // the store failed: leave it for the platform to deliver again
};

class bot {
public:
    // Replies reach it on the awaiting coroutine's executor, in order, before the completion.
    using reply_sink = std::function<void(outbound_reply)>;

    virtual ~bot() = default;

    // A message: commands are recorded and answered; chatter is handled at once.
    virtual boost::asio::awaitable<delivery_result> message(inbound_message m, reply_sink reply) = 0;
    // A message marked for the timeline, or unmarked (which retracts its entry).
    virtual boost::asio::awaitable<delivery_result> pin(pin_request p, reply_sink reply) = 0;
    virtual boost::asio::awaitable<delivery_result> unpin(pin_request p, reply_sink reply) = 0;
    // An edit updates the entries the message recorded; a deletion retracts them.
    virtual boost::asio::awaitable<delivery_result> change(message_change c, reply_sink reply) = 0;
    // A room opened for an incident joins it, as `!link-room` would.
    virtual boost::asio::awaitable<delivery_result> link_room(room_link l, reply_sink reply) = 0;

    // Where a platform's stream stands (Matrix's next_batch), kept in the store: saved after
    // every delivery that completed before it, true once durable.
    virtual boost::asio::awaitable<std::optional<std::string>> load_cursor(std::string key) = 0;
    virtual boost::asio::awaitable<bool> save_cursor(std::string key, std::string value) = 0;
};

}  // namespace scribe::adapters
