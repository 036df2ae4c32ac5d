// `scribe run`: the long-lived bot. One loop on the main thread carries the adapters, each
// kept running by its supervisor, the router and the health listener; the router's store
// reads (and the lease's round trips) run on a reader thread, and the store commits on its
// thread; each posts completions back.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <memory>
#include <set>
#include <thread>

#include "adapters/net/constants.hpp"
#include "adapters/net/http_server.hpp"
#include "adapters/net/tls.hpp"
#include "adapters/supervisor.hpp"
#include "bot/app/cli.hpp"
#include "bot/app/health.hpp"
#include "bot/app/logging.hpp"
#include "bot/app/router.hpp"
#include "bot/app/router_port.hpp"
#include "bot/app/web_view.hpp"
#include "bot/store/postgres_lease.hpp"
#include "bot/store/postgres_store.hpp"
#include "bot/store/sqlite_store.hpp"

namespace scribe::app {
namespace {

namespace asio = boost::asio;
using adapters::net::nothrow;

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "unknown host";
    return name;
}

model::timestamp wall_clock() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

// How long a stop may take to finish commits in flight and send queued replies.
constexpr std::chrono::seconds drain_limit{10};
// Reminders are looked for at least this often, and as soon as one falls due.
constexpr std::chrono::seconds reminder_check{60};
// How often the store is asked for answers owed and not being sent.
constexpr std::chrono::seconds owed_answer_check{5};

// Logs what a coroutine of the service threw: each runs on its own, and one failing must not
// end the others silently.
auto log_failure(std::string what) {
    return [what = std::move(what)](std::exception_ptr failure) {
        if (!failure) return;
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            spdlog::error("{}: {}", what, e.what());
        }
    };
}

// What is missing for the configured platforms to run, or empty when they can; names the keys.
std::string missing_settings(const config& settings) {
    std::string turn_on;
    bool any = false;
    for (const auto& section : settings.platforms) {
        if (!section.settings->enabled()) {
            turn_on += (turn_on.empty() ? "" : ", or ") + std::string(section.kind->turn_on);
            continue;
        }
        any = true;
        if (auto missing = section.settings->missing(); !missing.empty()) return missing;
    }
    if (!any) return "nothing to run: configure a platform (" + turn_on + ")";
    return {};
}

// Everything the running service holds; its loops are coroutines over it.
struct service {
    const cli_context& cli;
    asio::io_context& io;
    store::event_store& store;
    router& bot;
    router_port& port;
    std::vector<std::unique_ptr<adapters::adapter>> adapters;
    std::vector<std::unique_ptr<adapters::supervisor>> supervisors;
    asio::steady_timer reminders{io};
    asio::steady_timer owed_answers{io};
    asio::signal_set hangup{io, SIGHUP};
    asio::signal_set termination{io, SIGINT, SIGTERM};
    std::unique_ptr<adapters::net::http_server> probes;
    int exit = exit_ok;
    bool stopping = false;
    // With PostgreSQL, the lease that makes this replica the active one; its round trips run
    // on `reader_io`, beside the router's reads.
    store::postgres_lease* lease = nullptr;
    store::postgres_store* shared_store = nullptr;
    asio::io_context* reader_io = nullptr;
    asio::steady_timer lease_checks{io};
    bool standing_by = false;

    adapters::adapter* adapter_for(const std::string& platform) {
        for (auto& a : adapters) {
            if (a->platform() == platform) return a.get();
        }
        return nullptr;
    }

    bool connected() const {
        return std::all_of(adapters.begin(), adapters.end(),
                           [](const auto& a) { return a->status().connected; });
    }

    std::size_t pending_replies() const {
        std::size_t total = 0;
        for (const auto& a : adapters) total += a->pending_replies();
        return total;
    }

    health_snapshot snapshot() const {
        health_snapshot now;
        for (const auto& a : adapters) {
            now.platforms.push_back({std::string(a->platform()), a->status(), a->stats()});
        }
        now.router = bot.stats();
        if (lease) {
            now.replica = replica_health{standing_by ? "standby" : "active", lease->epoch(),
                                         !standing_by && !lease->previous_holder().empty(),
                                         shared_store->reconnects()};
            if (auto outage = shared_store->outage(); !outage.empty()) {
                now.store_problem = "waiting for PostgreSQL: " + outage;
            }
        }
        if (!now.store_problem.empty()) return now;
        if (!now.router.last_store_error.empty()) {
            now.store_problem = now.router.last_store_error;
        } else if (cli.settings.store_url.empty() && ::access(cli.store_path.c_str(), W_OK) != 0) {
            now.store_problem = cli.store_path.string() + " is not writable";
        }
        return now;
    }

