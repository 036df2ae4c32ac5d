// One coroutine per busy channel drains that channel's queue in order.
#include "adapters/net/channel_queue.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <exception>

namespace scribe::adapters::net {

namespace asio = boost::asio;

channel_queue::channel_queue(asio::any_io_executor executor, std::string platform,
                             failure_hook on_failure)
    : executor_(std::move(executor)),
      platform_(std::move(platform)),
      on_failure_(std::move(on_failure)) {}

void channel_queue::post(const std::string& channel, job work, std::function<void(bool)> settled) {
    const auto [it, idle] = queues_.try_emplace(channel);
    it->second.push_back({std::move(work), std::move(settled)});
    ++pending_;
    if (!idle) return;
    asio::co_spawn(executor_, drain(channel),
                   [platform = platform_, channel](std::exception_ptr failure) {
                       if (!failure) return;
                       try {
                           std::rethrow_exception(failure);
                       } catch (const std::exception& e) {
                           spdlog::error("{} outbox for channel {} stopped: {}", platform, channel,
                                         e.what());
                       }
                   });
}

asio::awaitable<void> channel_queue::drain(std::string channel) {
    for (;;) {
        auto& queue = queues_[channel];
        if (queue.empty()) break;
        item next = std::move(queue.front());
        queue.pop_front();
        std::exception_ptr failure;
        try {
            co_await next.work();
        } catch (const std::exception& e) {
            // Retries are done by then, so say so loudly; a reply the store owes is tried
            // again later (settled false), any other is lost.
            ++failures_;
            spdlog::error("could not deliver a reply in {} channel {}: {}", platform_, channel,
                          e.what());
            failure = std::current_exception();
        }
        if (next.settled) next.settled(!failure);
        if (failure && on_failure_) on_failure_(failure);
        --pending_;
    }
    queues_.erase(channel);
}

}  // namespace scribe::adapters::net
