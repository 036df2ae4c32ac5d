#include "adapters/net/sleep.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "adapters/net/constants.hpp"

namespace scribe::adapters::net {

boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds delay) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, delay);
    co_await timer.async_wait(use_awaitable);
}

}  // namespace scribe::adapters::net
