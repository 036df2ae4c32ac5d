// The command line on a PostgreSQL store named by SCRIBE_STORE_URL: consoles writing at once,
// lists and documents, and stores moved between SQLite and PostgreSQL both ways.
#include <doctest/doctest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/store/pg_support.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace scribe::testing;

namespace {

std::vector<std::string> on(const std::string& conninfo) {
    return {"SCRIBE_STORE_URL=" + conninfo};
}

// A document without its line saying when it was generated.
std::string timeless(const std::string& document) {
    std::istringstream in(document);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with("generated_at:")) out += line + "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("a store moves from SQLite to PostgreSQL and back, and reads the same on both") {
    temp_dir dir;
    const auto sqlite = (dir / "scribe.db").string();
    REQUIRE(run_scribe({"--db", sqlite, "console", "--as", "bob", "--out", dir.path().string()},
                       "!declare Slow search sev2\n!action carol tune the index due 2026-12-01\n"
                       "!tl a note\n!resolved\n!close\n")
                .exit_code == 0);
    const auto exported = dir / "events.jsonl";
    REQUIRE(run_scribe({"--db", sqlite, "export", "-o", exported.string()}).exit_code == 0);

    const auto postgres = fresh_database();
    const auto imported = run_scribe({"import", exported.string()}, {}, on(postgres));
    CHECK(imported.exit_code == 0);
    CHECK(imported.err.find("incident 1 \"Slow search\": restored as #1") != std::string::npos);
    for (const std::vector<std::string>& read :
         {std::vector<std::string>{"list"}, {"actions"}, {"render", "1"}, {"agenda", "1"}}) {
        std::vector<std::string> with_db{"--db", sqlite};
        with_db.insert(with_db.end(), read.begin(), read.end());
        INFO(read.front());
        CHECK(timeless(run_scribe(read, {}, on(postgres)).out) ==
              timeless(run_scribe(with_db).out));
    }
    const auto back = dir / "back.jsonl";
    REQUIRE(run_scribe({"export", "-o", back.string()}, {}, on(postgres)).exit_code == 0);
    CHECK(read_text(back) == read_text(exported));
    const auto copy = (dir / "copy.db").string();
    CHECK(run_scribe({"--db", copy, "import", back.string()}).exit_code == 0);
    CHECK(run_scribe({"--db", copy, "list"}).out == run_scribe({"--db", sqlite, "list"}).out);

    // --db beside store.url names nothing: said so, and PostgreSQL is used.
    const auto both = run_scribe({"--db", copy, "list"}, {}, on(postgres));
    CHECK(both.err.find("--db is ignored: store.url names the store") != std::string::npos);
    CHECK(both.out == run_scribe({"list"}, {}, on(postgres)).out);
}

TEST_CASE("reading a database without a Scribe store, or an unreachable server, is a clear error") {
    const auto empty = fresh_database();
    const auto list = run_scribe({"list"}, {}, on(empty));
    CHECK(list.exit_code == 1);
    CHECK(list.err.find("there is no Scribe store in the database at 127.0.0.1:") !=
          std::string::npos);
    const auto gone = run_scribe(
        {"list"}, {},
        {"SCRIBE_STORE_URL=postgresql://scribe:sekrit@127.0.0.1:1/scribe?connect_timeout=2"});
    CHECK(gone.exit_code == 1);
    CHECK(gone.err.find("cannot connect to PostgreSQL at 127.0.0.1:1/scribe") != std::string::npos);
    CHECK(gone.err.find("sekrit") == std::string::npos);
}

TEST_CASE("two consoles writing to one PostgreSQL store at once: every line exactly once") {
    temp_dir dir;
    const auto postgres = fresh_database();
    REQUIRE(run_scribe({"console", "--out", dir.path().string()}, "!declare Busy\n", on(postgres))
                .exit_code == 0);
    const auto lines = [](const std::string& who) {
        std::string input;
        for (int i = 0; i < 300; ++i) input += "!tl " + who + " line " + std::to_string(i) + "\n";
        return input;
    };
    auto first = std::async(std::launch::async, [&] {
        return run_scribe({"console", "--as", "ann"}, lines("ann"), on(postgres));
    });
    auto second = std::async(std::launch::async, [&] {
        return run_scribe({"console", "--as", "bob"}, lines("bob"), on(postgres));
    });
    const auto a = first.get();
    const auto b = second.get();
    CHECK(a.exit_code == 0);
    CHECK(b.exit_code == 0);
    CHECK(a.out.find("Sorry") == std::string::npos);
    CHECK(b.out.find("Sorry") == std::string::npos);

    const auto exported = run_scribe({"export"}, {}, on(postgres));
    std::set<std::string> texts;
    std::set<std::int64_t> sequences;
    std::istringstream in(exported.out);
    for (std::string line; std::getline(in, line);) {
        const auto e = nlohmann::json::parse(line);
        sequences.insert(e.at("seq").get<std::int64_t>());
        if (e.at("kind") == "entry_added")
            texts.insert(e.at("payload").at("text").get<std::string>());
    }
    CHECK(texts.size() == 600);
    CHECK(sequences.size() == 601);
    CHECK(*sequences.rbegin() == 601);
}
