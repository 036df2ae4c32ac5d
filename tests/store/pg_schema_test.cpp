// PostgreSQL migrations: applied once under a lock, refused for a database that is not
// Scribe's or is newer than this build.
#include "bot/store/postgres/pg_schema.hpp"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/store/pg_support.hpp"

using namespace scribe::store;
using namespace scribe::store::postgres;
using scribe::testing::fresh_database;

namespace {

std::int64_t count_tables(connection& db) {
    return db
        .exec(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
            "current_schema()",
            {}, "counting tables")
        .integer(0, 0);
}

}  // namespace

TEST_CASE("an empty database gets the latest schema, and migrating it again changes nothing") {
    connection db(fresh_database());
    CHECK(schema_version(db) == 0);
    migrate(db);
    CHECK(schema_version(db) == latest_schema_version());
    const auto tables = count_tables(db);
    // The version, incidents, events, actions, cursors, rooms, writes, lease, owed answers,
    // facts.
    CHECK(tables == 10);
    migrate(db);
    CHECK(schema_version(db) == latest_schema_version());
    CHECK(count_tables(db) == tables);
}

TEST_CASE("a database written by a newer Scribe is refused, and left as it was") {
    connection db(fresh_database());
    migrate(db);
    const std::string newer = std::to_string(latest_schema_version() + 1);
    db.exec("UPDATE scribe_schema SET version = $1", {newer}, "pretending to be newer");
    const std::string expected = "was written by a newer Scribe (schema " + newer;
    CHECK_THROWS_WITH_AS(migrate(db), doctest::Contains(expected.c_str()), store_error);
    CHECK(schema_version(db) == latest_schema_version() + 1);
    // The connection is not left inside the failed transaction.
    CHECK(db.exec("SELECT 1", {}, "after the refusal").integer(0, 0) == 1);
}

TEST_CASE("a database holding another application's tables is refused without a change") {
    connection db(fresh_database());
    db.exec("CREATE TABLE invoices (id int)", "another application's table");
    CHECK_THROWS_WITH_AS(migrate(db), doctest::Contains("holds tables that are not Scribe's"),
                         store_error);
    CHECK(count_tables(db) == 1);
}

TEST_CASE("replicas starting at once migrate once: the others wait and find it done") {
    const std::string database = fresh_database();
    std::vector<std::string> failures(4);
    std::vector<std::thread> starters;
    for (std::size_t i = 0; i < failures.size(); ++i) {
        starters.emplace_back([&, i] {
            try {
                connection db(database);
                migrate(db);
            } catch (const std::exception& e) {
                failures[i] = e.what();
            }
        });
    }
    for (auto& t : starters) t.join();
    for (const auto& failure : failures) CHECK(failure == "");
    connection db(database);
    CHECK(schema_version(db) == latest_schema_version());
}
