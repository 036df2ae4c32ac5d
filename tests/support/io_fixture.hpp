// An io_context for one test that must end with nothing left to do: a timer or a coroutine
// still pending when the test is over is a leak the test would otherwise not see.
#pragma once

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

namespace scribe::testing {

struct io_fixture {
    boost::asio::io_context io;

    ~io_fixture() {
        // Whatever is ready runs; then nothing may be waiting any more.
        io.restart();
        io.poll();
        CHECK_MESSAGE(io.stopped(), "the io_context still had work when the test ended");
    }
};

}  // namespace scribe::testing
