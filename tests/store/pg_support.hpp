// What the PostgreSQL store tests share: one server for the whole test program (starting one
// takes a second or two) and a fresh database for each test.
#pragma once

#include <atomic>
#include <string>

#include "tests/support/pg_server.hpp"

namespace scribe::testing {

inline pg_server& postgres_server() {
    static pg_server instance;
    return instance;
}

inline std::string fresh_database() {
    static std::atomic<int> next = 0;
    return postgres_server().create_database("scribe_test_" + std::to_string(++next));
}

}  // namespace scribe::testing
