// `scribe run`: the long-lived bot. One io_context on one thread carries the adapters (Slack,
// Matrix or both) and the router; the store commits on its own thread and posts completions
// back.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <functional>
#include <unistd.h>
#include <spdlog/spdlog.h>

#include "adapters/matrix/matrix_adapter.hpp"
#include "adapters/net/tls.hpp"
#include "adapters/slack/slack_adapter.hpp"
#include "adapters/net/http_server.hpp"
#include "bot/app/cli.hpp"
#include "bot/app/health.hpp"
#include "bot/app/logging.hpp"
#include "bot/app/router.hpp"
#include "bot/store/sqlite_store.hpp"

namespace scribe::app {
namespace {

namespace asio = boost::asio;

model::timestamp wall_clock() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

// How long a stop may take to finish commits in flight and send queued replies.
constexpr std::chrono::seconds drain_limit{10};
// Reminders are looked for at least this often, and as soon as one falls due.
constexpr std::chrono::seconds reminder_check{60};

// What is missing for a platform to run, or empty when it can; names the keys to set.
std::string missing_settings(const config& settings) {
    if (!settings.slack_enabled() && !settings.matrix_enabled()) {
        return "nothing to run: configure Slack (SCRIBE_SLACK_APP_TOKEN and "
               "SCRIBE_SLACK_BOT_TOKEN, or slack.* in the configuration) or Matrix "
               "(SCRIBE_MATRIX_HOMESERVER and SCRIBE_MATRIX_ACCESS_TOKEN, or matrix.*)";
    }
    if (settings.slack_enabled() &&
        (settings.slack_app_token.empty() || settings.slack_bot_token.empty())) {
        return "Slack needs both tokens: the app-level token (xapp-…) for Socket Mode and the "
               "bot token (xoxb-…) for the Web API";
    }
    if (settings.matrix_enabled() && settings.matrix_access_token.empty() &&
        (settings.matrix_user.empty() || settings.matrix_password.empty())) {
        return "Matrix needs the bot account's access token (matrix.access_token), or its user "
               "and password (matrix.user, matrix.password)";
    }
    return {};
}

adapters::slack::slack_settings slack_settings_of(const config& settings) {
    adapters::slack::slack_settings slack;
    slack.app_token = settings.slack_app_token;
    slack.bot_token = settings.slack_bot_token;
    slack.api_url = settings.slack_api_url;
    slack.prefix = settings.prefix;
    slack.pin_emoji = settings.slack_pin_emoji;
    slack.mark_emoji = settings.slack_mark_emoji;
    slack.links = static_cast<std::size_t>(settings.slack_links);
    slack.allow_plaintext = settings.slack_allow_plaintext;
    slack.incident_channels = settings.slack_incident_channels;
    return slack;
}

adapters::matrix::matrix_settings matrix_settings_of(const config& settings) {
    adapters::matrix::matrix_settings matrix;
    matrix.homeserver = settings.matrix_homeserver;
    matrix.access_token = settings.matrix_access_token;
    matrix.user = settings.matrix_user;
    matrix.password = settings.matrix_password;
    matrix.device_id = settings.matrix_device_id;
    matrix.prefix = settings.prefix;
    matrix.pin_key = settings.matrix_pin_key;
    matrix.mark_key = settings.matrix_mark_key;
    matrix.allowed_inviters = settings.matrix_allowed_inviters;
    matrix.allow_plaintext = settings.matrix_allow_plaintext;
    return matrix;
}

// The Matrix sync position lives in the store; its callback comes back to the loop's thread.
adapters::matrix::position_keeper positions_in(store::event_store& store, asio::io_context& io) {
    adapters::matrix::position_keeper keeper;
    keeper.load = [&store](const std::string& key) { return store.load_cursor(key); };
    keeper.save = [&store, &io](const std::string& key, const std::string& value,
                                std::function<void(bool)> done) {
        store.save_cursor(key, value, [&io, done = std::move(done)](store::append_result r) {
            if (!r.ok()) spdlog::error("the Matrix sync position was not stored: {}", r.error);
            asio::post(io, [done, ok = r.ok()] { done(ok); });
        });
    };
    return keeper;
}

}  // namespace

int run_service(const cli_context& cli) {
    const config& settings = cli.settings;
    if (const auto missing = missing_settings(settings); !missing.empty()) {
        cli.err << "scribe: " << missing << "\n";
        return exit_usage;
    }
    const auto postmortem_template = configured_template(cli);
    if (!postmortem_template) return exit_usage;
    asio::io_context io(1);
    // A large store takes a while to read through for damage: Scribe serves meanwhile, its
    // commits held in the WAL until the check passes (see open_options).
    std::function<void(const std::string&)> on_store_checked;
    store::open_options store_options;
    store_options.check_in_background = true;
    store_options.on_checked = [&io, &on_store_checked](const std::string& problem) {
        asio::post(io, [&on_store_checked, problem] { on_store_checked(problem); });
    };
    store_options.on_check_postponed = [&io, &cli](const std::string& reason) {
        asio::post(io, [&cli, reason] {
            spdlog::warn("{} could not be checked for damage ({}); trying again in a minute, "
                         "while what Scribe records stays in its WAL",
                         cli.store_path.string(), reason);
        });
    };
    const auto store_opened = std::chrono::steady_clock::now();
    std::unique_ptr<store::sqlite_store> store;
    std::shared_ptr<asio::ssl::context> tls;
    try {
        store = store::sqlite_store::open(cli.store_path.string(), std::move(store_options));
        tls = adapters::net::make_client_context({settings.tls_ca_file});
    } catch (const std::exception& e) {
        cli.err << "scribe: " << e.what() << "\n";
        return exit_failure;
    }

    router_options options;
    options.prefix = settings.prefix;
    options.zone = model::zone::locate(settings.time_zone).value_or(model::zone::utc());
    options.default_severity = settings.default_severity;
    options.max_text = static_cast<std::size_t>(settings.max_text);
    options.postmortem_template = *postmortem_template;
    options.clock = wall_clock;
    options.reminders = settings.reminders;
    options.pin_hints = {
        {"slack", "React with :" + settings.slack_pin_emoji + ": to put any message on the timeline."},
        {"matrix", "React with " + settings.matrix_pin_key + " to put any message on the timeline."}};
    // Set once the adapters exist; reminders start only after they are connected.
    std::function<void(adapters::outbound_reply)> announce;
    options.announce = [&announce](adapters::outbound_reply reply) { announce(std::move(reply)); };
    router bot(*store, options,
               [&io](std::function<void()> work) { asio::post(io, std::move(work)); });

    std::unique_ptr<adapters::slack::slack_adapter> slack;
    std::unique_ptr<adapters::matrix::matrix_adapter> matrix;
    try {
        if (settings.slack_enabled()) {
            slack = std::make_unique<adapters::slack::slack_adapter>(
                io.get_executor(), tls, slack_settings_of(settings), bot.interface());
        }
        if (settings.matrix_enabled()) {
            matrix = std::make_unique<adapters::matrix::matrix_adapter>(
                io.get_executor(), tls, matrix_settings_of(settings), bot.interface(),
                positions_in(*store, io));
        }
    } catch (const std::exception& e) {
        cli.err << "scribe: " << e.what() << "\n";
        return exit_usage;
    }
    announce = [&](adapters::outbound_reply reply) {
        if (reply.platform == "slack" && slack) {
            slack->post(std::move(reply));
        } else if (reply.platform == "matrix" && matrix) {
            matrix->post(std::move(reply));
        } else {
            spdlog::warn("no {} connection: a reminder for channel {} was not posted",
                         reply.platform, reply.channel);
        }
    };
    auto connected = [&] {
        return (!slack || slack->connected()) && (!matrix || matrix->connected());
    };
    auto pending_replies = [&] {
        return (slack ? slack->pending_replies() : 0) + (matrix ? matrix->pending_replies() : 0);
    };

    int exit = exit_ok;
    bool stopping = false;
    asio::steady_timer drain(io);
    asio::steady_timer reminders(io);
    asio::signal_set hangup(io, SIGHUP);
    std::unique_ptr<adapters::net::http_server> probes;
    if (settings.health_port != 0) {
        const std::string store_file = cli.store_path.string();
        auto snapshot = [&, store_file] {
            health_snapshot now;
            if (slack) now.platforms.push_back({"slack", slack->connected(), slack->stats()});
            if (matrix) now.platforms.push_back({"matrix", matrix->connected(), matrix->stats()});
            now.router = &bot.stats();
            try {
                now.open_incidents = static_cast<std::int64_t>(store->list_incidents(true).size());
            } catch (const std::exception& e) {
                now.store_problem = e.what();
            }
            if (!bot.stats().last_store_error.empty()) {
                now.store_problem = bot.stats().last_store_error;
            } else if (::access(store_file.c_str(), W_OK) != 0) {
                now.store_problem = store_file + " is not writable";
            }
            return now;
        };
        try {
            probes = std::make_unique<adapters::net::http_server>(
                io.get_executor(), settings.health_address,
                static_cast<unsigned short>(settings.health_port),
                [snapshot](const std::string& target) { return answer_probe(target, snapshot()); });
            spdlog::info("health and metrics on http://{}:{}/", settings.health_address,
                         probes->port());
        } catch (const std::exception& e) {
            cli.err << "scribe: health listener: " << e.what() << "\n";
            return exit_usage;
        }
    }
    std::chrono::steady_clock::time_point drain_deadline{};
    // Waits (bounded) for commits in flight and queued replies, then ends the loop.
    std::function<void()> check_drained = [&] {
        const bool drained = bot.idle() && pending_replies() == 0;
        if (drained || std::chrono::steady_clock::now() >= drain_deadline) {
            if (!drained) {
                spdlog::warn("stopping with work unfinished; what was not acknowledged is "
                             "delivered again on the next start");
            }
            io.stop();
            return;
        }
        drain.expires_after(std::chrono::milliseconds(50));
        drain.async_wait([&](boost::system::error_code) { check_drained(); });
    };
    auto begin_stop = [&] {
        if (stopping) return;
        stopping = true;
        if (slack) slack->stop();
        if (matrix) matrix->stop();
        reminders.cancel();
        hangup.cancel();
        if (probes) probes->stop();
        drain_deadline = std::chrono::steady_clock::now() + drain_limit;
        check_drained();
    };
    // One platform failing for good (a refused token) stops the service: running on with half
    // its rooms unserved would look healthy while losing what people type there.
    auto on_adapter_end = [&](std::exception_ptr failure) {
        if (!failure) return;
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
            cli.err << "scribe: " << e.what() << "\n";
        }
        exit = exit_failure;
        begin_stop();
    };

