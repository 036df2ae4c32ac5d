// The Matrix adapter: logs in, long-polls /sync, hands messages, pins, edits and redactions to
// the bot, and answers in the rooms; the sync position is saved once what it delivered is
// durably recorded.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "adapters/backoff.hpp"
#include "adapters/bot.hpp"
#include "adapters/bounded_map.hpp"
#include "adapters/display_names.hpp"
#include "adapters/matrix/events.hpp"
#include "adapters/matrix/sync_state.hpp"
#include "adapters/message.hpp"
#include "adapters/stats.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::adapters::net {
class channel_queue;
}

namespace scribe::adapters::matrix {

class client;

// U+1F4DD MEMO: the bot's mark on each message that became a timeline entry.
inline constexpr std::string_view default_mark_key = "\xF0\x9F\x93\x9D";

struct matrix_settings {
    std::string homeserver;    // https://matrix.example.org
    std::string access_token;  // or user + password
    std::string user;          // "scribe" or "@scribe:example.org", for password login
    std::string password;
    // Password login asks for this device every time, so its txn ids stay deduplicated.
    std::string device_id = "SCRIBE";
    std::string prefix = "!";
    std::string pin_key{default_pin_key};
    std::string mark_key{default_mark_key};  // empty: no mark
    std::vector<std::string> allowed_inviters;  // user ids and server names (invites.hpp)
    bool allow_plaintext = false;
    // End-to-end encryption is on when there is a secret (matrix.crypto_key_file's) to seal the
    // device's state in the store with.
    std::string crypto_secret;
    // How long an encrypted message waits for its key before its room is told it was lost.
    std::chrono::milliseconds key_wait{std::chrono::seconds(60)};
    // A room of its own for each incident declared, as Slack's incident channels.
    bool incident_rooms = false;
    std::chrono::milliseconds sync_timeout{30'000};
    int timeline_limit = 50;
    backoff_policy backoff{std::chrono::milliseconds{500}, std::chrono::seconds{1},
                           std::chrono::seconds{60}};
};

class matrix_adapter final : public adapter {
  public:
    // Throws std::invalid_argument when matrix.homeserver is not a URL.
    matrix_adapter(boost::asio::any_io_executor executor,
                   std::shared_ptr<boost::asio::ssl::context> tls, matrix_settings settings,
                   bot& to_bot);
    ~matrix_adapter() override;
    matrix_adapter(const matrix_adapter&) = delete;
    matrix_adapter& operator=(const matrix_adapter&) = delete;

    std::string_view platform() const override { return "matrix"; }
    // Logs in, then syncs until stop(). Throws credential_refused when the homeserver refuses
    // the token or the password, and whatever else ended the sync (an outage): the position
    // is saved only after what a sync delivered is recorded, so the next run goes on from there.
    boost::asio::awaitable<void> run() override;
    // Ends the sync loop after the current long poll; nothing undelivered is acknowledged.
    void stop() override;
    // Posts a message that answers none (reply.channel, reply.text); reply.key makes its txn
    // id, so a post made again for the same key is not shown twice.
    void post(outbound_reply reply) override;
    std::size_t pending_replies() const override;
    // Events received and durably handled (their sync position saved), the time from a sync
    // answer to its position saved, reconnects, rate-limit waits.
    adapter_stats stats() const override;
    std::string pin_hint() const override;

  private:
    // What became of a sync's events: any the bot could not record holds the position back.
    struct batch {
        bool failed = false;
        std::size_t events = 0;
        std::chrono::steady_clock::time_point arrived = std::chrono::steady_clock::now();
    };

