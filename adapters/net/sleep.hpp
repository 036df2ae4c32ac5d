// Waiting inside the adapters' coroutines.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>

namespace scribe::adapters::net {

// Resumes after `delay` on the calling coroutine's executor.
boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds delay);

}  // namespace scribe::adapters::net
