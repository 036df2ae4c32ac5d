// What the loopback test servers share: a listening socket on 127.0.0.1, a pause, error policy.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <exception>

#include "adapters/net/constants.hpp"

namespace scribe::testing {

inline boost::asio::ip::tcp::acceptor listen_on_loopback(boost::asio::io_context& io) {
    using boost::asio::ip::tcp;
    return tcp::acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
}

// Server errors are expected in tests that break connections on purpose; the tests check the
// client side.
inline void ignore_errors(std::exception_ptr) {}

inline boost::asio::awaitable<void> wait_for(std::chrono::milliseconds duration) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, duration);
    co_await timer.async_wait(adapters::net::nothrow);
}

}  // namespace scribe::testing