    // Stops taking events and lets what is in flight finish (bounded), then ends the loop.
    void begin_stop() {
        if (stopping) return;
        stopping = true;
        for (auto& s : supervisors) s->stop();
        reminders.cancel();
        owed_answers.cancel();
        lease_checks.cancel();
        hangup.cancel();
        termination.cancel();
        if (probes) probes->stop();
        asio::co_spawn(io, drain(), log_failure("stopping"));
    }

    asio::awaitable<void> drain() {
        const auto deadline = std::chrono::steady_clock::now() + drain_limit;
        asio::steady_timer wait(io);
        while (!(bot.idle() && pending_replies() == 0 && bot.answers_settled())) {
            if (std::chrono::steady_clock::now() >= deadline) {
                spdlog::warn("stopping with work unfinished; what was not acknowledged is "
                             "delivered again on the next start");
                break;
            }
            wait.expires_after(std::chrono::milliseconds(50));
            co_await wait.async_wait(nothrow);
        }
        io.stop();
    }

    // Opens the platform links and sends reminders: at once on SQLite; on PostgreSQL once this
    // replica holds the lease (a standby's Socket Mode link would take the active one's
    // events). Then it checks every second that it still does; a lease lost with its session
    // (PostgreSQL restarting) is taken again if no standby took it within the lease timeout,
    // else this replica steps down.
    asio::awaitable<void> lead() {
        if (lease) {
            standing_by = true;
            bool said = false;
            while (!stopping && !co_await take_lease()) {
                if (!said) {
                    spdlog::info("standing by: another scribe run holds the lease on {}",
                                 store_name(cli));
                }
                said = true;
                co_await pause(std::chrono::seconds(1));
            }
            if (stopping) co_return;
            standing_by = false;
            spdlog::info("active: took the lease on {} (epoch {}{})", store_name(cli),
                         lease->epoch(),
                         lease->previous_holder().empty() ? std::string()
                                                          : ", after " + lease->previous_holder());
        }
        for (auto& adapter : adapters) {
            supervisors.push_back(
                std::make_unique<adapters::supervisor>(io.get_executor(), *adapter));
            asio::co_spawn(io, supervisors.back()->run(),
                           [this](std::exception_ptr e) { on_supervisor_end(e); });
        }
        asio::co_spawn(io, remind(), log_failure("reminders"));
        asio::co_spawn(io, answer_owed(), log_failure("owed answers"));
        while (lease && !stopping) {
            co_await pause(std::chrono::seconds(1));
            if (stopping || co_await on_reader([this] { return lease->held(); })) continue;
            spdlog::warn("lost the lease on {}; taking it again unless a standby has",
                         store_name(cli));
            const auto deadline = std::chrono::steady_clock::now() + cli.settings.lease_timeout;
            bool again = false;
            while (!stopping && !(again = co_await take_lease()) &&
                   std::chrono::steady_clock::now() < deadline) {
                co_await pause(std::chrono::seconds(1));
            }
            if (again) {
                spdlog::info("active again: took the lease back (epoch {})", lease->epoch());
            } else if (!stopping) {
                stop_for("lost the lease on " + store_name(cli) +
                             "; stepping down so that a standby takes over",
                         exit_failure);
            }
        }
    }

    // One try at the lease; on success this replica's writes are fenced at its epoch.
    asio::awaitable<bool> take_lease() {
        try {
            const bool taken = co_await on_reader([this] {
                static const std::string holder =
                    host_name() + " pid " + std::to_string(::getpid());
                return lease->try_acquire(holder);
            });
            if (taken) shared_store->fence_writes(lease->epoch());
            co_return taken;
        } catch (const std::exception& e) {
            spdlog::warn("the lease on {} could not be tried: {}", store_name(cli), e.what());
        }
        co_return false;
    }

    asio::awaitable<void> pause(std::chrono::seconds how_long) {
        lease_checks.expires_after(how_long);
        co_await lease_checks.async_wait(nothrow);
    }

    // Runs `work` (a blocking round trip) on the reader thread and resumes here with its
    // result or exception.
    template <class Work>
    asio::awaitable<std::invoke_result_t<Work>> on_reader(Work work) {
        co_return co_await asio::co_spawn(
            *reader_io,
            [work]() -> asio::awaitable<std::invoke_result_t<Work>> { co_return work(); },
            asio::use_awaitable);
    }

