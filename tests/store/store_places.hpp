// Where a store under test lives, for the tests that every backend must pass alike: a fresh
// SQLite file, or a fresh database on the PostgreSQL server the tests started. open() may be
// called again to reopen the same store.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "bot/store/postgres_store.hpp"
#include "bot/store/sqlite_store.hpp"
#include "tests/store/pg_support.hpp"
#include "tests/store/store_support.hpp"

namespace scribe::store::test {

struct sqlite_place {
    temp_dir dir;
    std::unique_ptr<event_store> open() const { return sqlite_store::open(dir.file("scribe.db")); }
};

struct postgres_place {
    std::string conninfo = testing::fresh_database();
    std::unique_ptr<event_store> open() const { return postgres_store::open(conninfo); }
};

}  // namespace scribe::store::test

TYPE_TO_STRING(scribe::store::test::sqlite_place);
TYPE_TO_STRING(scribe::store::test::postgres_place);

// A test case run against every backend; `place_type` names the backend's place.
#define STORE_TEST_CASE(name)                                               \
    TEST_CASE_TEMPLATE(name, place_type, scribe::store::test::sqlite_place, \
                       scribe::store::test::postgres_place)
