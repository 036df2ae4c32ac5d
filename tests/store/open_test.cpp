// Opening files: permissions, schema versions, and files that must be refused untouched.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <random>
#include <thread>

#include "bot/store/detail/connection.hpp"
#include "bot/store/detail/schema.hpp"
#include "tests/store/store_support.hpp"

namespace scribe::store::test {
namespace {

// Writes a big-endian 32-bit value into the SQLite file header, as another program would.
void patch_header(const std::string& path, std::size_t offset, std::uint32_t value) {
    auto bytes = read_bytes(path);
    REQUIRE(bytes.size() > offset + 4);
    for (int i = 0; i < 4; ++i) {
        bytes[offset + static_cast<std::size_t>(i)] =
            static_cast<char>((value >> (8 * (3 - i))) & 0xffu);
    }
    write_bytes(path, bytes);
}

// A real database of a few pages, closed (so its WAL is checkpointed into it).
void make_database(const std::string& path, int notes) {
    auto store = sqlite_store::open(path);
    std::vector<model::event> batch{declare("A")};
    for (int i = 0; i < notes; ++i) {
        batch.push_back(
            note(0, std::string(200, static_cast<char>('a' + i % 26)), numbered("m", i)));
    }
    REQUIRE(append_now(*store, std::move(batch)).ok());
}

std::string random_bytes(std::size_t size, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::string bytes(size, '\0');
    for (auto& b : bytes) b = static_cast<char>(rng() & 0xffu);
    return bytes;
}

// Overwrites the page in the middle of the file with garbage; returns the file's new bytes.
std::string damage_middle_page(const std::string& path) {
    auto bytes = read_bytes(path);
    const auto garbage = random_bytes(4096, 3);
    bytes.replace(bytes.size() / 2 / 4096 * 4096, garbage.size(), garbage);
    write_bytes(path, bytes);
    return bytes;
}

mode_t permissions(const std::string& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 0777;
}

// Runs SQL on a closed database file, as an older Scribe or an administrator would.
void run_sql(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    INFO((error ? error : ""));
    sqlite3_free(error);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("an older schema is upgraded on open, after a copy of the file is kept") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    make_database(path, 3);
    // What schema 2 looked like: no incident_rooms, no answers_owed, no facts.
    run_sql(path,
            "DROP TABLE answers_owed; DROP INDEX incident_rooms_by_channel; "
            "DROP TABLE incident_rooms; DROP TABLE incident_facts; "
            "ALTER TABLE actions DROP COLUMN opened_at; ALTER TABLE actions DROP COLUMN done_at; "
            "PRAGMA user_version = 2;");
    auto store = sqlite_store::open(path);
    CHECK(store->load_incident(1).size() == 4);
    CHECK(store->list_incidents(true).size() == 1);
    store.reset();
    // The facts of incidents stored before they were kept are there for a reader at once.
    const auto reader = sqlite_store::open_read_only(path);
    const auto records = reader->list_incident_records();
    REQUIRE(records.size() == 1);
    CHECK(records[0].facts.id == 1);

    const auto copy = path + ".schema-2.bak";
    REQUIRE(std::filesystem::exists(copy));
    CHECK(permissions(copy) == 0600);
    // The copy is the old schema with every event in it.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(copy.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* query = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM events), "
                                   "(SELECT user_version FROM pragma_user_version)",
                               -1, &query, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(query) == SQLITE_ROW);
    CHECK(sqlite3_column_int(query, 0) == 4);
    CHECK(sqlite3_column_int(query, 1) == 2);
    sqlite3_finalize(query);
    sqlite3_close(db);
}

TEST_CASE("the database and its WAL files are readable by their owner only") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    // Even with a permissive umask: the store must not rely on the caller's.
    const mode_t saved = ::umask(0);
    auto store = sqlite_store::open(path);
    ::umask(saved);
    REQUIRE(append_now(*store, {declare("A")}).ok());
    CHECK(permissions(path) == 0600);
    CHECK(permissions(path + "-wal") == 0600);
    CHECK(permissions(path + "-shm") == 0600);
}

TEST_CASE("an empty file is started as a new database") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    write_bytes(path, "");
    auto store = sqlite_store::open(path);
    CHECK(append_now(*store, {declare("A")}).ok());
}

