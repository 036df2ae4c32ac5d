// A bot for adapter tests: records what it is handed and answers with what the test chose.
#pragma once

#include <vector>

#include "adapters/bot.hpp"

namespace scribe::testing {

class recording_bot final : public adapters::bot {
public:
    std::vector<adapters::inbound_message> messages;
    std::vector<adapters::pin_request> pins;
    std::vector<adapters::message_change> changes;
    std::vector<adapters::room_link> links;
    adapters::delivery_result result = adapters::delivery_result::handled;
    std::string reply_text;  // when set, every message is answered with it
    std::optional<std::string> cursor;

    boost::asio::awaitable<adapters::delivery_result> message(adapters::inbound_message m,
                                                              reply_sink reply) override {
        if (!reply_text.empty() && reply) {
            adapters::outbound_reply r;
            r.text = reply_text;
            reply(std::move(r));
        }
        messages.push_back(std::move(m));
        co_return result;
    }
    boost::asio::awaitable<adapters::delivery_result> pin(adapters::pin_request p,
                                                          reply_sink) override {
        pins.push_back(std::move(p));
        co_return result;
    }
    boost::asio::awaitable<adapters::delivery_result> unpin(adapters::pin_request p,
                                                            reply_sink) override {
        pins.push_back(std::move(p));
        co_return result;
    }
    boost::asio::awaitable<adapters::delivery_result> change(adapters::message_change c,
                                                             reply_sink) override {
        changes.push_back(std::move(c));
        co_return result;
    }
    boost::asio::awaitable<adapters::delivery_result> link_room(adapters::room_link l,
                                                                reply_sink) override {
        links.push_back(std::move(l));
        co_return result;
    }
    boost::asio::awaitable<std::optional<std::string>> load_cursor(std::string) override {
        co_return cursor;
    }
    boost::asio::awaitable<bool> save_cursor(std::string, std::string value) override {
        cursor = std::move(value);
        co_return true;
    }
};

}  // namespace scribe::testing
