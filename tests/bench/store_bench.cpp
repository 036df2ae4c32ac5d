// Appends per second into a real SQLite file: group commit with several producers, against one
// transaction per event, to show what grouping buys under synchronous=FULL.
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "bot/store/sqlite_store.hpp"

namespace {

using scribe::model::event;
using scribe::store::append_result;
using scribe::store::sqlite_store;
using clock_type = std::chrono::steady_clock;

constexpr int runs = 5;

// A fresh directory per run, so every run starts from an empty file.
class scratch_dir {
public:
    explicit scratch_dir(const std::filesystem::path& parent) {
        std::string pattern = (parent / "scribe-store-bench-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) {
            throw std::system_error(errno, std::generic_category(),
                                    "mkdtemp in " + parent.string());
        }
        path_ = pattern;
    }
    ~scratch_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;

    std::string database() const { return (path_ / "bench.db").string(); }

private:
    std::filesystem::path path_;
};

// prefix + n, spelled so that g++ 12 at -O3 does not see a false -Wrestrict in
// operator+(const char*, std::string&&).
std::string numbered(std::string prefix, std::int64_t n) {
    prefix += std::to_string(n);
    return prefix;
}

event chat_event(std::int64_t incident_id, const std::string& channel, std::int64_t n) {
    event e;
    e.incident_id = incident_id;
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    e.occurred_at = now;
    e.recorded_at = now;
    e.actor = {"bench", numbered("U", n % 50), numbered("Responder ", n % 50)};
    e.source = {"bench", channel, std::to_string(n), 0};
    if (incident_id == 0) {
        e.data = scribe::model::payload::declared{std::string("Incident in ").append(channel),
                                                  scribe::model::severity::sev2};
    } else {
        e.data = scribe::model::payload::entry_added{
            scribe::model::entry_type::note,
            numbered("error rate back to baseline after the rollback of build ", n),
            {},
            {},
            {}};
    }
    return e;
}

// Declares one incident per channel and returns their ids.
std::vector<std::int64_t> declare(sqlite_store& store, int channels) {
    std::vector<std::int64_t> ids(static_cast<std::size_t>(channels));
    for (int c = 0; c < channels; ++c) {
        store.append({chat_event(0, numbered("C", c), -1 - c)}, [&ids, c](append_result r) {
            if (r.ok()) ids[static_cast<std::size_t>(c)] = r.outcomes.at(0).incident_id;
        });
    }
    store.flush();
    return ids;
}

struct run_result {
    double per_second = 0;
    std::int64_t failed = 0;
};

// `producers` threads, one chat channel each, append one event per call as messages arrive.
run_result grouped(const std::filesystem::path& parent, std::int64_t events, int producers) {
    scratch_dir dir(parent);
    auto store = sqlite_store::open(dir.database());
    const auto ids = declare(*store, producers);
    std::atomic<std::int64_t> failed{0};
    const auto start = clock_type::now();
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
            const std::string channel = numbered("C", p);
            for (std::int64_t n = p; n < events; n += producers) {
                store->append({chat_event(ids[static_cast<std::size_t>(p)], channel, n)},
                              [&failed](append_result r) {
                                  if (!r.ok()) ++failed;
                              });
            }
        });
    }
    for (auto& t : threads) t.join();
    store->flush();
    const std::chrono::duration<double> elapsed = clock_type::now() - start;
    return {static_cast<double>(events) / elapsed.count(), failed};
}

// The same appends, each waited for before the next: one transaction, one fsync per event.
run_result one_by_one(const std::filesystem::path& parent, std::int64_t events) {
    scratch_dir dir(parent);
    auto store = sqlite_store::open(dir.database());
    const auto ids = declare(*store, 1);
    std::int64_t failed = 0;
    const auto start = clock_type::now();
    for (std::int64_t n = 0; n < events; ++n) {
        store->append({chat_event(ids[0], "C0", n)}, [&failed](append_result r) {
            if (!r.ok()) ++failed;
        });
        store->flush();
    }
    const std::chrono::duration<double> elapsed = clock_type::now() - start;
    return {static_cast<double>(events) / elapsed.count(), failed};
}

template <class F>
double median_of_runs(const char* label, F run) {
    std::vector<double> rates;
    std::printf("%s:", label);
    for (int i = 0; i < runs; ++i) {
        const auto r = run();
        if (r.failed != 0) {
            std::printf("\n%lld appends failed\n", static_cast<long long>(r.failed));
            std::exit(1);
        }
        rates.push_back(r.per_second);
        std::printf(" %.0f", r.per_second);
        std::fflush(stdout);
    }
    std::sort(rates.begin(), rates.end());
    const double median = rates[rates.size() / 2];
    std::printf("  -> median %.0f appends/s\n", median);
    return median;
}

std::int64_t number_argument(char** argv, int index, int argc, std::int64_t fallback) {
    if (index >= argc) return fallback;
    const long long value = std::atoll(argv[index]);
    if (value <= 0) {
        std::fprintf(stderr, "%s: expected a positive number, got '%s'\n", argv[0], argv[index]);
        std::exit(2);
    }
    return value;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
        std::printf(
            "usage: %s [events=200000] [producers=8] [one-by-one events=2000] [dir=$TMPDIR]\n",
            argv[0]);
        return 0;
    }
    const auto events = number_argument(argv, 1, argc, 200'000);
    const auto producers = static_cast<int>(number_argument(argv, 2, argc, 8));
    const auto single = number_argument(argv, 3, argc, 2'000);
    const std::filesystem::path parent =
        argc > 4 ? std::filesystem::path(argv[4]) : std::filesystem::temp_directory_path();

    std::printf("SQLite event store, WAL, synchronous=FULL, files under %s; %d runs each\n",
                parent.c_str(), runs);
    char label[128];
    std::snprintf(label, sizeof label, "group commit, %d producers, %lld events", producers,
                  static_cast<long long>(events));
    const double grouped_rate =
        median_of_runs(label, [&] { return grouped(parent, events, producers); });
    std::snprintf(label, sizeof label, "one transaction per event, %lld events",
                  static_cast<long long>(single));
    const double single_rate = median_of_runs(label, [&] { return one_by_one(parent, single); });
    std::printf("group commit is %.0fx one transaction per event\n", grouped_rate / single_rate);
    return 0;
}