    // Posts the reminders that fall due, once the platforms are connected (one posted before
    // would be lost), and sleeps until the next.
    asio::awaitable<void> remind() {
        while (!stopping) {
            const bool ready = connected();
            const auto now = wall_clock();
            const auto next = co_await port.remind(now, ready);
            std::chrono::milliseconds wait = ready ? reminder_check : std::chrono::seconds(5);
            if (next) {
                wait = std::clamp<std::chrono::milliseconds>(*next - now, std::chrono::seconds(1),
                                                             wait);
            }
            reminders.expires_after(wait);
            co_await reminders.async_wait(nothrow);
        }
    }

    // Sends what the store owes (answers a process before this one, or this one, could not
    // deliver) on the platforms that are connected, looking again every few seconds.
    asio::awaitable<void> answer_owed() {
        while (!stopping) {
            std::set<std::string> reachable;
            for (const auto& adapter : adapters) {
                if (adapter->status().connected) reachable.emplace(adapter->platform());
            }
            if (!reachable.empty()) co_await port.answer_owed(std::move(reachable), wall_clock());
            owed_answers.expires_after(owed_answer_check);
            co_await owed_answers.async_wait(nothrow);
        }
    }

    // SIGHUP: what can change at run time (log level, reminder intervals) without dropping a
    // connection; a file with problems is refused and the running settings stay.
    asio::awaitable<void> reload_on_hangup() {
        while (!stopping) {
            auto [ec, signal] = co_await hangup.async_wait(nothrow);
            if (ec) co_return;
            const auto reloaded = load_config(cli.config_file, environ);
            if (!reloaded.problems.empty()) {
                for (const auto& problem : reloaded.problems) {
                    spdlog::error("reload refused: {}: {}", problem.where, problem.message);
                }
                continue;
            }
            set_log_level(reloaded.values.log_level);
            port.set_reminder_policy(reloaded.values.reminders);
            reminders.cancel();  // the next due time may have moved
            spdlog::info("configuration reloaded: log level {}", reloaded.values.log_level);
        }
    }

    asio::awaitable<void> stop_on_signal() {
        auto [ec, signal] = co_await termination.async_wait(nothrow);
        if (ec) co_return;
        spdlog::info("received signal {}; stopping", signal);
        begin_stop();
    }

    // A supervisor ends only when stopped, or when a credential was refused: then the service
    // stops with its own exit status, since restarting cannot help.
    void on_supervisor_end(std::exception_ptr failure) {
        if (!failure) return;
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            stop_for(e.what(), exit_credential_refused);
        }
    }

    // A fault that ends the service is said once, in the log (on stderr, where the CLI's own
    // errors go too), and then Scribe stops with `status`.
    void stop_for(const std::string& problem, int status) {
        spdlog::error("{}", problem);
        exit = status;
        begin_stop();
    }

    void on_store_checked(const std::string& problem,
                          std::chrono::steady_clock::time_point opened) {
        if (problem.empty()) {
            spdlog::info("{} checked for damage: sound ({} ms)", cli.store_path.string(),
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - opened)
                             .count());
            return;
        }
        stop_for(problem, exit_failure);
    }
};

}  // namespace

