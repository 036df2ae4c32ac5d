// The Slack Web API client: calls through the one retrying caller, and the typed methods the
// bot uses.
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

#include "adapters/api_caller.hpp"
#include "adapters/net/url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::adapters::slack {

using form = std::vector<std::pair<std::string, std::string>>;

struct web_api_options {
    std::chrono::milliseconds request_timeout{15'000};
    api_limits limits;
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

class web_api {
  public:
    // `base` is the API root, e.g. https://slack.com/api/. `token` goes in the Authorization
    // header and nowhere else.
    web_api(boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls,
            net::url base, std::string token, web_api_options options = {});
    ~web_api();
    web_api(const web_api&) = delete;
    web_api& operator=(const web_api&) = delete;

    // POSTs a form-encoded call and returns the response body (ok:true), through the retrying
    // caller with Slack's answers classified (answers.hpp): throws credential_refused,
    // api_failure (its code is Slack's error, e.g. name_taken), or net::error.
    boost::asio::awaitable<std::string> call(std::string method, form arguments,
                                             std::string channel = {});

    boost::asio::awaitable<identity> auth_test();
    // apps.connections.open (needs the app-level token): a single-use websocket URL.
    boost::asio::awaitable<std::string> open_connection();
    // Returns the new message's ts. A `mark` goes in the message's metadata, so that
    // has_reply() can find the message again.
    boost::asio::awaitable<std::string> post_message(std::string channel, std::string text,
                                                     std::string thread_ts = {},
                                                     std::string mark = {});
    // Whether the channel (or the thread, when `thread_ts` is set) holds, after `since_ts`
    // (empty: among its latest messages), a message posted with `mark`, or a file named
    // `file_name` shared by `bot_user`. Looks through a thousand messages at most.
    boost::asio::awaitable<bool> has_reply(std::string channel, std::string thread_ts,
                                           std::string since_ts, std::string mark,
                                           std::string file_name, std::string bot_user);
    boost::asio::awaitable<void> add_reaction(std::string channel, std::string ts,
                                              std::string name);
    boost::asio::awaitable<std::string> permalink(std::string channel, std::string ts);
    // chat.update of a message the bot posted.
    boost::asio::awaitable<void> update_message(std::string channel, std::string ts,
                                                std::string text);
    // conversations.create: a public channel; its id. Throws api_failure, e.g. name_taken.
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

    const api_stats& stats() const { return api_.stats(); }

  private:
    boost::asio::any_io_executor executor_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    net::url base_;
    std::string token_;
    web_api_options options_;
    api_caller api_;
};

// application/x-www-form-urlencoded
std::string encode_form(const form& arguments);

}  // namespace scribe::adapters::slack
