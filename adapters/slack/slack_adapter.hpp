// The Slack adapter: Socket Mode links and the Web API, driving the protocol session and
// handing messages, pins, edits and slash commands to the bot.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "adapters/adapter.hpp"
#include "adapters/bot.hpp"
#include "adapters/bounded_map.hpp"
#include "adapters/display_names.hpp"
#include "adapters/message.hpp"
#include "adapters/net/url.hpp"
#include "adapters/stats.hpp"
#include "adapters/slack/events.hpp"
#include "adapters/slack/socket_mode.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::adapters::net {
class websocket_connection;
}

namespace scribe::adapters::slack {

class web_api;
class outbox;

struct slack_settings {
    std::string app_token;
    std::string bot_token;
    std::string api_url = "https://slack.com/api/";
    std::string prefix = "!";
    std::string pin_emoji = "pushpin";
    std::string mark_emoji = "memo";
    std::size_t links = 1;
    // Each incident declared gets a channel of its own (#inc-2026-11-21-title), linked to it,
    // with whoever declared it invited.
    bool incident_channels = false;
    bool allow_plaintext = false;
    std::chrono::milliseconds idle_timeout{30'000};  // a silent link is dead after this
    session_config session;  // deadlines and backoff; `links` is taken from above
};

class slack_adapter final : public adapter {
  public:
    // Throws std::invalid_argument when slack.api_url is not a URL.
    slack_adapter(boost::asio::any_io_executor executor,
                  std::shared_ptr<boost::asio::ssl::context> tls, slack_settings settings,
                  bot& to_bot);
    ~slack_adapter() override;
    slack_adapter(const slack_adapter&) = delete;
    slack_adapter& operator=(const slack_adapter&) = delete;

    std::string_view platform() const override { return "slack"; }
    // Checks the bot token, then keeps the links open (the session reconnects them) until
    // stop(). Throws credential_refused when a token is refused, and what auth.test threw when
    // Slack could not be reached.
    boost::asio::awaitable<void> run() override;
    // Closes the links; envelopes not yet acked are left for Slack to redeliver.
    void stop() override;
    // Posts a message that answers none (reply.channel, reply.text), in the channel's order.
    void post(outbound_reply reply) override;
    std::size_t pending_replies() const override;
    // Envelopes received and acknowledged, ack latency, reconnects, rate-limit waits.
    adapter_stats stats() const override;
    std::string pin_hint() const override;

  private:
    boost::asio::awaitable<void> run_link(link_id id, std::chrono::milliseconds delay);
    boost::asio::awaitable<void> dispatch(envelope e);
    // What the bot made of an envelope's event. `answer`: a slash command's, for the ack.
    boost::asio::awaitable<delivery_result> deliver(
        const inbound_event& event, std::shared_ptr<std::string> answer);
    boost::asio::awaitable<delivery_result> deliver_message(inbound_message message,
                                                            std::string thread);
    boost::asio::awaitable<delivery_result> deliver_pin(
        std::string channel, std::string ts, std::string reactor, bool added,
        std::string event_id);
    boost::asio::awaitable<delivery_result> deliver_slash(std::string channel, std::string user,
                                                          std::string text,
                                                          std::string trigger_id,
                                                          std::shared_ptr<std::string> answer);
    boost::asio::awaitable<std::string> ask_name(std::string user);
    boost::asio::awaitable<model::person> person_of(std::string user);
    // The people the text mentions, by the mention as written ("<@U123>", "<@U123|ann>").
    boost::asio::awaitable<std::map<std::string, model::person, std::less<>>> mentions_in(
        std::string text);
    boost::asio::awaitable<void> keep_time();
    void execute(std::vector<action> actions);
    void committed(const envelope& e, std::optional<std::string> response = std::nullopt);
    // `requester`: who sent what the replies answer (invited to a new incident channel).
    bot::reply_sink reply_to(std::string channel, std::string thread, std::string requester);
    // The answer to a slash command: into `answer`, for the ack; files go to the channel.
    bot::reply_sink slash_answer(std::shared_ptr<std::string> answer, std::string channel,
                                 std::string user);
    void on_reply(const outbound_reply& reply, const std::string& requester);
    boost::asio::awaitable<void> open_incident_channel(std::int64_t incident, std::string title,
                                                       std::string requester,
                                                       std::string origin);
    void remember_message(const std::string& channel, const std::string& ts, std::string user,
                          std::string text);
    // A reply that failed: a refused token stops the adapter.
    void notice(std::exception_ptr failure);
    // Stops for good: run() throws credential_refused with `why`.
    void refuse(std::string why);

    boost::asio::any_io_executor executor_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    slack_settings settings_;
    bot& bot_;
    net::url api_url_;
    std::unique_ptr<web_api> bot_api_;
    std::unique_ptr<web_api> app_api_;
    std::unique_ptr<outbox> outbox_;
    std::optional<session> session_;  // one per run
    std::string bot_user_id_;
    std::string bot_id_;
    std::map<link_id, net::websocket_connection*> sockets_;
    std::set<link_id> cancelled_;
    std::optional<std::string> refused_;  // a token was refused: why, for run() to say
    display_names names_;  // by Slack user id
    // Recent messages' authors and texts by "channel/ts", so a pin needs no API call.
    bounded_map<std::string, std::pair<std::string, std::string>> recent_{5'000};
    std::unique_ptr<boost::asio::steady_timer> clock_;
    adapter_stats stats_;
    std::uint64_t links_opened_ = 0;
    // When each envelope in flight arrived, by envelope id; those lost with their link are
    // never acked here and are forgotten in time.
    bounded_map<std::string, std::chrono::steady_clock::time_point> arrivals_{10'000};
    bool link_up_ = false;  // a link has said hello and is open
    bool stopping_ = false;
};

}  // namespace scribe::adapters::slack
