// The Slack adapter: Socket Mode links and the Web API, driving the protocol session and
// handing messages, pins, edits and slash commands to the bot.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

#include "adapters/bounded_map.hpp"
#include "adapters/message.hpp"
#include "adapters/net/url.hpp"
#include "adapters/stats.hpp"
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
struct user_profile;

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

class slack_adapter {
  public:
    slack_adapter(boost::asio::any_io_executor executor,
                  std::shared_ptr<boost::asio::ssl::context> tls, slack_settings settings,
                  bot_interface bot);
    ~slack_adapter();
    slack_adapter(const slack_adapter&) = delete;
    slack_adapter& operator=(const slack_adapter&) = delete;

    // Checks the bot token, then keeps the links open until stop(). Throws credential_refused
    // when the bot token is refused.
    boost::asio::awaitable<void> run();

    // Closes the links; envelopes not yet acked are left for Slack to redeliver.
    void stop();

    // Posts a message that answers none (reply.channel, reply.text), in the channel's order.
    void post(outbound_reply reply);

    // At least one link is open and has said hello.
    bool connected() const;
    // Replies queued or being sent.
    std::size_t pending_replies() const;
    // Envelopes received and acknowledged, ack latency, reconnects, rate-limit waits.
    adapter_stats stats() const;

  private:
    boost::asio::awaitable<void> run_link(link_id id, std::chrono::milliseconds delay);
    boost::asio::awaitable<void> dispatch(envelope e);
    boost::asio::awaitable<void> deliver_message(envelope e, inbound_message message,
                                                 std::string thread);
    boost::asio::awaitable<void> deliver_pin(envelope e, std::string channel, std::string ts,
                                             std::string reactor, bool added, std::string event_id);
    boost::asio::awaitable<void> deliver_slash(envelope e, std::string channel, std::string user,
                                               std::string text, std::string trigger_id);
    boost::asio::awaitable<user_profile> profile(std::string user);
    boost::asio::awaitable<void> resolve_mentions(std::string text);
    boost::asio::awaitable<void> keep_time();
    void execute(std::vector<action> actions);
    void committed(const envelope& e, std::optional<std::string> response = std::nullopt);
    // `requester`: who sent what the replies answer (invited to a new incident channel).
    bot_interface::reply_sink reply_to(std::string channel, std::string thread,
                                       std::string requester);
    void on_reply(const outbound_reply& reply, const std::string& requester);
    boost::asio::awaitable<void> open_incident_channel(std::int64_t incident, std::string title,
                                                       std::string requester,
                                                       std::string origin);
    std::optional<model::person> known_person(std::string_view mention) const;
    void remember_message(const std::string& channel, const std::string& ts, std::string user,
                          std::string text);

    boost::asio::any_io_executor executor_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    slack_settings settings_;
    bot_interface bot_;
    net::url api_url_;
    std::unique_ptr<web_api> bot_api_;
    std::unique_ptr<web_api> app_api_;
    std::unique_ptr<outbox> outbox_;
    session session_;
    std::string bot_user_id_;
    std::string bot_id_;
    std::map<link_id, net::websocket_connection*> sockets_;
    std::set<link_id> cancelled_;
    std::map<std::string, model::person> people_;  // Slack user id -> person with display name
    // Recent messages' authors and texts by "channel/ts", so a pin needs no API call.
    bounded_map<std::string, std::pair<std::string, std::string>> recent_{5'000};
    std::unique_ptr<boost::asio::steady_timer> clock_;
    adapter_stats stats_;
    std::uint64_t links_opened_ = 0;
    // When each envelope in flight arrived, by envelope id; those lost with their link are
    // never acked here and are forgotten in time.
    bounded_map<std::string, std::chrono::steady_clock::time_point> arrivals_{10'000};
    bool stopping_ = false;
};

}  // namespace scribe::adapters::slack
