// Running a coroutine to completion inside a test, with a time limit and its exception rethrown.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

namespace scribe::testing {

namespace detail {

// Runs `io` until `done` or the limit; other work (loopback servers) may keep running meanwhile.
inline void run_until(boost::asio::io_context& io, const bool& done,
                      std::chrono::steady_clock::duration limit) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done && std::chrono::steady_clock::now() < deadline) {
        if (io.run_one_until(deadline) == 0 && io.stopped()) break;
    }
    if (!done) {
        throw std::runtime_error(io.stopped() ? "run_coro: the io_context ran out of work first"
                                              : "run_coro: the coroutine did not finish in time");
    }
}

}  // namespace detail

inline constexpr std::chrono::seconds default_coro_limit{10};

// Spawns `work` on `io`, runs `io` until it finishes and returns its result; rethrows what it
// threw. Throws std::runtime_error when it does not finish within `limit`.
template <class T>
T run_coro(boost::asio::io_context& io, boost::asio::awaitable<T> work,
           std::chrono::steady_clock::duration limit = default_coro_limit) {
    // Shared with the handler, which may still run later if the limit is hit.
    struct outcome {
        bool done = false;
        std::exception_ptr error;
        std::optional<T> value;
    };
    auto state = std::make_shared<outcome>();
    boost::asio::co_spawn(io, std::move(work), [state](std::exception_ptr e, T value) {
        state->done = true;
        state->error = e;
        if (!e) state->value.emplace(std::move(value));
    });
    detail::run_until(io, state->done, limit);
    if (state->error) std::rethrow_exception(state->error);
    return std::move(*state->value);
}

inline void run_coro(boost::asio::io_context& io, boost::asio::awaitable<void> work,
                     std::chrono::steady_clock::duration limit = default_coro_limit) {
    struct outcome {
        bool done = false;
        std::exception_ptr error;
    };
    auto state = std::make_shared<outcome>();
    boost::asio::co_spawn(io, std::move(work), [state](std::exception_ptr e) {
        state->done = true;
        state->error = e;
    });
    detail::run_until(io, state->done, limit);
    if (state->error) std::rethrow_exception(state->error);
}

// Runs `io` until `condition()` holds (checked between handlers); false if it did not within
// `limit`. For waiting on the other side of a connection, e.g. a loopback server's bookkeeping.
template <class Condition>
bool run_until(boost::asio::io_context& io, Condition condition,
               std::chrono::steady_clock::duration limit = default_coro_limit) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition() && std::chrono::steady_clock::now() < deadline) {
        if (io.run_one_until(deadline) == 0 && io.stopped()) break;
    }
    return condition();
}

}  // namespace scribe::testing
