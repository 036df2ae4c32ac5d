// What the integration tests share: patience, the child process, reading the store back.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.hpp"

namespace scribe::testing {

using namespace std::chrono_literals;

inline constexpr auto patience = 15s;

// Polls `done` until it holds or `limit` passes; whether it held.
template <class Condition>
bool wait_until(Condition done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

// A port nothing listens on, for the health listener. Bound without SO_REUSEADDR, so the
// kernel never hands out a port another socket holds (the fakes' included).
inline unsigned short free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0},
                                         false);
    return probe.local_endpoint().port();
}

// {status, body} of GET http://127.0.0.1:port/target; status 0 when nothing answered.
inline std::pair<int, std::string> get(unsigned short port, const std::string& target) {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return {0, {}};
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    asio::write(socket, asio::buffer(request), ec);
    std::string answer;
    asio::read(socket, asio::dynamic_buffer(answer), ec);  // until the server closes
    if (answer.size() < 12) return {0, {}};
    const auto body = answer.find("\r\n\r\n");
    return {std::stoi(answer.substr(9, 3)),
            body == std::string::npos ? std::string() : answer.substr(body + 4)};
}

// The value of one sample line ("name{labels} value") in a scrape, or -1.
inline double metric(const std::string& scrape, const std::string& series) {
    const auto at = scrape.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(scrape.substr(at + series.size() + 2));
}

// How many lines of a log contain `text`.
inline std::size_t lines_containing(const std::string& log, const std::string& text) {
    std::size_t count = 0;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        if (line.find(text) != std::string::npos) ++count;
    }
    return count;
}

// Every event in the store at `db`, from `scribe export` (run it after the bot has stopped).
inline std::vector<nlohmann::json> exported_events(const std::string& db) {
    const auto exported = run_scribe({"--db", db, "export"});
    REQUIRE(exported.exit_code == 0);
    std::vector<nlohmann::json> events;
    std::istringstream lines(exported.out);
    for (std::string line; std::getline(lines, line);) {
        events.push_back(nlohmann::json::parse(line));
    }
    return events;
}

// How many stored timeline notes carry each text.
inline std::map<std::string, int> note_counts(const std::vector<nlohmann::json>& events) {
    std::map<std::string, int> counts;
    for (const auto& e : events) {
        if (e.at("kind") == "entry_added") ++counts[e.at("payload").at("text").get<std::string>()];
    }
    return counts;
}

// The text of the i-th timeline entry of a fault drill.
// Runs `sql` on the SQLite store at `db` (while no Scribe has it open), as another program
// would; the number of rows it changed.
inline int change_store(const std::string& db, const std::string& sql) {
    sqlite3* handle = nullptr;
    REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    char* error = nullptr;
    const int status = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error);
    INFO((error ? error : ""));
    sqlite3_free(error);
    const int changed = sqlite3_changes(handle);
    sqlite3_close(handle);
    REQUIRE(status == SQLITE_OK);
    return changed;
}

// Makes the answer to the message whose entry holds `text` owed again, as if the bot had
// stopped after sending it and before marking it sent.
inline void owe_again(const std::string& db, const std::string& text) {
    REQUIRE(change_store(db,
                         "INSERT INTO answers_owed (incident_id, platform, channel, message_id, "
                         "reply_to, cause, thread, notes, owner, owed_since) "
                         "SELECT incident_id, source_platform, source_channel, "
                         "source_message_id, source_message_id, source_message_id, '', '', "
                         "'an earlier process', recorded_at FROM events "
                         "WHERE payload LIKE '%" +
                             text + "%'") == 1);
}

inline std::string drill_entry(int i) { return "entry " + std::to_string(i) + " of the drill"; }

// Declares an incident, then sends `count` timeline entries through `run` (a slack_run or a
// matrix_run), calling `fault` before entry number `fault_at`, and waits for every answer.
template <class Run, class Fault>
void stream_with_fault(Run& run, int count, int fault_at, Fault fault) {
    run.say("!declare Fault drill");
    run.reply_containing("Incident #1 declared");
    for (int i = 0; i < count; ++i) {
        if (i == fault_at) fault();
        run.say("!tl " + drill_entry(i));
    }
    for (int i = 0; i < count; ++i) run.reply_containing(drill_entry(i));
}

// Every entry of the drill was answered exactly once and is stored exactly once; stops the bot.
template <class Run>
void check_stream(Run& run, int count) {
    for (int i = 0; i < count; ++i) {
        CHECK(run.replies_containing("\"" + drill_entry(i) + "\"") == 1);
    }
    run.stop_bot();
    const auto counts = note_counts(run.stored_events());
    for (int i = 0; i < count; ++i) {
        CAPTURE(drill_entry(i));
        REQUIRE(counts.contains(drill_entry(i)));
        CHECK(counts.at(drill_entry(i)) == 1);
    }
}

}  // namespace scribe::testing
