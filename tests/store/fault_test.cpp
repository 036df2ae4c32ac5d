// A write that fails mid-way (the file size limit stands in for a full disk): every batch it
// touches reports the error, nothing reported stored is lost, and the store carries on after.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <sstream>

#include "tests/store/store_support.hpp"

namespace scribe::store::test {
namespace {

constexpr std::int64_t incident = 1;

// Batch `name`: `count` notes of `size` bytes with message ids "<name>-<i>".
std::vector<model::event> batch(const std::string& name, int count, std::size_t size) {
    std::vector<model::event> events;
    for (int i = 0; i < count; ++i) {
        events.push_back(note(incident, std::string(size, 'x'), numbered(name + "-", i)));
    }
    return events;
}

// The child: limits the size of files it may write, appends small and large batches, and
// reports "<name> ok" or "<name> error <message>" per batch. Never returns.
[[noreturn]] void run_child(const std::string& path, int report_fd) {
    std::string reports;
    try {
        auto store = sqlite_store::open(path);
        // Writing past the limit fails with EFBIG (instead of killing us with SIGXFSZ).
        ::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{256 * 1024, 256 * 1024};
        ::setrlimit(RLIMIT_FSIZE, &limit);
        auto report = [&reports](std::string name) {
            return [&reports, name](append_result r) {
                reports += name + (r.ok() ? " ok" : " error " + r.error) + "\n";
            };
        };
        // Queued together, so the writer is likely to commit them in one transaction.
        store->append(batch("small1", 3, 100), report("small1"));
        store->append(batch("huge", 2000, 1000), report("huge"));
        store->append(batch("small2", 3, 100), report("small2"));
        store->flush();
        // Each alone now: the store recovers from the failed transaction.
        store->append(batch("after", 3, 100), report("after"));
        store->flush();
        store->append(batch("huge-alone", 2000, 1000), report("huge-alone"));
        store->flush();
        store->append(batch("last", 3, 100), report("last"));
    } catch (const std::exception& e) {
        reports += std::string("exception ") + e.what() + "\n";
    }
    write_all(report_fd, reports);
    ::_exit(0);
}

}  // namespace

TEST_CASE("a failed commit reports its error to every batch in it, and loses nothing reported") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    {
        auto store = sqlite_store::open(path);
        REQUIRE(append_now(*store, {declare("fault test")}).ok());
    }
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(fds[0]);
        run_child(path, fds[1]);
    }
    ::close(fds[1]);
    std::string output;
    char buffer[4096];
    for (ssize_t got; (got = ::read(fds[0], buffer, sizeof buffer)) > 0;) {
        output.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    INFO(output);
    REQUIRE(WIFEXITED(status));

    std::map<std::string, std::string> outcome;  // batch -> "ok" or the error
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        const auto space = line.find(' ');
        REQUIRE(space != std::string::npos);
        outcome[line.substr(0, space)] = line.substr(space + 1);
    }
    REQUIRE(outcome.size() == 6);
    CHECK(outcome["huge"] != "ok");
    CHECK(outcome["huge-alone"] != "ok");
    CHECK(outcome["after"] == "ok");
    CHECK(outcome["last"] == "ok");

    auto store = sqlite_store::open(path);
    std::map<std::string, int> stored;  // batch -> events stored
    for (const auto& e : store->load_incident(incident)) {
        const auto& id = e.source.message_id;
        if (!id.empty()) ++stored[id.substr(0, id.rfind('-'))];
    }
    for (const auto& [name, result] : outcome) {
        INFO(name, ": ", result);
        if (result == "ok") {
            CHECK(stored[name] == (name.rfind("huge", 0) == 0 ? 2000 : 3));
        } else {
            CHECK(stored[name] == 0);
        }
    }
    const auto events = store->load_incident(incident);
    for (std::size_t i = 0; i < events.size(); ++i) {
        CHECK(events[i].sequence == static_cast<std::int64_t>(i + 1));
    }
}

}  // namespace scribe::store::test
