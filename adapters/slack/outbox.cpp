// One coroutine per busy channel drains that channel's queue in order.
#include "adapters/slack/outbox.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>

#include "adapters/net/constants.hpp"
#include "adapters/slack/events.hpp"
#include "adapters/slack/markup.hpp"
#include "adapters/slack/web_api.hpp"

namespace scribe::adapters::slack {

namespace asio = boost::asio;

outbox::outbox(asio::any_io_executor executor, web_api& api, std::string mark_emoji)
    : executor_(std::move(executor)), api_(api), mark_emoji_(std::move(mark_emoji)) {}

void outbox::post(outbound_reply reply) {
    const std::string channel = reply.channel;
    queues_[channel].push_back(std::move(reply));
    ++pending_;
    if (draining_.insert(channel).second) {
        asio::co_spawn(executor_, drain(channel), [channel](std::exception_ptr failure) {
            if (!failure) return;
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                spdlog::error("Slack outbox for channel {} stopped: {}", channel, e.what());
            }
        });
    }
}

asio::awaitable<void> outbox::drain(std::string channel) {
    auto& queue = queues_[channel];
    while (!queue.empty()) {
        outbound_reply reply = std::move(queue.front());
        queue.pop_front();
        try {
            co_await deliver(std::move(reply));
        } catch (const std::exception& e) {
            // Retries are done by then (web_api); the reply is lost, so say so loudly.
            ++failures_;
            spdlog::error("could not deliver a reply in Slack channel {}: {}", channel, e.what());
        }
        --pending_;
    }
    queues_.erase(channel);
    draining_.erase(channel);
}

asio::awaitable<void> outbox::deliver(outbound_reply reply) {
    const std::string text = escape_markup(reply.text);
    if (reply.files.empty()) {
        if (!text.empty()) co_await api_.post_message(reply.channel, text, reply.thread);
    } else {
        // The text rides on the first file as its comment. (No conditional temporaries in a
        // co_await: g++ 12 destroys them twice.)
        std::string comment = text;
        for (auto& file : reply.files) {
            co_await api_.upload_file(reply.channel, file.filename, file.filename,
                                      std::move(file.content), std::move(comment), reply.thread);
            comment.clear();
        }
    }
    if (reply.recorded && !mark_emoji_.empty() && parse_ts(reply.in_reply_to)) {
        co_await api_.add_reaction(reply.channel, reply.in_reply_to, mark_emoji_);
    }
}

}  // namespace scribe::adapters::slack
