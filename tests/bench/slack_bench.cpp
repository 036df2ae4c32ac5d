// `scribe run` against the fake Slack on loopback over TLS: a stream of events_api envelopes
// (85% chatter, 10% `!tl` entries, 4% reactions, 1% other commands across incident channels),
// pushed as fast as the fake takes them or at a fixed offered rate. Prints events acked per second, ack latency (median,
// p99, max) and Scribe's peak RSS; checks every entry is stored exactly once.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/fake_slack.hpp"
#include "tests/support/child_process.hpp"

namespace {

using namespace std::chrono_literals;
using scribe::fakes::fake_slack;
using scribe::testing::child_process;
using scribe::testing::temp_dir;

long peak_rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
    return values[index];
}

}  // namespace

int main(int argc, char** argv) {
    const int events = argc > 1 ? std::stoi(argv[1]) : 20'000;
    const int channels = argc > 2 ? std::stoi(argv[2]) : 50;
    const int rate = argc > 3 ? std::stoi(argv[3]) : 0;  // events per second; 0: as fast as taken

    scribe::fakes::fake_slack_options options;
    options.keep_envelopes = false;
    options.emit_api_side_effect_events = false;
    fake_slack slack(options);
    slack.add_user({"U0ALICE01", "alice", "Alice Example", "Alice"});
    std::vector<std::string> ids;
    for (int c = 0; c < channels; ++c) {
        char id[16];
        std::snprintf(id, sizeof id, "C%08d", c);
        ids.emplace_back(id);
        slack.add_channel({id, "inc-" + std::to_string(c), {"U0ALICE01"}});
    }
    slack.start();

    temp_dir dir;
    const std::vector<std::string> environment{
        "SCRIBE_SLACK_APP_TOKEN=" + options.app_token, "SCRIBE_SLACK_BOT_TOKEN=" + options.bot_token,
        "SCRIBE_SLACK_API_URL=" + slack.api_base_url(),
        "SCRIBE_TLS_CA_FILE=" + slack.ca_file().string(), "SCRIBE_SLACK_MARK_EMOJI=",
        "SCRIBE_LOG_LEVEL=warn"};
    child_process bot({"--db", (dir / "bench.db").string(), "run"}, environment, dir.path());
    if (!slack.wait_for([&] { return slack.stats().open_links >= 1; }, 15s)) {
        std::fprintf(stderr, "scribe did not connect:\n%s\n", bot.err().c_str());
        return 1;
    }
    for (const auto& c : ids) slack.post_user_message(c, "U0ALICE01", "!declare Bench incident " + c);
    slack.wait_for([&] { return slack.stats().acks >= channels; }, 30s);
    const int acks_before = slack.stats().acks;

    std::mt19937 random(42);
    std::uniform_int_distribution<int> percent(0, 99);
    std::vector<std::string> last_ts(ids.size());
    int entries = 0;
    const auto begin = std::chrono::steady_clock::now();
    for (int i = 0; i < events; ++i) {
        if (rate > 0) {
            std::this_thread::sleep_until(begin + std::chrono::microseconds(1'000'000LL * i / rate));
        }
        const std::size_t c = static_cast<std::size_t>(i) % ids.size();
        const int roll = percent(random);
        if (roll < 85) {
            last_ts[c] = slack.post_user_message(ids[c], "U0ALICE01", "chatter " + std::to_string(i)).ts;
        } else if (roll < 95) {
            slack.post_user_message(ids[c], "U0ALICE01", "!tl bench entry " + std::to_string(i));
            ++entries;
        } else if (roll < 99 && !last_ts[c].empty()) {
            slack.add_reaction(ids[c], "U0ALICE01", last_ts[c], "eyes");
        } else {
            slack.post_user_message(ids[c], "U0ALICE01", "!sev 2");
        }
    }
    const int pushed = slack.stats().envelopes_delivered;
    const bool done = slack.wait_for(
        [&] { return slack.stats().acks - acks_before >= pushed - channels; }, 300s);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();

    std::map<std::string, std::chrono::system_clock::time_point> delivered;
    for (const auto& d : slack.deliveries()) delivered.emplace(d.envelope_id, d.at);
    std::vector<double> latency_ms;
    for (const auto& a : slack.acks()) {
        const auto it = delivered.find(a.envelope_id);
        if (it != delivered.end()) {
            latency_ms.push_back(std::chrono::duration<double, std::milli>(a.at - it->second).count());
        }
    }
    const long rss = peak_rss_kib(bot.pid());
    bot.signal(SIGTERM);
    bot.wait(30s);

    const auto exported = scribe::testing::run_scribe({"--db", (dir / "bench.db").string(), "export"});
    std::map<std::string, int> stored;
    std::istringstream lines(exported.out);
    for (std::string line; std::getline(lines, line);) {
        const auto e = nlohmann::json::parse(line);
        if (e.at("kind") == "entry_added") ++stored[e.at("payload").at("text").get<std::string>()];
    }
    const bool exactly_once =
        static_cast<int>(stored.size()) == entries &&
        std::all_of(stored.begin(), stored.end(), [](const auto& s) { return s.second == 1; });

    std::printf("events pushed        %d (%d channels, %d timeline entries), offered %s\n",
                pushed - channels, channels, entries,
                rate > 0 ? (std::to_string(rate) + "/s").c_str() : "as fast as taken");
    std::printf("all acked            %s in %.2f s\n", done ? "yes" : "NO", seconds);
    std::printf("events acked / s     %.0f\n", (pushed - channels) / seconds);
    std::printf("ack latency ms       median %.2f  p99 %.2f  max %.2f\n",
                percentile(latency_ms, 0.5), percentile(latency_ms, 0.99),
                percentile(latency_ms, 1.0));
    std::printf("peak RSS             %.1f MiB\n", static_cast<double>(rss) / 1024.0);
    std::printf("entries stored once  %s (%zu of %d)\n", exactly_once ? "yes" : "NO", stored.size(),
                entries);
    return done && exactly_once ? 0 : 1;
}