    on_store_checked = [&](const std::string& problem) {
        if (problem.empty()) {
            spdlog::info("{} checked for damage: sound ({} ms)", cli.store_path.string(),
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - store_opened)
                             .count());
            return;
        }
        spdlog::error("{}", problem);
        cli.err << "scribe: " << problem << "\n";
        exit = exit_failure;
        begin_stop();
    };

    std::function<void()> check_reminders = [&] {
        if (stopping) return;
        std::chrono::milliseconds wait = reminder_check;
        if (!connected()) {
            wait = std::chrono::seconds(5);  // a reminder posted before then would be lost
        } else {
            const auto now = wall_clock();
            if (const auto next = bot.remind(now)) {
                wait = std::clamp<std::chrono::milliseconds>(*next - now, std::chrono::seconds(1),
                                                             reminder_check);
            }
        }
        reminders.expires_after(wait);
        reminders.async_wait([&](boost::system::error_code ec) {
            if (!ec || (ec == asio::error::operation_aborted && !stopping)) check_reminders();
        });
    };
    check_reminders();

    // SIGHUP: what can change at run time (log level, reminder intervals) without dropping a
    // connection; a file with problems is refused and the running settings stay.
    std::function<void()> reload_on_hangup = [&] {
        hangup.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            const auto reloaded = load_config(cli.config_file, environ);
            if (!reloaded.problems.empty()) {
                for (const auto& problem : reloaded.problems) {
                    spdlog::error("reload refused: {}: {}", problem.where, problem.message);
                }
            } else {
                set_log_level(reloaded.values.log_level);
                bot.set_reminder_policy(reloaded.values.reminders);
                reminders.cancel();  // the next due time may have moved
                spdlog::info("configuration reloaded: log level {}", reloaded.values.log_level);
            }
            reload_on_hangup();
        });
    };
    reload_on_hangup();

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec) return;
        spdlog::info("received signal {}; stopping", signal);
        begin_stop();
    });
    if (slack) asio::co_spawn(io, slack->run(), on_adapter_end);
    if (matrix) asio::co_spawn(io, matrix->run(), on_adapter_end);
    io.run();
    store->flush();
    return exit;
}

}  // namespace scribe::app
