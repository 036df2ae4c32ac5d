// Scribe's configuration: a TOML file, each key overridable by SCRIBE_<SECTION>_<KEY>.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bot/model/reminders.hpp"
#include "bot/model/vocabulary.hpp"

namespace scribe::app {

struct config {
    // [bot]
    std::string prefix = "!";
    std::string time_zone = "UTC";
    model::severity default_severity = model::severity::sev3;
    long long max_text = 4000;
    // [store]
    std::string store_path;  // empty: default_store_path()
    // [render]
    std::string postmortem_template;  // a Mustache file; empty: the built-in draft
    std::string output_dir = ".";
    // [reminders]
    model::reminder_policy reminders;
    // [health]
    std::string health_address = "127.0.0.1";
    long long health_port = 0;  // 0: no listener
    // [log]
    std::string log_level = "info";
    std::string log_format = "text";  // or "json": one object a line
    // [tls]
    std::string tls_ca_file;  // trusted in addition to the system's CAs
    // [slack]
    std::string slack_app_token;  // xapp-…: Socket Mode
    std::string slack_bot_token;  // xoxb-…: Web API
    std::string slack_api_url = "https://slack.com/api/";
    std::string slack_pin_emoji = "pushpin";
    long long slack_links = 1;  // Socket Mode links held at once
    std::string slack_mark_emoji = "memo";  // on messages that became entries; empty: none
    bool slack_allow_plaintext = false;   // http:// and ws:// to loopback, for tests only
    bool slack_incident_channels = false;  // a channel of its own for each incident

    // [matrix]
    std::string matrix_homeserver;    // https://matrix.example.org
    std::string matrix_access_token;  // or user + password
    std::string matrix_user;
    std::string matrix_password;
    std::string matrix_device_id = "SCRIBE";
    std::vector<std::string> matrix_allowed_inviters;  // user ids and server names
    std::string matrix_pin_key = "\xF0\x9F\x93\x8C";   // U+1F4CC PUSHPIN
    std::string matrix_mark_key = "\xF0\x9F\x93\x9D";  // U+1F4DD MEMO; empty: none
    bool matrix_allow_plaintext = false;

    bool slack_enabled() const { return !slack_app_token.empty() || !slack_bot_token.empty(); }
    bool matrix_enabled() const { return !matrix_homeserver.empty(); }
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
