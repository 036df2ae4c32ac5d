// A chat platform as the configuration and the service see it: its section of keys, and how
// to make its adapter. Each platform's folder defines one; adding a platform is a new folder
// and one line in bot/app/platforms.cpp.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adapters/adapter.hpp"
#include "adapters/bot.hpp"

namespace boost::asio::ssl {
class context;
}

namespace scribe::adapters {

// text_list: a TOML array of strings, or in the environment one string split at commas.
enum class setting_kind { text, integer, boolean, text_list };
using setting_value = std::variant<std::string, long long, bool, std::vector<std::string>>;

struct setting_key {
    std::string_view name;  // "bot_token": slack.bot_token, SCRIBE_SLACK_BOT_TOKEN
    setting_kind kind = setting_kind::text;
    std::string_view description;
};

// A platform's section of the configuration, as read so far.
class platform_settings {
public:
    virtual ~platform_settings() = default;
    virtual std::unique_ptr<platform_settings> clone() const = 0;
    // Checks and keeps one key's value (of the kind its setting_key says): the problem, or "".
    virtual std::string set(std::string_view key, const setting_value& value) = 0;
    // The section turns the platform on (a token, a homeserver).
    virtual bool enabled() const = 0;
    // What is still missing for it to run, naming the keys; "" when it can run.
    virtual std::string missing() const = 0;
};

// What an adapter is made with.
struct adapter_context {
    boost::asio::any_io_executor executor;
    std::shared_ptr<boost::asio::ssl::context> tls;
    bot& to_bot;
    std::string prefix;  // what starts a command (bot.prefix)
};

struct platform {
    std::string_view name;  // the section ("slack"), the platform in sources, logs, metrics
    std::span<const setting_key> keys;
    std::string_view turn_on;  // which keys turn it on, for "nothing to run"
    std::unique_ptr<platform_settings> (*defaults)();
    // Throws std::invalid_argument for settings it cannot use (a URL that is not one).
    std::unique_ptr<adapter> (*make)(const adapter_context& context,
                                     const platform_settings& settings);
};

// Checks shared by the platforms' settings.
namespace setting_checks {
// A secret from a file that only its owner may read (mode 600): the problem, or "".
std::string read_secret_file(const std::string& path, std::string& secret);
// An http(s):// URL: the problem, or "".
std::string url(const std::string& text);
// Starts with the prefix a token of that kind has ("xoxb-"): the problem, or "".
std::string token(const std::string& text, std::string_view prefix);
const std::string& text(const setting_value& v);
}  // namespace setting_checks

}  // namespace scribe::adapters
