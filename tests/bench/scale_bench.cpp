// Scribe at scale: start-up and command latency with a store of 10,000 closed incidents and
// 1,000,000 events against an empty one, and memory while processing a long stream.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bot/store/sqlite_store.hpp"
#include "tests/bench/bench_support.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/child_process.hpp"

namespace {

using namespace std::chrono_literals;
using scribe::fakes::fake_slack;
using scribe::testing::child_process;
using scribe::testing::temp_dir;
namespace model = scribe::model;
using scribe::bench::percentile;
using scribe::bench::scribe_environment;

long rss_kib(pid_t pid) { return scribe::bench::status_kib(pid, "VmRSS:"); }

// `incidents` closed incidents of `per_incident` events each, in channels of their own.
void fill_store(const std::string& path, int incidents, int per_incident) {
    auto store = scribe::store::sqlite_store::open(path);
    const model::person who{"slack", "U0ALICE01", "Alice"};
    const model::timestamp start{std::chrono::milliseconds{1'700'000'000'000}};
    for (int i = 0; i < incidents; ++i) {
        std::vector<model::event> batch;
        const std::string channel = "CHIST" + std::to_string(i);
        auto add = [&](model::event_payload data) {
            model::event e;
            e.occurred_at = e.recorded_at =
                start + std::chrono::seconds(static_cast<long>(i) * 1000 + static_cast<long>(batch.size()));
            e.actor = who;
            e.source = {"slack", channel, std::to_string(batch.size()), 0};
            e.data = std::move(data);
            batch.push_back(std::move(e));
        };
        add(model::payload::declared{"Past incident " + std::to_string(i), model::severity::sev3});
        for (int n = 0; n < per_incident - 3; ++n) {
            add(model::payload::entry_added{model::entry_type::note,
                                            "entry " + std::to_string(n) + " of a past incident",
                                            {}, {}, {}});
        }
        add(model::payload::status_changed{model::phase::resolved});
        add(model::payload::status_changed{model::phase::closed});
        store->append(std::move(batch), {});
    }
    store->flush();
}

struct startup {
    double connect_ms = 0;    // exec to the Socket Mode link being open
    double first_ack_ms = 0;  // exec to the ack of a command sent the moment the link opened
    double command_median_ms = 0;
    double command_p99_ms = 0;
};

constexpr int starts = 5;

// Starts Scribe on `db` `starts` times; each time a command goes out the moment the link is
// open, and 40 `!tl` commands at 50/s follow in the channel's incident. Medians of the starts.
startup measure(const std::string& scribe_exe, const std::string& db, const temp_dir& dir) {
    scribe::bench::workspace space(1, "CNEW");
    fake_slack& slack = *space.slack;
    const std::string& channel = space.ids.front();
    std::vector<double> connect, first_ack, latency;
    for (int start = 0; start < starts; ++start) {
        const int acked = slack.stats().acks;
        const auto begin = std::chrono::steady_clock::now();
        child_process bot({"--db", db, "run"}, scribe_environment(slack), dir.path(), scribe_exe);
        slack.wait_for([&] { return slack.stats().open_links >= 1; }, 60s);
        const auto since_begin = [&] {
            return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                             begin)
                .count();
        };
        connect.push_back(since_begin());
        slack.post_user_message(channel, "U0ALICE01",
                                start == 0 ? "!declare Scale check" : "!status");
        slack.wait_for([&] { return slack.stats().acks >= acked + 1; }, 30s);
        first_ack.push_back(since_begin());
        const auto first_delivery = static_cast<std::size_t>(slack.stats().envelopes_delivered);
        for (int i = 0; i < 40; ++i) {
            slack.post_user_message(channel, "U0ALICE01", "!tl scale entry " + std::to_string(i));
            std::this_thread::sleep_for(20ms);
        }
        slack.wait_for([&] { return slack.stats().acks >= acked + 41; }, 30s);
        const auto these = scribe::bench::ack_latencies_ms(slack, first_delivery);
        latency.insert(latency.end(), these.begin(), these.end());
        bot.signal(SIGTERM);
        bot.wait(30s);
        slack.wait_for([&] { return slack.stats().open_links == 0; }, 30s);
    }
    return {percentile(connect, 0.5), percentile(first_ack, 0.5), percentile(latency, 0.5),
            percentile(latency, 0.99)};
}

// RSS while Scribe takes `events` events of the benchmark's mix, as fast as it acks them.
std::vector<std::pair<int, long>> memory_over(const std::string& scribe_exe, int events,
                                              const temp_dir& dir) {
    scribe::bench::workspace space(50, "CMEM");
    fake_slack& slack = *space.slack;
    const auto& ids = space.ids;
    child_process bot({"--db", (dir / "memory.db").string(), "run"}, scribe_environment(slack),
                      dir.path(), scribe_exe);
    slack.wait_for([&] { return slack.stats().open_links >= 1; }, 60s);
    std::vector<std::pair<int, long>> samples{{0, rss_kib(bot.pid())}};
    for (int i = 0; i < events; ++i) {
        const auto& channel = ids[static_cast<std::size_t>(i) % ids.size()];
        // Incidents are declared, filled and closed over and over, so closed ones pile up.
        const int step = (i / 50) % 100;
        std::string text = "chatter " + std::to_string(i);
        if (step == 0) text = "!declare Memory drill " + std::to_string(i);
        else if (step == 99) text = "!close";
        else if (step % 10 == 0) text = "!tl memory entry " + std::to_string(i);
        slack.post_user_message(channel, "U0ALICE01", text);
        if ((i + 1) % (events / 10) == 0) {
            slack.wait_for([&] { return slack.stats().acks >= i + 1 - 200; }, 120s);
            samples.emplace_back(i + 1, rss_kib(bot.pid()));
        }
    }
    bot.signal(SIGTERM);
    bot.wait(30s);
    return samples;
}

}  // namespace

int run_scale(const std::string& scribe_exe, int events) {
    temp_dir dir;
    const std::string big = (dir / "big.db").string();
    const auto fill_begin = std::chrono::steady_clock::now();
    fill_store(big, 10'000, 100);
    std::fprintf(stderr, "scale: filled a store with 10,000 incidents, 1,000,000 events in %.0f s\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_begin).count());
    const auto empty_run = measure(scribe_exe, (dir / "empty.db").string(), dir);
    const auto big_run = measure(scribe_exe, big, dir);
    std::printf("\n| store | start-up: exec to link open | exec to first command acked | "
                "command ack median | p99 |\n");
    std::printf("|---|---|---|---|---|\n");
    std::printf("| empty | %.0f ms | %.0f ms | %.2f ms | %.2f ms |\n", empty_run.connect_ms,
                empty_run.first_ack_ms, empty_run.command_median_ms, empty_run.command_p99_ms);
    std::printf("| 10,000 closed incidents, 1,000,000 events | %.0f ms | %.0f ms | %.2f ms | "
                "%.2f ms |\n",
                big_run.connect_ms, big_run.first_ack_ms, big_run.command_median_ms,
                big_run.command_p99_ms);
    std::printf("(medians of %d starts; 40 `!tl` commands at 50/s after each)\n", starts);

    std::fprintf(stderr, "scale: memory over %d events\n", events);
    const auto samples = memory_over(scribe_exe, events, dir);
    std::printf("\n| events processed | RSS |\n|---|---|\n");
    for (const auto& [processed, kib] : samples) {
        std::printf("| %d | %.1f MiB |\n", processed, static_cast<double>(kib) / 1024.0);
    }
    std::printf("(incidents declared, filled and closed over and over in 50 channels: %d closed)\n",
                events / 5000 * 50);
    return 0;
}
