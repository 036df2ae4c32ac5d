// Durability under SIGKILL: a child process appends a stream of messages and reports each commit;
// the parent kills it at random moments, restarts the stream with some redelivery, and checks
// that every reported commit survived, exactly once, in order.
#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <sstream>

#include "tests/store/store_support.hpp"

namespace scribe::store::test {
namespace {

constexpr std::int64_t incident = 1;

std::string message_id(std::int64_t n) { return numbered("m", n); }

// The child: appends messages first, first+1, ... in batches of random size, flushing now and
// then so that commits group differently, and reports "<n> <sequence> <duplicate>" per message
// from the callback, that is after the commit. Never returns.
[[noreturn]] void run_child(const std::string& path, std::int64_t first, int report_fd,
                            unsigned seed) {
    try {
        auto store = sqlite_store::open(path);
        std::mt19937 rng(seed);
        for (std::int64_t n = first; n < first + 1'000'000;) {
            const auto size = static_cast<std::int64_t>(1 + rng() % 8);
            std::vector<model::event> batch;
            for (std::int64_t i = 0; i < size; ++i) {
                batch.push_back(note(incident, numbered("event ", n + i), message_id(n + i)));
            }
            store->append(std::move(batch), [n, report_fd](append_result r) {
                std::string report;
                if (!r.ok()) report = "error " + r.error.substr(0, 200) + "\n";
                for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
                    report += std::to_string(n + static_cast<std::int64_t>(i)) + " " +
                              std::to_string(r.outcomes[i].sequence) + " " +
                              (r.outcomes[i].duplicate ? "1" : "0") + "\n";
                }
                // Each report is shorter than PIPE_BUF, so the write is atomic: a killed child
                // leaves whole lines or none.
                write_all(report_fd, report);
            });
            n += size;
            if (rng() % 3 == 0) store->flush();
        }
        store->flush();
    } catch (const std::exception& e) {
        write_all(report_fd, std::string("error ") + e.what() + "\n");
        ::_exit(1);
    }
    ::_exit(0);
}

struct report {
    std::int64_t sequence = 0;
    bool duplicate = false;
};

// Reads whole lines from the child until `deadline`, or until it closes the pipe when
// deadline is empty.
void read_reports(int fd, std::string& pending,
                  std::optional<std::chrono::steady_clock::time_point> deadline) {
    char buffer[4096];
    for (;;) {
        int timeout_ms = -1;
        if (deadline) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                *deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return;
            timeout_ms = static_cast<int>(left.count());
        }
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, timeout_ms) <= 0) return;
        const auto got = ::read(fd, buffer, sizeof buffer);
        if (got <= 0) return;
        pending.append(buffer, static_cast<std::size_t>(got));
    }
}

}  // namespace

TEST_CASE("commits reported before SIGKILL survive, exactly once and in order") {
    temp_dir dir;
    const auto path = dir.file("scribe.db");
    {
        auto store = sqlite_store::open(path);
        REQUIRE(append_now(*store, {declare("crash test", "declare")}).ok());
    }

    std::mt19937 rng(20261121);
    std::map<std::int64_t, report> reported;  // message number -> what the child said
    std::int64_t next = 0;
    int duplicates_reported = 0;
    constexpr int rounds = 25;
    for (int round = 0; round < rounds; ++round) {
        // Redeliver a few of the last reported messages, as a platform does after a restart.
        const std::int64_t first =
            std::max<std::int64_t>(0, next - static_cast<std::int64_t>(rng() % 6));
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            ::close(fds[0]);
            run_child(path, first, fds[1], static_cast<unsigned>(rng()));
        }
        ::close(fds[1]);
        std::string lines;
        const auto lifetime = std::chrono::milliseconds{10 + rng() % 90};
        read_reports(fds[0], lines, std::chrono::steady_clock::now() + lifetime);
        ::kill(child, SIGKILL);
        int wait_status = 0;
        ::waitpid(child, &wait_status, 0);
        read_reports(fds[0], lines, std::nullopt);
        ::close(fds[0]);

        std::istringstream in(lines);
        std::string line;
        while (std::getline(in, line)) {
            INFO("round ", round, ": ", line);
            REQUIRE(line.rfind("error", 0) != 0);
            std::istringstream fields(line);
            std::int64_t n = 0;
            report r;
            int duplicate = 0;
            REQUIRE(static_cast<bool>(fields >> n >> r.sequence >> duplicate));
            r.duplicate = duplicate != 0;
            duplicates_reported += duplicate;
            if (const auto known = reported.find(n); known != reported.end()) {
                CHECK(known->second.sequence == r.sequence);  // a duplicate points at the original
            }
            reported.emplace(n, r);
            next = std::max(next, n + 1);
        }
        if (!WIFSIGNALED(wait_status)) {
            INFO("round ", round);
            CHECK(WEXITSTATUS(wait_status) == 0);
        }
    }
    MESSAGE(reported.size(), " messages reported committed, ", duplicates_reported,
            " redeliveries reported as duplicates, over ", rounds, " kills");
    CHECK(reported.size() > 100);
    CHECK(duplicates_reported > 0);

    auto store = sqlite_store::open(path);
    const auto events = store->load_incident(incident);
    REQUIRE_FALSE(events.empty());
    // Sequence numbers 1..n with no gap, the messages in stream order with none missing or
    // repeated: message k is event k + 2 (after the declaration).
    for (std::size_t i = 0; i < events.size(); ++i) {
        CHECK(events[i].sequence == static_cast<std::int64_t>(i + 1));
        if (i == 0) continue;
        const auto k = static_cast<std::int64_t>(i - 1);
        CHECK(events[i].source.message_id == message_id(k));
        CHECK(std::get<model::payload::entry_added>(events[i].data).text == numbered("event ", k));
    }
    for (const auto& [n, r] : reported) {
        INFO("message ", n);
        REQUIRE(n + 2 <= static_cast<std::int64_t>(events.size()));
        CHECK(r.sequence == n + 2);
    }
    CHECK(store->list_incidents(false).at(0).event_count ==
          static_cast<std::int64_t>(events.size()));
}

}  // namespace scribe::store::test