    boost::asio::awaitable<void> serve();
    boost::asio::awaitable<void> log_in();
    boost::asio::awaitable<void> sync_once(std::string filter);
    boost::asio::awaitable<void> perform(std::vector<sync_action> actions, batch& progress);
    boost::asio::awaitable<void> fill_gap(fetch_gap gap, batch& progress);
    boost::asio::awaitable<void> finish_batch(std::string next_batch, batch& progress);
    boost::asio::awaitable<delivery_result> handle(room_event event);
    boost::asio::awaitable<delivery_result> dispatch(room_event event);
    // ---- End-to-end encryption (e2e/machine.hpp does the bookkeeping) ----
    boost::asio::awaitable<void> start_encryption();
    boost::asio::awaitable<bool> save_encryption_state();
    boost::asio::awaitable<void> upload_keys();
    boost::asio::awaitable<void> query_devices(std::vector<std::string> users);
    boost::asio::awaitable<void> take_device_news(device_news news, batch& progress);
    boost::asio::awaitable<delivery_result> handle_encrypted(encrypted e);
    boost::asio::awaitable<delivery_result> handle_decrypted(std::string room,
                                                             std::string event_json,
                                                             std::string sender_key);
    // The decrypted event, unless it is state or was encrypted by a device not its sender's.
    boost::asio::awaitable<std::optional<room_event>> open_decrypted(std::string room,
                                                                     std::string event_json,
                                                                     std::string sender_key);
    // Says in the room that `count` messages of `sender`, sent from `first` to `last`, could not
    // be read; `event_id` (the first's) keys the notice's txn id.
    boost::asio::awaitable<void> tell_undecryptable(std::string room, std::string event_id,
                                                    std::string sender, model::timestamp first,
                                                    model::timestamp last, std::size_t count,
                                                    std::string why);
    // Whether the room is encrypted (asked once, then followed in its timeline).
    boost::asio::awaitable<bool> is_encrypted(std::string room);
    boost::asio::awaitable<std::vector<std::string>> members_of(std::string room);
    boost::asio::awaitable<void> share_room_key(std::string room);
    // Sends an event, encrypted in an encrypted room; the homeserver's answer.
    boost::asio::awaitable<std::string> send_event(std::string room, std::string type,
                                                   std::string txn, std::string content);
    boost::asio::awaitable<std::string> upload_file(std::string room, attachment file,
                                                    std::string& encrypted_file);
    // ---- A room per incident ----
    void on_reply(const outbound_reply& reply, const std::string& requester);
    boost::asio::awaitable<void> open_incident_room(std::int64_t incident, std::string title,
                                                    std::string requester, std::string origin);
    boost::asio::awaitable<delivery_result> handle_message(text_message message);
    boost::asio::awaitable<delivery_result> handle_edit(edit e);
    boost::asio::awaitable<delivery_result> handle_pin(reaction r);
    boost::asio::awaitable<delivery_result> handle_redaction(redaction r);
    boost::asio::awaitable<void> answer_invite(std::string room, std::string inviter, bool join);
    boost::asio::awaitable<std::optional<text_message>> find_message(std::string room,
                                                                     std::string event_id);
    boost::asio::awaitable<std::string> ask_name(std::string user_id);
    boost::asio::awaitable<std::string> name_of(std::string user_id);
    // The text with mention pills turned into ids, and the people the ids in it name.
    boost::asio::awaitable<std::string> with_mentions_as_ids(text_message message,
                                                             std::string text);
    std::map<std::string, model::person, std::less<>> mentions_in(const std::string& text) const;
    boost::asio::awaitable<void> send_reply(std::string origin, int first_part,
                                            std::string thread, outbound_reply reply);
    // send_reply, and when the homeserver is unreachable or failing, again once the sync link
    // is back (the txn ids make that harmless), for up to reply_patience; refusals are final.
    boost::asio::awaitable<void> send_when_back(std::string origin, int first_part,
                                                std::string thread, outbound_reply reply);
    boost::asio::awaitable<void> send_notice(std::string room, std::string origin,
                                             std::string text);

    // `requester`: who asked, for the room an incident declared by it opens (may be empty).
    bot::reply_sink reply_to(std::string room, std::string origin, std::string thread,
                             std::string requester);
    model::person person_of(const std::string& user_id) const;
    void remember(const text_message& message);

    boost::asio::any_io_executor executor_;
    matrix_settings settings_;
    bot& bot_;
    std::unique_ptr<client> client_;
    std::unique_ptr<net::channel_queue> outbox_;
    std::string user_id_;
    std::string display_name_;
    std::optional<sync_state> state_;
    struct encryption;
    std::unique_ptr<encryption> e2e_;  // null while encryption is off
    std::string device_id_;
    reaction_index reactions_;
    display_names names_;  // by user id
    // Recent messages by event id, so a pin or an edit needs no API call.
    bounded_map<std::string, text_message> recent_{5'000};
    // The bot's notice answering each recent message ("room/event"), for edits of it.
    bounded_map<std::string, std::string> notices_{5'000};
    std::mt19937_64 random_;
    unsigned store_failures_ = 0;  // syncs in a row whose position could not be saved
    bool synced_once_ = false;
    adapter_stats stats_;
    bool stopping_ = false;
};

}  // namespace scribe::adapters::matrix