TEST_CASE("a database written by a newer Scribe is refused and left as it was") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    make_database(path, 3);
    REQUIRE_FALSE(std::filesystem::exists(path + "-wal"));
    const auto newer = static_cast<std::uint32_t>(sqlite_store::schema_version() + 1);
    patch_header(path, 60, newer);  // PRAGMA user_version
    const auto before = read_bytes(path);

    const auto message = open_error(path);
    INFO(message);
    CHECK(contains(message, path));
    CHECK(contains(message, "was written by a newer version of Scribe (schema " +
                                std::to_string(newer) + ", this build knows up to " +
                                std::to_string(sqlite_store::schema_version()) + ")"));
    CHECK(read_bytes(path) == before);
}

TEST_CASE("another application's SQLite database is refused") {
    temp_dir dir;
    const auto path = dir.file("other.db");
    make_database(path, 1);
    patch_header(path, 68, 0x12345678);  // PRAGMA application_id
    const auto before = read_bytes(path);
    const auto message = open_error(path);
    INFO(message);
    CHECK(contains(message, "another application"));
    CHECK(read_bytes(path) == before);
}

TEST_CASE("a file that is not an intact Scribe database is refused and left byte for byte") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    std::string expected_reason;
    SUBCASE("random bytes") {
        write_bytes(path, random_bytes(8192, 1));
        expected_reason = "not an SQLite file";
    }
    SUBCASE("a short text file") {
        write_bytes(path, "incident notes\n");
        expected_reason = "not an SQLite file";
    }
    SUBCASE("an SQLite header followed by garbage") {
        write_bytes(path, std::string("SQLite format 3", 16) + random_bytes(8192 - 16, 2));
        expected_reason = "damaged";
    }
    SUBCASE("a real database cut short") {
        make_database(path, 400);
        auto bytes = read_bytes(path);
        REQUIRE(bytes.size() > 40000);
        bytes.resize(bytes.size() / 2);
        write_bytes(path, bytes);
        expected_reason = "damaged";
    }
    SUBCASE("a real database with a page overwritten") {
        make_database(path, 400);
        damage_middle_page(path);
        expected_reason = "damaged";
    }
    const auto before = read_bytes(path);
    const auto message = open_error(path);
    INFO(message);
    CHECK(contains(message, path));
    CHECK(contains(message, expected_reason));
    CHECK(contains(message, "left untouched"));
    CHECK(read_bytes(path) == before);
    // Refusing twice changes nothing either (no journal or WAL replayed in between).
    CHECK_FALSE(open_error(path).empty());
    CHECK(read_bytes(path) == before);
}

// Opens `path` with the integrity check in the background; `verdict` gets what it found.
std::unique_ptr<sqlite_store> open_checking_later(const std::string& path,
                                                  std::promise<std::string>& verdict) {
    open_options options;
    options.check_in_background = true;
    options.on_checked = [&verdict](const std::string& problem) { verdict.set_value(problem); };
    return sqlite_store::open(path, std::move(options));
}

TEST_CASE(
    "until its deferred check passes, a write connection keeps commits out of the main file") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    make_database(path, 3);
    const auto before = read_bytes(path);
    {
        auto db = detail::open_for_writing(path, true);
        CHECK(db.holding_checkpoints());
        db.exec("INSERT INTO cursors (name, value) VALUES ('during', 'the check')", "insert");
        for (int i = 0; i < 2000; ++i) {  // more than an automatic checkpoint's worth
            db.exec(
                "INSERT OR REPLACE INTO cursors (name, value) VALUES ('more', "
                "hex(randomblob(1000)))",
                "insert");
        }
    }
    CHECK(std::filesystem::file_size(path + "-wal") > 0);
    CHECK(read_bytes(path) == before);
    {
        auto db = detail::open_for_writing(path, true);
        db.hold_checkpoints(false);  // the check passed
    }
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
    CHECK(read_bytes(path) != before);
}

TEST_CASE("an integrity check told to stop before it starts stops, and is not taken for damage") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    make_database(path, 300);
    detail::connection db(path, detail::connection::access::query_only);
    const std::atomic<bool> stop = true;
    db.stop_when(stop);
    try {
        (void)detail::find_damage(db);
        FAIL("the check ran to its end");
    } catch (const detail::damaged_file& e) {
        FAIL(e.what());
    } catch (const store_error& e) {
        CHECK(contains(e.what(), "interrupted"));
    }
}

