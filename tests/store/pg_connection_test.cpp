// The PostgreSQL connection, and the store over it, against a real server started for this
// program.
#include "bot/store/postgres/pg_connection.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "bot/store/postgres_store.hpp"
#include "tests/store/pg_support.hpp"
#include "tests/store/store_support.hpp"

using namespace scribe::store;
using namespace scribe::store::postgres;

namespace {

using scribe::testing::fresh_database;
using scribe::testing::postgres_server;

bool try_lock(connection& c) {
    return c.exec("SELECT pg_try_advisory_lock(42)", {}, "taking the lock").text(0, 0) == "t";
}

// A closed or terminated session's backend lets go of its locks as it exits, a moment after
// the client is told: take the lock within a bound.
bool locks_within_seconds(connection& c) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!try_lock(c)) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace

TEST_CASE("statements run with parameters, NULLs and integers") {
    connection c(fresh_database());
    c.exec("CREATE TABLE notes (id bigint PRIMARY KEY, body text)", "creating notes");
    const auto inserted =
        c.exec("INSERT INTO notes VALUES ($1, $2), ($3, $4)",
               {"1", "it's a 'quoted' body", "9000000000", std::nullopt}, "adding notes");
    CHECK(inserted.affected() == 2);
    const auto rows = c.exec("SELECT id, body FROM notes ORDER BY id", {}, "reading notes");
    REQUIRE(rows.rows() == 2);
    CHECK(rows.integer(0, 0) == 1);
    CHECK(rows.text(0, 1) == "it's a 'quoted' body");
    CHECK(rows.integer(1, 0) == 9'000'000'000);
    CHECK(rows.is_null(1, 1));
    CHECK_THROWS_AS(static_cast<void>(rows.integer(0, 1)), store_error);
}

TEST_CASE("a refused statement names the operation and carries its SQLSTATE") {
    connection c(fresh_database());
    c.exec("CREATE TABLE keys (k text PRIMARY KEY)", "creating keys");
    c.exec("INSERT INTO keys VALUES ($1)", {"a"}, "adding a key");
    try {
        c.exec("INSERT INTO keys VALUES ($1)", {"a"}, "adding the key again");
        FAIL("a duplicate key was accepted");
    } catch (const statement_error& e) {
        CHECK(e.sqlstate() == "23505");
        CHECK_FALSE(e.worth_retrying());
        CHECK(std::string(e.what()).find("adding the key again: duplicate key") == 0);
    }
    CHECK_THROWS_WITH_AS(c.exec("SELEC 1", "a typo"), doctest::Contains("a typo: syntax error"),
                         statement_error);
    // The connection is still usable after refusals.
    CHECK(c.exec("SELECT count(*) FROM keys", {}, "counting").integer(0, 0) == 1);
}

TEST_CASE("a server that cannot be reached is a clear error that never shows the password") {
    const std::string nowhere = "postgresql://scribe:sekrit@127.0.0.1:1/scribe?connect_timeout=2";
    try {
        connection c(nowhere);
        FAIL("connected to nothing");
    } catch (const connection_lost& e) {
        const std::string message = e.what();
        CHECK(message.find("cannot connect to PostgreSQL at 127.0.0.1:1/scribe") == 0);
        CHECK(message.find("sekrit") == std::string::npos);
    }
    CHECK(describe("host=db.internal port=6432 dbname=incidents password=x") ==
          "db.internal:6432/incidents");
    CHECK(describe("not a connection string") == "");
}

TEST_CASE("a session's advisory lock is held by one connection at a time, and freed with it") {
    const std::string database = fresh_database();
    connection other(database);
    {
        connection holder(database);
        CHECK(try_lock(holder));
        CHECK_FALSE(try_lock(other));
    }
    CHECK(locks_within_seconds(other));

    // A session ended by the server (as after a partition) frees its lock too, and its owner
    // finds the connection lost.
    connection next(database);
    next.exec("SELECT pg_terminate_backend($1)", {std::to_string(other.backend_pid())},
              "ending the holder's session");
    CHECK(locks_within_seconds(next));
    CHECK_THROWS_AS(other.exec("SELECT 1", {}, "after the end"), connection_lost);
    CHECK_FALSE(other.ok());
}

TEST_CASE("a restarted server: the old connection is lost, a new one works") {
    const std::string database = fresh_database();
    connection before(database);
    postgres_server().stop();
    CHECK_THROWS_AS(before.exec("SELECT 1", {}, "while down"), connection_lost);
    CHECK_THROWS_AS(connection{database}, connection_lost);
    postgres_server().start();
    connection after(database);
    CHECK(after.exec("SELECT 1", {}, "after the restart").integer(0, 0) == 1);
}

TEST_CASE("PostgreSQL restarting under a stream of appends: each waits, then lands once") {
    const std::string database = fresh_database();
    auto store = scribe::store::postgres_store::open(database);
    scribe::store::test::append_now(*store, {scribe::store::test::declare("Outage", "d")});
    constexpr int appends = 300;
    std::atomic<int> stored{0};
    std::atomic<int> failed{0};
    std::thread producer([&] {
        for (int i = 0; i < appends; ++i) {
            store->append({scribe::store::test::note(1, std::to_string(i), std::to_string(i))},
                          [&](append_result r) { ++(r.ok() ? stored : failed); });
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    postgres_server().stop();
    const int before_restart = stored.load();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    CHECK(stored.load() == before_restart);  // nothing acknowledged while the server is down
    postgres_server().start();
    producer.join();
    store->flush();
    CHECK(failed == 0);
    CHECK(stored == appends);
    const auto events = store->load_incident(1);
    CHECK(events.size() == appends + 1);
    for (std::size_t i = 0; i < events.size(); ++i) {
        CHECK(events[i].sequence == static_cast<std::int64_t>(i + 1));
    }
}
