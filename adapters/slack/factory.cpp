// The [slack] section: its keys, their checks, and the adapter they make.
#include "adapters/slack/factory.hpp"

#include <array>


namespace scribe::adapters::slack {
namespace {

using namespace setting_checks;

constexpr std::array keys{
    setting_key{"app_token", setting_kind::text,
                "the app-level token (xapp-…) for Socket Mode; better in the environment"},
    setting_key{"bot_token", setting_kind::text,
                "the bot token (xoxb-…) for the Web API; better in the environment"},
    setting_key{"app_token_file", setting_kind::text,
                "a file (mode 600) holding the app-level token"},
    setting_key{"bot_token_file", setting_kind::text, "a file (mode 600) holding the bot token"},
    setting_key{"api_url", setting_kind::text,
                "the Web API base (default https://slack.com/api/)"},
    setting_key{"pin_emoji", setting_kind::text,
                "the reaction that pins a message to the timeline, without colons (default "
                "pushpin)"},
    setting_key{"links", setting_kind::integer,
                "Socket Mode links held at once, 1 to 10 (default 1)"},
    setting_key{"mark_emoji", setting_kind::text,
                "the reaction the bot puts on each message it recorded (default memo)"},
    setting_key{"allow_plaintext", setting_kind::boolean,
                "allow http:// and ws:// to loopback addresses, for tests (default false)"},
    setting_key{"incident_channels", setting_kind::boolean,
                "open a channel for each incident declared (#inc-2026-11-21-title), invite who "
                "declared it and link it to the incident (default false)"},
};

std::string strip_colons(std::string text) {
    if (text.size() > 2 && text.front() == ':' && text.back() == ':') {
        text = text.substr(1, text.size() - 2);
    }
    return text;
}

class settings_section final : public platform_settings {
public:
    std::unique_ptr<platform_settings> clone() const override {
        return std::make_unique<settings_section>(*this);
    }

    std::string set(std::string_view key, const setting_value& v) override {
        if (key == "app_token") {
            s.app_token = text(v);
            return token(s.app_token, "xapp-");
        }
        if (key == "bot_token") {
            s.bot_token = text(v);
            return token(s.bot_token, "xoxb-");
        }
        if (key == "app_token_file") {
            if (auto problem = read_secret_file(text(v), s.app_token); !problem.empty()) {
                return problem;
            }
            return token(s.app_token, "xapp-");
        }
        if (key == "bot_token_file") {
            if (auto problem = read_secret_file(text(v), s.bot_token); !problem.empty()) {
                return problem;
            }
            return token(s.bot_token, "xoxb-");
        }
        if (key == "api_url") {
            auto value = text(v);
            if (auto problem = url(value); !problem.empty()) return problem;
            if (value.back() != '/') value += '/';
            s.api_url = value;
            return {};
        }
        if (key == "pin_emoji") {
            const auto emoji = strip_colons(text(v));
            if (emoji.empty()) return "must not be empty";
            s.pin_emoji = emoji;
            return {};
        }
        if (key == "links") {
            const auto n = std::get<long long>(v);
            if (n < 1 || n > 10) return "must be between 1 and 10";
            s.links = static_cast<std::size_t>(n);
            return {};
        }
        if (key == "mark_emoji") {
            s.mark_emoji = strip_colons(text(v));
            return {};
        }
        if (key == "allow_plaintext") {
            s.allow_plaintext = std::get<bool>(v);
            return {};
        }
        if (key == "incident_channels") {
            s.incident_channels = std::get<bool>(v);
            return {};
        }
        return "unknown key";
    }

    bool enabled() const override { return !s.app_token.empty() || !s.bot_token.empty(); }

    std::string missing() const override {
        if (s.app_token.empty() || s.bot_token.empty()) {
            return "Slack needs both tokens: the app-level token (xapp-…) for Socket Mode and the "
                   "bot token (xoxb-…) for the Web API";
        }
        return {};
    }

    slack_settings s;
};

std::unique_ptr<platform_settings> defaults() { return std::make_unique<settings_section>(); }

std::unique_ptr<adapter> make(const adapter_context& context, const platform_settings& settings) {
    auto s = dynamic_cast<const settings_section&>(settings).s;
    s.prefix = context.prefix;
    return std::make_unique<slack_adapter>(context.executor, context.tls, std::move(s),
                                           context.to_bot);
}

}  // namespace

const slack_settings& settings_of(const platform_settings& section) {
    return dynamic_cast<const settings_section&>(section).s;
}

const adapters::platform factory{
    "slack", keys,
    "SCRIBE_SLACK_APP_TOKEN and SCRIBE_SLACK_BOT_TOKEN, or slack.* in the configuration",
    defaults, make};

}  // namespace scribe::adapters::slack