TEST_CASE("a sound store checked in the background takes appends at once and merges them after") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    make_database(path, 300);
    std::promise<std::string> verdict;
    auto checked = verdict.get_future();
    auto store = open_checking_later(path, verdict);
    CHECK(append_now(*store, {note(1, "while the check runs", "during")}).ok());
    CHECK(checked.get().empty());
    CHECK(append_now(*store, {note(1, "after it passed", "after")}).ok());
    store.reset();
    // The last close merged the WAL into the main file, as it does once the check passed.
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
    CHECK(sqlite_store::open(path)->load_incident(1).size() == 303);
}

TEST_CASE("a damaged store checked in the background refuses appends and keeps its main file") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    make_database(path, 400);
    const auto bytes = damage_middle_page(path);

    std::promise<std::string> verdict;
    auto checked = verdict.get_future();
    auto store = open_checking_later(path, verdict);
    // Before the verdict an append may well be committed: to the WAL, never the main file.
    (void)append_now(*store, {declare("during the check", "during")});
    const auto problem = checked.get();
    INFO(problem);
    CHECK(contains(problem, "damaged"));
    CHECK(contains(problem, path + "-wal"));
    CHECK(append_now(*store, {declare("after the verdict", "after")}).error == problem);
    store.reset();
    CHECK(read_bytes(path) == bytes);
}

TEST_CASE(
    "a file that opening would change is checked before open returns, even when asked later") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    make_database(path, 400);
    auto bytes = damage_middle_page(path);
    bytes[18] = bytes[19] = 1;  // rollback journal, not WAL: opening would switch it
    write_bytes(path, bytes);
    std::promise<std::string> verdict;
    std::string message;
    try {
        open_checking_later(path, verdict);
    } catch (const store_error& e) {
        message = e.what();
    }
    INFO(message);
    CHECK(contains(message, "damaged"));
    CHECK(read_bytes(path) == bytes);
}

TEST_CASE("a database in a missing directory is reported with its path") {
    temp_dir dir;
    const auto path = dir.file("missing/scribe.db");
    const auto message = open_error(path);
    INFO(message);
    CHECK(contains(message, "cannot create the Scribe database " + path));
    CHECK(contains(message, "No such file or directory"));
}

}  // namespace scribe::store::test

namespace scribe::store::test {

TEST_CASE("a store opened for reading creates nothing and writes nothing") {
    temp_dir dir;
    const auto missing = dir.file("typo.db");
    try {
        sqlite_store::open_read_only(missing);
        FAIL("opened a store that is not there");
    } catch (const store_error& e) {
        CHECK(contains(e.what(), "there is no Scribe store at " + missing));
    }
    CHECK_FALSE(std::filesystem::exists(missing));

    const auto path = dir.file("scribe.db");
    make_database(path, 3);
    const auto before = read_bytes(path);
    auto reader = sqlite_store::open_read_only(path);
    CHECK(reader->list_incidents(false).size() == 1);
    CHECK(reader->load_incident(1).size() == 4);
    CHECK_FALSE(append_now(*reader, {note(1, "no")}).ok());
    CHECK_THROWS_AS(reader->import_events({}), store_error);
    reader.reset();
    CHECK(read_bytes(path) == before);
}

TEST_CASE("two stores on one file take turns without a clash of numbers") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    auto first = sqlite_store::open(path);
    auto second = sqlite_store::open(path);
    REQUIRE(append_now(*first, {declare("A", "a")}).ok());
    for (int i = 0; i < 20; ++i) {
        auto& writer = i % 2 == 0 ? *first : *second;
        const auto r = append_now(writer, {note(1, "n", numbered("n", i))});
        REQUIRE(r.ok());
        CHECK(r.outcomes[0].sequence == i + 2);
    }
    // And a new incident after the other one declared its own.
    REQUIRE(append_now(*second, {declare("B", "b")}).ok());
    const auto r = append_now(*first, {declare("C", "c")});
    REQUIRE(r.ok());
    CHECK(r.outcomes[0].incident_id == 3);
}

}  // namespace scribe::store::test

namespace scribe::store::test {

TEST_CASE("a write lock held longer than the busy timeout is waited out, not failed on") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    auto store = sqlite_store::open(path);
    REQUIRE(append_now(*store, {declare("A", "a")}).ok());
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    // Another process's long write: longer than one busy timeout (5 s), shorter than three.
    auto release = std::async(std::launch::async, [other] {
        std::this_thread::sleep_for(std::chrono::seconds(7));
        sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
    });
    const auto r = append_now(*store, {note(1, "waited", "w")});
    release.get();
    sqlite3_close(other);
    CHECK(r.ok());
    CHECK(r.outcomes.at(0).sequence == 2);
}

}  // namespace scribe::store::test
