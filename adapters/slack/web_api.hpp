// The Slack Web API client: one call path that honours rate limits and retries transient
// failures, and the typed methods the bot uses.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "adapters/net/url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::adapters::net {
class http_client;
}

namespace scribe::adapters::slack {

// `{"ok":false,"error":…}` after retries, named with its method (and channel when there is one).
class api_error : public std::runtime_error {
  public:
    api_error(std::string method, std::string code, std::string channel = {});
    const std::string& method() const { return method_; }
    const std::string& code() const { return code_; }
    // The token is wrong, revoked or of the wrong kind: retrying cannot help.
    bool fatal_auth() const;

  private:
    std::string method_;
    std::string code_;
};

using form = std::vector<std::pair<std::string, std::string>>;

struct web_api_options {
    std::chrono::milliseconds request_timeout{15'000};
    int max_attempts = 6;  // transient failures (transport, 5xx) before giving up
    std::chrono::milliseconds first_backoff{250};
    std::chrono::milliseconds max_backoff{8'000};
    std::chrono::seconds max_rate_limit_wait{120};  // total Retry-After a call may sit out
    bool allow_plaintext = false;
};

// What the bot needs to know about itself (from auth.test), to ignore its own events.
struct identity {
    std::string user_id;
    std::string bot_id;
    std::string team;
};

struct user_profile {
    std::string id;
    std::string display_name;  // display name, else real name, else the user name
    std::string time_zone;     // IANA name, may be empty
};

// Counters for diagnostics and tests.
struct web_api_stats {
    std::uint64_t calls = 0;
    std::uint64_t retries = 0;
    std::uint64_t rate_limited = 0;
};

class web_api {
  public:
    // `base` is the API root, e.g. https://slack.com/api/. `token` goes in the Authorization
    // header and nowhere else.
    web_api(boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls,
            net::url base, std::string token, web_api_options options = {});
    ~web_api();
    web_api(const web_api&) = delete;
    web_api& operator=(const web_api&) = delete;

    // POSTs a form-encoded call and returns the response body (ok:true). Waits out 429 with
    // Retry-After; retries transport failures and 5xx with backoff; throws api_error for
    // ok:false and net::error when the transport keeps failing.
    boost::asio::awaitable<std::string> call(std::string method, form arguments,
                                             std::string channel = {});

    boost::asio::awaitable<identity> auth_test();
    // apps.connections.open (needs the app-level token): a single-use websocket URL.
    boost::asio::awaitable<std::string> open_connection();
    // Returns the new message's ts.
    boost::asio::awaitable<std::string> post_message(std::string channel, std::string text,
                                                     std::string thread_ts = {});
    boost::asio::awaitable<void> add_reaction(std::string channel, std::string ts,
                                              std::string name);
    boost::asio::awaitable<std::string> permalink(std::string channel, std::string ts);
    // chat.update of a message the bot posted.
    boost::asio::awaitable<void> update_message(std::string channel, std::string ts,
                                                std::string text);
    // conversations.create: a public channel; its id. Throws api_error, e.g. name_taken.
    boost::asio::awaitable<std::string> create_channel(std::string name);
    // conversations.invite of one user; one already there is not an error.
    boost::asio::awaitable<void> invite(std::string channel, std::string user);
    boost::asio::awaitable<user_profile> user_info(std::string user);
    // A message's author and text, by its ts (conversations.history; replies for threads).
    struct message_info {
        std::string user;
        std::string text;
    };
    boost::asio::awaitable<std::optional<message_info>> message(std::string channel,
                                                                std::string ts);
    // The three-step external upload, shared into the channel with a comment.
    boost::asio::awaitable<void> upload_file(std::string channel, std::string filename,
                                             std::string title, std::string content,
                                             std::string initial_comment,
                                             std::string thread_ts = {});

    const web_api_stats& stats() const { return stats_; }

  private:
    boost::asio::awaitable<std::string> send_with_retries(std::string method, std::string target,
                                                          std::string content_type,
                                                          std::string body, std::string channel,
                                                          bool authorized);

    boost::asio::any_io_executor executor_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    net::url base_;
    std::string token_;
    web_api_options options_;
    std::unique_ptr<net::http_client> http_;
    web_api_stats stats_;
};

// application/x-www-form-urlencoded
std::string encode_form(const form& arguments);

}  // namespace scribe::adapters::slack