int run_service(const cli_context& cli) {
    const config& settings = cli.settings;
    if (const auto missing = missing_settings(settings); !missing.empty()) {
        cli.err << "scribe: " << missing << "\n";
        return exit_usage;
    }
    const auto postmortem_template = configured_template(cli);
    if (!postmortem_template) return exit_usage;
    if (settings.web_port != 0) {
        if (const auto problem = web_settings_problem(settings)) {
            cli.err << "scribe: " << *problem << "\n";
            return exit_usage;
        }
    }
    asio::io_context io(1);
    // A large store takes a while to read through for damage: Scribe serves meanwhile, its
    // commits held in the WAL until the check passes (see open_options).
    service* running = nullptr;
    const auto store_opened = std::chrono::steady_clock::now();
    store::open_options store_options;
    store_options.check_in_background = true;
    store_options.on_checked = [&io, &running, store_opened](const std::string& problem) {
        asio::post(io, [&running, problem, store_opened] {
            if (running) running->on_store_checked(problem, store_opened);
        });
    };
    store_options.on_check_postponed = [&io, &cli](const std::string& reason) {
        asio::post(io, [&cli, reason] {
            spdlog::warn("{} could not be checked for damage ({}); trying again in a minute, "
                         "while what Scribe records stays in its WAL",
                         cli.store_path.string(), reason);
        });
    };
    std::unique_ptr<store::event_store> store;
    std::shared_ptr<asio::ssl::context> tls;
    try {
        if (settings.store_url.empty()) {
            store = store::sqlite_store::open(cli.store_path.string(), std::move(store_options));
        } else {
            store = store::postgres_store::open(settings.store_url, settings.store_password);
            spdlog::info("store: {}", store_name(cli));
        }
        tls = adapters::net::make_client_context({settings.tls_ca_file});
    } catch (const std::exception& e) {
        cli.err << "scribe: " << e.what() << "\n";
        return exit_failure;
    }

    // The router runs on the adapters' loop and plans from memory; its store reads and folds
    // run on a thread of their own, so they never hold up the adapters.
    asio::io_context reader_io(1);
    auto reader_work = asio::make_work_guard(reader_io);
    auto options = options_for(settings, wall_clock, *postmortem_template);
    // Reminders answer nothing: they go to the adapter of the room's platform, on its loop.
    options.announce = [&io, &running](adapters::outbound_reply reply) {
        asio::post(io, [&running, reply = std::move(reply)]() mutable {
            auto* adapter = running ? running->adapter_for(reply.platform) : nullptr;
            if (!adapter) {
                spdlog::warn("no {} connection: a message for channel {} was not posted",
                             reply.platform, reply.channel);
                if (reply.settled) reply.settled(false);
                return;
            }
            adapter->post(std::move(reply));
        });
    };
    std::vector<std::unique_ptr<adapters::adapter>> adapters;
    router bot(
        *store, options, [&io](std::function<void()> work) { asio::post(io, std::move(work)); },
        [&reader_io](std::function<void()> work) { asio::post(reader_io, std::move(work)); });
    router_port port(bot, io.get_executor(), *store, reader_io.get_executor());
    try {
        for (const auto& section : settings.platforms) {
            if (!section.settings->enabled()) continue;
            adapters.push_back(section.kind->make({io.get_executor(), tls, port, settings.prefix},
                                                  *section.settings));
            bot.set_pin_hint(std::string(section.kind->name), adapters.back()->pin_hint());
        }
    } catch (const std::exception& e) {
        cli.err << "scribe: " << e.what() << "\n";
        return exit_usage;
    }
    // Made before the reader thread, so the thread (which runs its round trips) is joined
    // before it goes.
    std::unique_ptr<store::postgres_lease> lease;
    if (!settings.store_url.empty()) {
        lease = std::make_unique<store::postgres_lease>(settings.store_url, settings.store_password,
                                                        settings.lease_timeout);
    }
    std::thread reader_thread([&reader_io] { reader_io.run(); });
    struct join_reader {
        asio::io_context& io;
        std::thread& thread;
        ~join_reader() {
            io.stop();
            thread.join();
        }
    } joined{reader_io, reader_thread};

    service s{cli, io, *store, bot, port, std::move(adapters), {}};
    running = &s;
    if (settings.health_port != 0) {
        try {
            s.probes = std::make_unique<adapters::net::http_server>(
                io.get_executor(), settings.health_address,
                static_cast<unsigned short>(settings.health_port),
                [&s](const adapters::net::incoming_request& request) {
                    return answer_probe(request.target, s.snapshot());
                });
            spdlog::info("health and metrics on http://{}:{}/", settings.health_address,
                         s.probes->port());
        } catch (const std::exception& e) {
            cli.err << "scribe: health listener: " << e.what() << "\n";
            return exit_usage;
        }
    }
    // Its pages read the store through a connection and a thread of their own.
    std::unique_ptr<web_view> web;
    if (settings.web_port != 0) {
        try {
            web = std::make_unique<web_view>(open_reader(cli), settings,
                                             static_cast<unsigned short>(settings.web_port));
            spdlog::info("web view on http://{}:{}/", settings.web_address, web->port());
        } catch (const std::exception& e) {
            cli.err << "scribe: " << e.what() << "\n";
            return exit_usage;
        }
    }
    s.reader_io = &reader_io;
    if (auto* shared = dynamic_cast<store::postgres_store*>(store.get())) {
        s.lease = lease.get();
        s.shared_store = shared;
    }
    asio::co_spawn(io, s.lead(), log_failure("leading"));
    asio::co_spawn(io, s.reload_on_hangup(), log_failure("reloading the configuration"));
    asio::co_spawn(io, s.stop_on_signal(), log_failure("signals"));
    io.run();
    store->flush();
    return s.exit;
}

}  // namespace scribe::app
