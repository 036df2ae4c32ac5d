// Completion tokens for the adapters' coroutines: Boost 1.81 has no default token, so pass one.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace scribe::adapters::net {

namespace asio = boost::asio;

// Throws boost::system::system_error on failure.
inline constexpr auto use_awaitable = asio::use_awaitable;

// Returns (error_code, results...) as a tuple, for failures that are expected and handled.
inline constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace scribe::adapters::net
