// `scribe-bench`: Scribe against the ceiling of the transport and against a Bolt peer, side by
// side on the same fake Slack (Socket Mode over TLS on loopback), then Scribe at scale.
//
// The load is a stream of events_api envelopes across 50 channels with open incidents: 85%
// chatter, 10% `!tl` entries, 4% reactions, 1% other commands. Each target runs it twice per
// round: at a fixed offered 1,000 events/s (ack and reply latency) and as fast as acks come back
// (sustained events/s, CPU, peak RSS). Rounds repeat; the table shows medians.
//
// "Scribe on PostgreSQL" is Scribe with its store on a PostgreSQL server on loopback, started by
// the bench (Debian's, fsync on); with it, the bench also times takeovers: two replicas, the
// active SIGKILLed, until the standby acks.
//
//   scribe-bench [--rounds N] [--events N] [--flat-events N]
//                [--targets scribe,postgres,bolt,ceiling] [--bolt-dir DIR]
//                [--scale-events N] [--no-scale]
// The Bolt peer needs `npm install` in DIR (scripts/bench does it).
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/net/http_client.hpp"
#include "adapters/net/tls.hpp"
#include "adapters/net/websocket_client.hpp"
#include "tests/bench/bench_support.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/pg_server.hpp"

namespace {

using namespace std::chrono_literals;
using scribe::fakes::fake_slack;
using scribe::testing::child_process;
using scribe::testing::temp_dir;
using wall = std::chrono::system_clock;
using scribe::bench::percentile;

constexpr int channel_count = 50;

// ---- Measuring a process ------------------------------------------------------------------

// User plus system CPU seconds the process has used so far.
double cpu_seconds(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string skip;
    for (int i = 3; i < 14; ++i) fields >> skip;  // fields 3..13
    double user = 0, system = 0;
    fields >> user >> system;
    return (user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double median(std::vector<double> values) { return percentile(std::move(values), 0.5); }

// ---- The ceiling: a Socket Mode client that acks each envelope the moment it arrives ---------

namespace net = scribe::adapters::net;

// Built outside the coroutine: g++ 12 mishandles braced temporaries inside one.
net::http_request connections_open(const net::url& base, const std::string& app_token) {
    net::http_request open;
    open.method = "POST";
    open.target = base.path + "apps.connections.open";
    open.headers.emplace_back("Authorization", "Bearer " + app_token);
    open.content_type = "application/x-www-form-urlencoded";
    return open;
}

// Opens the link (apps.connections.open, then the websocket) and acks by the envelope_id found
// in each frame, with no other parsing, no store, no replies.
boost::asio::awaitable<void> ack_everything(boost::asio::any_io_executor executor,
                                            std::shared_ptr<boost::asio::ssl::context> tls,
                                            net::url base, std::string app_token) {
    net::http_client http(executor, tls, base);
    const auto answer = co_await http.request(connections_open(base, app_token));
    const auto address = net::parse_url(nlohmann::json::parse(answer.body).at("url").get<std::string>());
    const net::websocket_options options;
    auto socket = co_await net::websocket_connection::connect(executor, tls, *address, options);
    while (auto frame = co_await socket->read()) {
        const auto& text = frame->data;
        const auto key = text.find("\"envelope_id\":\"");
        if (key == std::string::npos) continue;
        const auto start = key + 15;
        const auto end = text.find('"', start);
        socket->send("{\"envelope_id\":\"" + text.substr(start, end - start) + "\"}");
    }
}

int run_ceiling_client(const std::string& api_url, const std::string& app_token,
                       const std::string& ca_file) {
    boost::asio::io_context io(1);
    const auto base = net::parse_url(api_url);
    if (!base) return 2;
    int status = 0;
    boost::asio::co_spawn(io,
                          ack_everything(io.get_executor(), net::make_client_context({ca_file}),
                                         *base, app_token),
                          [&status](std::exception_ptr failure) {
                              if (failure) status = 1;
                          });
    io.run();
    return status;
}

// ---- One run of one target ----------------------------------------------------------------

enum class target { scribe, scribe_postgres, bolt, ceiling };

const char* name_of(target t) {
    switch (t) {
        case target::scribe:
            return "Scribe";
        case target::scribe_postgres:
            return "Scribe on PostgreSQL";
        case target::bolt:
            return "Bolt peer";
        case target::ceiling:
            return "ceiling";
    }
    return "?";
}

struct settings {
    int rounds = 3;
    int events = 10'000;       // at the fixed rate
    int flat_events = 20'000;  // as fast as acks come back
    int rate = 1'000;
    std::vector<target> targets{target::scribe, target::scribe_postgres, target::bolt,
                                target::ceiling};
    std::string bolt_dir;
    int scale_events = 1'000'000;
    bool scale = true;
    std::string self;
};

struct run_result {
    bool ok = false;
    double events_per_second = 0;
    std::vector<double> ack_ms;
    std::vector<double> reply_ms;
    double peak_rss_mib = 0;
    double cpu_per_100k = 0;
    int entries = 0;
    std::optional<bool> exactly_once;  // nullopt for the ceiling, which stores nothing
    int drops = 0;                     // links dropped during the run
    int missing = 0;                   // entries pushed and not stored
    int doubled = 0;                   // entries stored more than once
    int given_up = 0;                  // envelopes the fake stopped redelivering
};

// A PostgreSQL server on loopback for the whole run, committing to the disk as in production.
scribe::testing::pg_server& bench_postgres() {
    static scribe::testing::pg_server server(true);
    return server;
}

// Where a target keeps its store: a file in `dir`, or a fresh PostgreSQL database.
std::string store_for(target t, const temp_dir& dir) {
    static int databases = 0;
    if (t == target::scribe_postgres) {
        return bench_postgres().create_database("bench_" + std::to_string(++databases));
    }
    return (dir / "bench.db").string();
}

// Scribe's arguments and environment for the store `db` of target `t`.
std::vector<std::string> store_arguments(target t, const std::string& db) {
    return t == target::scribe_postgres ? std::vector<std::string>{}
                                        : std::vector<std::string>{"--db", db};
}
std::vector<std::string> store_environment(target t, const std::string& db) {
    return t == target::scribe_postgres ? std::vector<std::string>{"SCRIBE_STORE_URL=" + db}
                                        : std::vector<std::string>{};
}

std::map<std::string, int> stored_entries(target t, const std::string& db) {
    std::map<std::string, int> stored;
    if (t == target::scribe || t == target::scribe_postgres) {
        auto args = store_arguments(t, db);
        args.push_back("export");
        const auto exported = scribe::testing::run_scribe(args, {}, store_environment(t, db));
        std::istringstream lines(exported.out);
        for (std::string line; std::getline(lines, line);) {
            const auto e = nlohmann::json::parse(line);
            if (e.at("kind") == "entry_added") ++stored[e.at("payload").at("text").get<std::string>()];
        }
    } else if (t == target::bolt) {
        sqlite3* handle = nullptr;
        if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
            sqlite3_stmt* query = nullptr;
            sqlite3_prepare_v2(handle, "SELECT text FROM entries", -1, &query, nullptr);
            while (query && sqlite3_step(query) == SQLITE_ROW) {
                ++stored[reinterpret_cast<const char*>(sqlite3_column_text(query, 0))];
            }
            sqlite3_finalize(query);
        }
        sqlite3_close(handle);
    }
    return stored;
}

std::unique_ptr<child_process> launch(target t, const settings& s, const fake_slack& slack,
                                      const temp_dir& dir, const std::string& db) {
    const auto& options = slack.options();
    switch (t) {
        case target::scribe:
        case target::scribe_postgres: {
            auto args = store_arguments(t, db);
            args.push_back("run");
            auto environment = scribe::bench::scribe_environment(slack);
            for (auto& e : store_environment(t, db)) environment.push_back(std::move(e));
            return std::make_unique<child_process>(args, environment, dir.path());
        }
        case target::bolt:
            return std::make_unique<child_process>(
                std::vector<std::string>{"node", s.bolt_dir + "/peer.js"},
                std::vector<std::string>{"SLACK_APP_TOKEN=" + options.app_token,
                                         "SLACK_BOT_TOKEN=" + options.bot_token,
                                         "SLACK_API_URL=" + slack.api_base_url(),
                                         "NODE_EXTRA_CA_CERTS=" + slack.ca_file().string(),
                                         "PEER_DB=" + db},
                dir.path(), "/usr/bin/env");
        case target::ceiling:
            return std::make_unique<child_process>(
                std::vector<std::string>{"--ceiling-client", slack.api_base_url(), options.app_token,
                                         slack.ca_file().string()},
                std::vector<std::string>{}, dir.path(), s.self);
    }
    return nullptr;
}

// `rate` 0: as fast as the fake takes them. `drop_links`: the fake drops the link every 2 s
// while the load runs; unacked envelopes come again on the new link.
run_result run_once(target t, const settings& s, int events, int rate, bool drop_links = false) {
    run_result result;
    scribe::bench::workspace space(channel_count, "CBENCH");
    fake_slack& slack = *space.slack;
    const auto& ids = space.ids;
    temp_dir dir;
    const std::string db = store_for(t, dir);
    auto bot = launch(t, s, slack, dir, db);
    if (!slack.wait_for([&] { return slack.stats().open_links >= 1; }, 30s)) {
        std::fprintf(stderr, "%s did not connect:\n%s\n", name_of(t), bot->err().c_str());
        return result;
    }
    for (const auto& c : ids) slack.post_user_message(c, "U0ALICE01", "!declare Bench incident " + c);
    slack.wait_for([&] { return slack.stats().acks >= channel_count; }, 30s);
    if (t != target::ceiling) {
        slack.wait_for([&] { return slack.requests("chat.postMessage").size() >= ids.size(); }, 30s);
    }
    const int acks_before = slack.stats().acks;
    const int delivered_before = slack.stats().envelopes_delivered;

    // The mix, decided up front with a fixed seed, so every target gets the same stream.
    std::mt19937 random(42);
    std::uniform_int_distribution<int> percent(0, 99);
    std::vector<scribe::fakes::load_step> steps;
    steps.reserve(static_cast<std::size_t>(events));
    for (int i = 0; i < events; ++i) {
        const auto& channel = ids[static_cast<std::size_t>(i) % ids.size()];
        const int roll = percent(random);
        if (roll < 85) {
            steps.push_back({channel, "U0ALICE01", "chatter " + std::to_string(i), {}});
        } else if (roll < 95) {
            steps.push_back({channel, "U0ALICE01", "!tl bench entry " + std::to_string(i), {}});
        } else if (roll < 99) {
            steps.push_back({channel, "U0ALICE01", {}, "eyes"});
        } else {
            steps.push_back({channel, "U0ALICE01", "!sev 2", {}});
        }
    }
    std::map<std::string, wall::time_point> entry_pushed;  // "bench entry i" -> when
    auto note_entries = [&](std::size_t from, std::size_t to) {
        const auto now = wall::now();
        for (std::size_t i = from; i < to; ++i) {
            if (steps[i].text.rfind("!tl ", 0) == 0) entry_pushed[steps[i].text.substr(4)] = now;
        }
    };
    const double cpu_before = cpu_seconds(bot->pid());
    const auto begin = std::chrono::steady_clock::now();
    std::atomic<bool> loaded{false};
    std::thread dropper([&] {
        if (!drop_links) return;
        while (!loaded) {
            for (int i = 0; i < 20 && !loaded; ++i) std::this_thread::sleep_for(100ms);
            if (loaded) break;
            slack.drop_link();
            ++result.drops;
        }
    });
    if (rate > 0) {
        for (std::size_t i = 0; i < steps.size(); ++i) {
            std::this_thread::sleep_until(begin + std::chrono::microseconds(1'000'000LL *
                                                                            static_cast<long long>(i) / rate));
            note_entries(i, i + 1);
            slack.push_load({steps[i]});
        }
    } else {
        constexpr std::size_t chunk = 250;
        for (std::size_t from = 0; from < steps.size(); from += chunk) {
            const std::size_t to = std::min(steps.size(), from + chunk);
            note_entries(from, to);
            slack.push_load({steps.begin() + static_cast<std::ptrdiff_t>(from),
                             steps.begin() + static_cast<std::ptrdiff_t>(to)});
        }
    }
    int pushed = slack.stats().envelopes_delivered - delivered_before;
    bool acked = false;
    if (drop_links) {
        // Keep dropping until the load is in, then wait for every envelope to be acked once.
        acked = slack.wait_for(
            [&] {
                const auto stats = slack.stats();
                return stats.pending_acks == 0 && stats.backlog == 0;
            },
            300s);
        loaded = true;
        dropper.join();
        acked = acked && slack.wait_for(
                             [&] {
                                 const auto stats = slack.stats();
                                 return stats.pending_acks == 0 && stats.backlog == 0 &&
                                        stats.open_links >= 1;
                             },
                             60s);
        pushed = static_cast<int>(steps.size());
        result.given_up = slack.stats().envelopes_given_up;
    } else {
        loaded = true;
        dropper.join();
        acked = slack.wait_for([&] { return slack.stats().acks - acks_before >= pushed; }, 300s);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    const double cpu = cpu_seconds(bot->pid()) - cpu_before;
    if (t != target::ceiling) {
        // Replies may trail the acks (Bolt acks first).
        slack.wait_for(
            [&] {
                return slack.requests("chat.postMessage").size() >= ids.size() + entry_pushed.size();
            },
            60s);
    }

    // Only what was pushed in the measured window: not the declarations before it.
    result.ack_ms = scribe::bench::ack_latencies_ms(slack, static_cast<std::size_t>(delivered_before));
    for (const auto& r : slack.requests("chat.postMessage")) {
        const auto text = r.args.value("text", std::string());
        const auto at = text.find("bench entry ");
        if (at == std::string::npos) continue;
        auto key = text.substr(at);
        key = key.substr(0, key.find_first_not_of("bench entry 0123456789"));
        if (const auto it = entry_pushed.find(key); it != entry_pushed.end()) {
            result.reply_ms.push_back(std::chrono::duration<double, std::milli>(r.at - it->second).count());
        }
    }
    result.peak_rss_mib = static_cast<double>(scribe::bench::status_kib(bot->pid(), "VmHWM:")) / 1024.0;
    bot->signal(SIGTERM);
    bot->wait(30s);

    result.entries = static_cast<int>(entry_pushed.size());
    result.events_per_second = pushed / seconds;
    result.cpu_per_100k = cpu / pushed * 100'000;
    if (t != target::ceiling) {
        const auto stored = stored_entries(t, db);
        for (const auto& [text, at] : entry_pushed) {
            const auto it = stored.find(text);
            if (it == stored.end()) ++result.missing;
            if (it != stored.end() && it->second > 1) ++result.doubled;
        }
        result.exactly_once = result.missing == 0 && result.doubled == 0;
    }
    result.ok = acked;
    return result;
}

// ---- The table ------------------------------------------------------------------------------

struct summary {
    double events_per_second = 0;
    double ack_median = 0, ack_p99 = 0, ack_max = 0;
    double reply_median = 0, reply_p99 = 0;
    double peak_rss = 0;
    double cpu_per_100k = 0;
    bool all_ok = true;
    std::string exactly_once = "n/a";
};

summary summarise(const std::vector<run_result>& fixed, const std::vector<run_result>& flat) {
    summary out;
    std::vector<double> eps, ack50, ack99, ackmax, reply50, reply99, rss, cpu;
    bool once = true, checked = false;
    for (const auto& r : fixed) {
        ack50.push_back(percentile(r.ack_ms, 0.5));
        ack99.push_back(percentile(r.ack_ms, 0.99));
        ackmax.push_back(percentile(r.ack_ms, 1.0));
        reply50.push_back(percentile(r.reply_ms, 0.5));
        reply99.push_back(percentile(r.reply_ms, 0.99));
        rss.push_back(r.peak_rss_mib);
        out.all_ok = out.all_ok && r.ok;
        if (r.exactly_once) {
            checked = true;
            once = once && *r.exactly_once;
        }
    }
    for (const auto& r : flat) {
        eps.push_back(r.events_per_second);
        rss.push_back(r.peak_rss_mib);
        cpu.push_back(r.cpu_per_100k);
        out.all_ok = out.all_ok && r.ok;
        if (r.exactly_once) {
            checked = true;
            once = once && *r.exactly_once;
        }
    }
    out.events_per_second = median(eps);
    out.ack_median = median(ack50);
    out.ack_p99 = median(ack99);
    out.ack_max = median(ackmax);
    out.reply_median = median(reply50);
    out.reply_p99 = median(reply99);
    out.peak_rss = rss.empty() ? 0 : *std::max_element(rss.begin(), rss.end());
    out.cpu_per_100k = median(cpu);
    if (checked) out.exactly_once = once ? "yes" : "NO";
    return out;
}

void print_table(const settings& s, const std::map<target, summary>& results) {
    std::printf("\n| | sustained events/s | ack median ms | ack p99 ms | ack max ms | reply median "
                "ms | reply p99 ms | peak RSS MiB | CPU s / 100k events | entries once |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& [t, r] : results) {
        const bool replies = t != target::ceiling;
        std::printf("| %s | %.0f | %.2f | %.2f | %.1f | %s | %s | %.1f | %.1f | %s |\n", name_of(t),
                    r.events_per_second, r.ack_median, r.ack_p99, r.ack_max,
                    replies ? std::to_string(r.reply_median).substr(0, 5).c_str() : "–",
                    replies ? std::to_string(r.reply_p99).substr(0, 5).c_str() : "–", r.peak_rss,
                    r.cpu_per_100k, r.exactly_once.c_str());
    }
    const auto ratio = [&](target a, target b, double summary::*field) -> std::string {
        if (!results.contains(a) || !results.contains(b)) return "–";
        const double below = results.at(b).*field;
        if (below <= 0) return "–";
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f×", results.at(a).*field / below);
        return buf;
    };
    std::printf("\n| ratio | sustained events/s | ack p99 | reply p99 | peak RSS | CPU / event |\n");
    std::printf("|---|---|---|---|---|---|\n");
    std::printf("| Scribe / Bolt peer | %s | %s | %s | %s | %s |\n",
                ratio(target::scribe, target::bolt, &summary::events_per_second).c_str(),
                ratio(target::scribe, target::bolt, &summary::ack_p99).c_str(),
                ratio(target::scribe, target::bolt, &summary::reply_p99).c_str(),
                ratio(target::scribe, target::bolt, &summary::peak_rss).c_str(),
                ratio(target::scribe, target::bolt, &summary::cpu_per_100k).c_str());
    std::printf("| Scribe on PostgreSQL / Scribe | %s | %s | %s | %s | %s |\n",
                ratio(target::scribe_postgres, target::scribe, &summary::events_per_second).c_str(),
                ratio(target::scribe_postgres, target::scribe, &summary::ack_p99).c_str(),
                ratio(target::scribe_postgres, target::scribe, &summary::reply_p99).c_str(),
                ratio(target::scribe_postgres, target::scribe, &summary::peak_rss).c_str(),
                ratio(target::scribe_postgres, target::scribe, &summary::cpu_per_100k).c_str());
    std::printf("| Scribe / ceiling | %s | %s | – | %s | %s |\n",
                ratio(target::scribe, target::ceiling, &summary::events_per_second).c_str(),
                ratio(target::scribe, target::ceiling, &summary::ack_p99).c_str(),
                ratio(target::scribe, target::ceiling, &summary::peak_rss).c_str(),
                ratio(target::scribe, target::ceiling, &summary::cpu_per_100k).c_str());
    std::printf("\nFixed load: %d events offered at %d/s; sustained: %d events as fast as acks "
                "come back; medians of %d rounds, peak RSS the highest seen.\n",
                s.events, s.rate, s.flat_events, s.rounds);
}

// Two replicas on one PostgreSQL store, the active one SIGKILLed with a command waiting: the
// time from the kill to the standby's ack of that command. Five kills; the median.
bool time_takeovers(const settings& s) {
    constexpr int kills = 5;
    std::vector<double> takeover_ms;
    for (int kill = 1; kill <= kills; ++kill) {
        std::fprintf(stderr, "takeover %d of %d\n", kill, kills);
        scribe::bench::workspace space(1, "CTAKE");
        fake_slack& slack = *space.slack;
        temp_dir first_dir;
        temp_dir second_dir;
        const std::string db = store_for(target::scribe_postgres, first_dir);
        auto active = launch(target::scribe_postgres, s, slack, first_dir, db);
        if (!slack.wait_for([&] { return slack.stats().open_links == 1; }, 30s)) return false;
        auto standby = launch(target::scribe_postgres, s, slack, second_dir, db);
        // The standby is waiting once it has tried the lease and logged that it stands by.
        std::this_thread::sleep_for(2s);
        slack.post_user_message(space.ids[0], "U0ALICE01", "!declare Takeover");
        if (!slack.wait_for([&] { return slack.stats().acks >= 1; }, 30s)) return false;
        const int acks = slack.stats().acks;
        active->signal(SIGKILL);
        const auto killed = std::chrono::steady_clock::now();
        slack.post_user_message(space.ids[0], "U0ALICE01", "!tl after the kill");
        if (!slack.wait_for([&] { return slack.stats().acks > acks; }, 60s)) {
            std::fprintf(stderr, "the standby never acked:\n%s\n", standby->err().c_str());
            return false;
        }
        takeover_ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - killed)
                .count());
    }
    std::printf(
        "\nTakeover on PostgreSQL, from SIGKILL of the active to the standby's first "
        "ack, %d kills: median %.0f ms (fastest %.0f, slowest %.0f)\n",
        kills, median(takeover_ms), *std::min_element(takeover_ms.begin(), takeover_ms.end()),
        *std::max_element(takeover_ms.begin(), takeover_ms.end()));
    return true;
}

settings parse(int argc, char** argv) {
    settings s;
    s.self = std::filesystem::canonical("/proc/self/exe").string();
    for (int i = 1; i + 1 < argc || (i < argc && std::string(argv[i]) == "--no-scale"); ++i) {
        const std::string flag = argv[i];
        if (flag == "--no-scale") {
            s.scale = false;
            continue;
        }
        const std::string value = argv[++i];
        if (flag == "--rounds") s.rounds = std::stoi(value);
        if (flag == "--events") s.events = std::stoi(value);
        if (flag == "--flat-events") s.flat_events = std::stoi(value);
        if (flag == "--bolt-dir") s.bolt_dir = value;
        if (flag == "--scale-events") s.scale_events = std::stoi(value);
        if (flag == "--targets") {
            s.targets.clear();
            std::istringstream names(value);
            for (std::string n; std::getline(names, n, ',');) {
                if (n == "scribe") s.targets.push_back(target::scribe);
                if (n == "postgres") s.targets.push_back(target::scribe_postgres);
                if (n == "bolt") s.targets.push_back(target::bolt);
                if (n == "ceiling") s.targets.push_back(target::ceiling);
            }
        }
    }
    return s;
}

}  // namespace

