// The [matrix] section: its keys, their checks, and the adapter they make.
#include "adapters/matrix/factory.hpp"

#include <array>


namespace scribe::adapters::matrix {
namespace {

using namespace setting_checks;

constexpr std::array keys{
    setting_key{"homeserver", setting_kind::text,
                "the homeserver's client-server URL, e.g. https://matrix.example.org"},
    setting_key{"access_token", setting_kind::text,
                "the bot account's access token; better in the environment"},
    setting_key{"access_token_file", setting_kind::text,
                "a file (mode 600) holding the access token"},
    setting_key{"user", setting_kind::text,
                "the bot account (\"scribe\" or \"@scribe:example.org\") for password login"},
    setting_key{"password", setting_kind::text,
                "the bot account's password, when there is no access token; better in a file"},
    setting_key{"password_file", setting_kind::text, "a file (mode 600) holding the password"},
    setting_key{"device_id", setting_kind::text,
                "the device password login asks for each time (default SCRIBE)"},
    setting_key{"allowed_inviters", setting_kind::text_list,
                "who may invite the bot into a room: user ids (@alice:example.org) and server "
                "names (example.org); others are declined (default: none)"},
    setting_key{"pin_key", setting_kind::text,
                "the reaction that pins a message to the timeline (default \U0001F4CC)"},
    setting_key{"mark_key", setting_kind::text,
                "the reaction the bot puts on each message it recorded (default \U0001F4DD; "
                "empty: none)"},
    setting_key{"allow_plaintext", setting_kind::boolean,
                "allow http:// to loopback addresses, for tests (default false)"},
    setting_key{"encryption", setting_kind::boolean,
                "read and write end-to-end encrypted rooms (default true; needs "
                "crypto_key_file)"},
    setting_key{"crypto_key_file", setting_kind::text,
                "a file (mode 600) of 32+ random bytes that seals the encryption keys in the "
                "store: openssl rand -base64 32"},
    setting_key{"key_wait_seconds", setting_kind::integer,
                "how long an encrypted message waits for its key before the room is told it "
                "could not be read (default 60)"},
    setting_key{"incident_rooms", setting_kind::boolean,
                "a room of its own for each incident declared, with whoever declared it invited "
                "and linked to the incident (default false)"},
};

class settings_section final : public platform_settings {
public:
    std::unique_ptr<platform_settings> clone() const override {
        return std::make_unique<settings_section>(*this);
    }

    std::string set(std::string_view key, const setting_value& v) override {
        if (key == "homeserver") {
            auto value = text(v);
            if (auto problem = url(value); !problem.empty()) return problem;
            while (value.size() > 8 && value.back() == '/') value.pop_back();
            s.homeserver = value;
            return {};
        }
        if (key == "access_token") {
            s.access_token = text(v);
            return s.access_token.empty() ? "must not be empty" : std::string();
        }
        if (key == "access_token_file") return read_secret_file(text(v), s.access_token);
        if (key == "user") {
            s.user = text(v);
            return s.user.empty() ? "must not be empty" : std::string();
        }
        if (key == "password") {
            s.password = text(v);
            return {};
        }
        if (key == "password_file") return read_secret_file(text(v), s.password);
        if (key == "device_id") {
            s.device_id = text(v);
            return s.device_id.empty() ? "must not be empty" : std::string();
        }
        if (key == "allowed_inviters") {
            s.allowed_inviters.clear();
            for (const auto& entry : std::get<std::vector<std::string>>(v)) {
                if (entry.empty()) continue;
                if (entry.front() == '@' && entry.find(':') == std::string::npos) {
                    return "'" + entry + "' is not a user id (@name:server)";
                }
                s.allowed_inviters.push_back(entry);
            }
            return {};
        }
        if (key == "pin_key") {
            s.pin_key = text(v);
            return s.pin_key.empty() ? "must not be empty" : std::string();
        }
        if (key == "mark_key") {
            s.mark_key = text(v);
            return {};
        }
        if (key == "allow_plaintext") {
            s.allow_plaintext = std::get<bool>(v);
            return {};
        }
        if (key == "encryption") {
            encryption = std::get<bool>(v);
            return {};
        }
        if (key == "crypto_key_file") {
            auto problem = read_secret_file(text(v), s.crypto_secret);
            if (problem.empty() && s.crypto_secret.size() < 32) {
                return "holds fewer than 32 bytes; make it with `openssl rand -base64 32`";
            }
            return problem;
        }
        if (key == "key_wait_seconds") {
            const auto seconds = std::get<long long>(v);
            if (seconds < 1 || seconds > 86'400) return "must be 1 to 86400 seconds";
            s.key_wait = std::chrono::seconds(seconds);
            return {};
        }
        if (key == "incident_rooms") {
            s.incident_rooms = std::get<bool>(v);
            return {};
        }
        return "unknown key";
    }

    bool enabled() const override { return !s.homeserver.empty(); }

    std::string missing() const override {
        if (s.access_token.empty() && (s.user.empty() || s.password.empty())) {
            return "Matrix needs the bot account's access token (matrix.access_token), or its "
                   "user and password (matrix.user, matrix.password)";
        }
        if (encryption && s.crypto_secret.empty()) {
            return "Matrix encryption needs matrix.crypto_key_file, a file of 32 or more random "
                   "bytes (openssl rand -base64 32), or matrix.encryption = false to leave "
                   "encrypted rooms unread";
        }
        return {};
    }

    matrix_settings s;
    bool encryption = true;
};

std::unique_ptr<platform_settings> defaults() { return std::make_unique<settings_section>(); }

std::unique_ptr<adapter> make(const adapter_context& context, const platform_settings& settings) {
    const auto& section = dynamic_cast<const settings_section&>(settings);
    auto s = section.s;
    if (!section.encryption) s.crypto_secret.clear();
    s.prefix = context.prefix;
    return std::make_unique<matrix_adapter>(context.executor, context.tls, std::move(s),
                                            context.to_bot);
}

}  // namespace

const matrix_settings& settings_of(const platform_settings& section) {
    return dynamic_cast<const settings_section&>(section).s;
}

const adapters::platform factory{
    "matrix", keys,
    "SCRIBE_MATRIX_HOMESERVER and SCRIBE_MATRIX_ACCESS_TOKEN, or matrix.* in the configuration",
    defaults, make};

}  // namespace scribe::adapters::matrix
