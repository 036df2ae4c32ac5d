// `scribe run`: the long-lived bot. One io_context on one thread carries the adapters and the
// router; the store commits on its own thread and posts completions back.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <spdlog/spdlog.h>

#include "adapters/net/tls.hpp"
#include "adapters/slack/slack_adapter.hpp"
#include "bot/app/cli.hpp"
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

}  // namespace

int run_service(const cli_context& cli) {
    const config& settings = cli.settings;
    if (!settings.slack_enabled()) {
        cli.err << "scribe: nothing to run: configure Slack (SCRIBE_SLACK_APP_TOKEN and "
                   "SCRIBE_SLACK_BOT_TOKEN, or slack.* in the configuration)\n";
        return exit_usage;
    }
    if (settings.slack_app_token.empty() || settings.slack_bot_token.empty()) {
        cli.err << "scribe: Slack needs both tokens: the app-level token (xapp-…) for Socket "
                   "Mode and the bot token (xoxb-…) for the Web API\n";
        return exit_usage;
    }
    const auto postmortem_template = configured_template(cli);
    if (!postmortem_template) return exit_usage;
    std::unique_ptr<store::sqlite_store> store;
    std::shared_ptr<asio::ssl::context> tls;
    try {
        store = store::sqlite_store::open(cli.store_path.string());
        tls = adapters::net::make_client_context({settings.tls_ca_file});
    } catch (const std::exception& e) {
        cli.err << "scribe: " << e.what() << "\n";
        return exit_failure;
    }

    asio::io_context io(1);
    router_options options;
    options.prefix = settings.prefix;
    options.zone = model::zone::locate(settings.time_zone).value_or(model::zone::utc());
    options.default_severity = settings.default_severity;
    options.max_text = static_cast<std::size_t>(settings.max_text);
    options.postmortem_template = *postmortem_template;
    options.clock = wall_clock;
    router bot(*store, options,
               [&io](std::function<void()> work) { asio::post(io, std::move(work)); });

    adapters::slack::slack_settings slack;
    slack.app_token = settings.slack_app_token;
    slack.bot_token = settings.slack_bot_token;
    slack.api_url = settings.slack_api_url;
    slack.prefix = settings.prefix;
    slack.pin_emoji = settings.slack_pin_emoji;
    slack.mark_emoji = settings.slack_mark_emoji;
    slack.links = static_cast<std::size_t>(settings.slack_links);
    slack.allow_plaintext = settings.slack_allow_plaintext;
    adapters::slack::slack_adapter adapter(io.get_executor(), tls, slack, bot.interface());

    int exit = exit_ok;
    bool stopping = false;
    asio::steady_timer drain(io);
    std::chrono::steady_clock::time_point drain_deadline{};
    // Waits (bounded) for commits in flight and queued replies, then ends the loop.
    std::function<void()> check_drained = [&] {
        const bool drained = bot.idle() && adapter.pending_replies() == 0;
        if (drained || std::chrono::steady_clock::now() >= drain_deadline) {
            if (!drained) {
                spdlog::warn("stopping with work unfinished; Slack will redeliver what was not "
                             "acknowledged");
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
        adapter.stop();
        drain_deadline = std::chrono::steady_clock::now() + drain_limit;
        check_drained();
    };

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec) return;
        spdlog::info("received signal {}; stopping", signal);
        begin_stop();
    });
    asio::co_spawn(io, adapter.run(), [&](std::exception_ptr failure) {
        if (!failure) return;
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
            cli.err << "scribe: " << e.what() << "\n";
        }
        exit = exit_failure;
        begin_stop();
    });
    io.run();
    store->flush();
    return exit;
}

}  // namespace scribe::app