int run_scale(const std::string& scribe_exe, int events);

int main(int argc, char** argv) {
    if (argc == 5 && std::string(argv[1]) == "--ceiling-client") {
        return run_ceiling_client(argv[2], argv[3], argv[4]);
    }
    settings s = parse(argc, argv);
    if (s.bolt_dir.empty()) {
        s.targets.erase(std::remove(s.targets.begin(), s.targets.end(), target::bolt), s.targets.end());
        std::fprintf(stderr, "no --bolt-dir: the Bolt peer is left out\n");
    }
    std::map<target, std::vector<run_result>> fixed, flat;
    for (int round = 1; round <= s.rounds; ++round) {
        // Targets take turns within a round, so a noisy minute hits all of them alike.
        for (const auto t : s.targets) {
            std::fprintf(stderr, "round %d: %s at %d/s\n", round, name_of(t), s.rate);
            fixed[t].push_back(run_once(t, s, s.events, s.rate));
            std::fprintf(stderr, "round %d: %s flat out\n", round, name_of(t));
            flat[t].push_back(run_once(t, s, s.flat_events, 0));
        }
    }
    std::map<target, summary> results;
    bool ok = true;
    for (const auto t : s.targets) {
        results[t] = summarise(fixed[t], flat[t]);
        ok = ok && results[t].all_ok && results[t].exactly_once != "NO";
    }
    print_table(s, results);
    if (std::find(s.targets.begin(), s.targets.end(), target::scribe) != s.targets.end()) {
        // At the sustained rate, not flat out: flat out the fake queues tens of thousands of
        // envelopes at once, and like Slack it gives up on one after 3 unacked deliveries.
        std::fprintf(stderr, "Scribe at %d/s with the link dropped every 2 s\n", s.rate);
        const auto dropped = run_once(target::scribe, s, s.flat_events, s.rate, true);
        std::printf("\nScribe, %d events at %d/s, the link dropped every 2 s: %d drops, "
                    "all acked %s, every entry stored exactly once: %s (%d missing, %d doubled; "
                    "the fake gave up on %d envelopes)\n",
                    s.flat_events, s.rate, dropped.drops, dropped.ok ? "yes" : "NO",
                    dropped.exactly_once.value_or(false) ? "yes" : "NO", dropped.missing,
                    dropped.doubled, dropped.given_up);
        ok = ok && dropped.ok && dropped.exactly_once.value_or(false);
    }
    if (std::find(s.targets.begin(), s.targets.end(), target::scribe_postgres) != s.targets.end()) {
        ok = time_takeovers(s) && ok;
    }
    if (s.scale) ok = run_scale(SCRIBE_EXE, s.scale_events) == 0 && ok;
    return ok ? 0 : 1;
}
