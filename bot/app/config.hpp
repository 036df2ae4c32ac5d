// Scribe's configuration: a TOML file, each key overridable by SCRIBE_<SECTION>_<KEY>.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/platform.hpp"
#include "bot/model/bar_raiser.hpp"
#include "bot/model/reminders.hpp"
#include "bot/model/vocabulary.hpp"

namespace scribe::app {

// One platform's part of the configuration. Shared between copies of a configuration: it is
// only changed while the configuration is read.
struct platform_section {
    const adapters::platform* kind = nullptr;
    std::shared_ptr<adapters::platform_settings> settings;
};

struct config {
    // [bot]
    std::string prefix = "!";
    std::string time_zone = "UTC";
    model::severity default_severity = model::severity::sev3;
    long long max_text = 4000;
    // [store]
    std::string store_path;  // empty: default_store_path()
    std::string store_url;   // a PostgreSQL connection string or URI; empty: SQLite at store_path
    std::string store_password;  // from store.password_file; empty: libpq's own sources
    // How long an active replica may go unheard before a standby takes over (PostgreSQL).
    std::chrono::seconds lease_timeout{15};
    // [render]
    std::string postmortem_template;  // a Mustache file; empty: the built-in draft
    std::string output_dir = ".";
    // [reminders]
    model::reminder_policy reminders;
    // [bar_raiser]
    model::bar_raiser_policy bar_raiser;
    // [health]
    std::string health_address = "127.0.0.1";
    long long health_port = 0;  // 0: no listener
    // [web]: the read-only web view (scribe serve; scribe run when web_port is set)
    std::string web_address = "127.0.0.1";
    long long web_port = 0;        // scribe run: 0, no web view; scribe serve: 0, its default
    std::string web_token;         // for a bearer header or the login form; empty: none
    std::string web_proxy_header;  // a trusted proxy's user header
    std::vector<std::string> web_trusted_proxies;  // addresses that proxy connects from
    bool web_show_security = false;                // show incidents flagged !security
    // [log]
    std::string log_level = "info";
    std::string log_format = "text";  // or "json": one object a line
    // [tls]
    std::string tls_ca_file;  // trusted in addition to the system's CAs
    // [slack], [matrix], …: each platform's own section (platforms.hpp), in registry order.
    std::vector<platform_section> platforms;

    // The section of that platform, or nullptr.
    const adapters::platform_settings* section(std::string_view platform) const;
};

struct config_problem {
    std::string where;  // "scribe.toml: bot.time_zone" or "SCRIBE_BOT_PREFIX"
    std::string message;
};

struct config_result {
    config values;
    std::vector<config_problem> problems;  // empty when the configuration is usable
};

// Reads the file (when given), then the environment; every unknown key, bad type or bad
// value is a problem naming the key.
config_result load_config(const std::optional<std::filesystem::path>& file,
                          char** environment);

// $XDG_DATA_HOME/scribe/scribe.db, else ~/.local/share/scribe/scribe.db, else ./scribe.db.
std::filesystem::path default_store_path();

// Every key as "section.key", with its description, for `scribe config keys` and the docs.
std::vector<std::pair<std::string, std::string>> config_keys();

}  // namespace scribe::app
