// The lease that makes one `scribe run` active on a PostgreSQL store, and the fencing of a
// replica that lost it.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "bot/store/postgres/pg_connection.hpp"
#include "bot/store/postgres_lease.hpp"
#include "bot/store/postgres_store.hpp"
#include "tests/store/pg_support.hpp"
#include "tests/store/store_support.hpp"

using namespace scribe::store;
using scribe::store::test::append_now;
using scribe::store::test::declare;
using scribe::store::test::note;
using scribe::testing::fresh_database;

namespace {

constexpr std::chrono::seconds lease_timeout{6};

bool acquired_within_seconds(postgres_lease& lease, const std::string& holder) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!lease.try_acquire(holder)) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

}  // namespace

TEST_CASE(
    "one replica holds the lease, and when its session ends another takes it at a new epoch") {
    const auto database = fresh_database();
    auto store = postgres_store::open(database);  // migrates
    postgres_lease first(database, {}, lease_timeout);
    postgres_lease second(database, {}, lease_timeout);
    REQUIRE(first.try_acquire("first"));
    CHECK(first.epoch() == 1);
    CHECK(first.previous_holder() == "");
    CHECK(first.held());
    CHECK_FALSE(second.try_acquire("second"));
    CHECK_FALSE(second.held());

    // The holder's session ended by the server, as when its machine is cut off.
    postgres::connection admin(database);
    admin.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND "
        "granted AND pid <> pg_backend_pid()",
        "ending the holder's session");
    CHECK(acquired_within_seconds(second, "second"));
    CHECK(second.epoch() == 2);
    CHECK(second.previous_holder() == "first");
    CHECK_FALSE(first.held());
}

TEST_CASE("a replica fenced at an old epoch cannot commit, and the new active can") {
    const auto database = fresh_database();
    auto old_active = postgres_store::open(database);
    auto new_active = postgres_store::open(database);
    REQUIRE(append_now(*old_active, {declare("Fenced", "d")}).ok());
    {
        postgres_lease lease(database, {}, lease_timeout);
        REQUIRE(lease.try_acquire("old"));
        old_active->fence_writes(lease.epoch());
        CHECK(append_now(*old_active, {note(1, "while active", "a")}).ok());
    }
    postgres_lease taken(database, {}, lease_timeout);
    REQUIRE(acquired_within_seconds(taken, "new"));
    new_active->fence_writes(taken.epoch());

    const auto refused = append_now(*old_active, {note(1, "after losing it", "b")});
    CHECK_FALSE(refused.ok());
    CHECK(refused.error.find("no longer holds the store's lease") != std::string::npos);
    CHECK(append_now(*new_active, {note(1, "from the new active", "c")}).ok());
    CHECK(new_active->load_incident(1).size() == 3);
}
