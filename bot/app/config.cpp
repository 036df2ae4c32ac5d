// One table of keys drives reading the TOML file, the environment and the key listing.
#include "bot/app/config.hpp"

#include <toml++/toml.h>

#include <array>
#include <cstdlib>
#include <variant>

#include "adapters/platform.hpp"
#include "bot/app/platforms.hpp"
#include "bot/model/zone.hpp"
#include "commands/time_spec.hpp"

namespace scribe::app {
namespace {

using kind = adapters::setting_kind;
using value = adapters::setting_value;

// One key of the core sections, stored into config's own fields.
struct key_spec {
    std::string_view section;
    std::string_view key;
    kind type;
    std::string_view description;
    // Checks and stores a value; returns the problem, or empty.
    std::string (*store)(config&, const value&);
};

std::string text_of(const value& v) { return std::get<std::string>(v); }

// "30m", "1h30m"; "off" or "" for none.
std::string read_interval(const value& v, std::optional<model::duration>& out) {
    const auto text = std::get<std::string>(v);
    if (text.empty() || text == "off") {
        out.reset();
        return {};
    }
    const auto span = commands::parse_span(text);
    if (!span) return "must be a span like 30m, 1h or 1h30m, or off";
    out = *span;
    return {};
}

template <model::severity Level>
std::string store_tolerance(config& c, const value& v) {
    const auto span = commands::parse_span(text_of(v));
    if (!span) return "must be a span like 4h or 1d";
    c.bar_raiser.resolution_tolerance[Level] = *span;
    return {};
}

// A list of phrases: none empty.
std::string read_phrases(const value& v, std::vector<std::string>& out) {
    const auto& phrases = std::get<std::vector<std::string>>(v);
    for (const auto& phrase : phrases) {
        if (phrase.empty()) return "must not hold an empty phrase";
    }
    out = phrases;
    return {};
}

template <model::severity Level>
std::string store_sitrep_interval(config& c, const value& v) {
    std::optional<model::duration> every;
    auto problem = read_interval(v, every);
    if (!problem.empty()) return problem;
    if (every) {
        c.reminders.sitrep_every[Level] = *every;
    } else {
        c.reminders.sitrep_every.erase(Level);
    }
    return {};
}

constexpr std::array keys{
    key_spec{"bot", "prefix", kind::text, "what starts a command in chat (default \"!\")",
             [](config& c, const auto& v) -> std::string {
                 const auto text = text_of(v);
                 if (text.empty() || text.size() > 8 || text.find(' ') != std::string::npos) {
                     return "must be 1 to 8 characters without spaces";
                 }
                 c.prefix = text;
                 return {};
             }},
    key_spec{"bot", "time_zone", kind::text,
             "IANA zone for times shown and typed, e.g. \"Europe/Berlin\" (default \"UTC\")",
             [](config& c, const auto& v) -> std::string {
                 const auto text = text_of(v);
                 if (!model::zone::locate(text)) return "unknown time zone '" + text + "'";
                 c.time_zone = text;
                 return {};
             }},
    key_spec{"bot", "default_severity", kind::text,
             "severity of !declare without one: sev1..sev4 (default \"sev3\")",
             [](config& c, const auto& v) -> std::string {
                 const auto level = model::parse_enum<model::severity>(text_of(v));
                 if (!level) return "must be one of sev1, sev2, sev3, sev4";
                 c.default_severity = *level;
                 return {};
             }},
    key_spec{"bot", "max_text", kind::integer,
             "largest user text in one command, in bytes (default 4000)",
             [](config& c, const auto& v) -> std::string {
                 const auto n = std::get<long long>(v);
                 if (n < 16 || n > 1'000'000) return "must be between 16 and 1000000";
                 c.max_text = n;
                 return {};
             }},
    key_spec{"store", "path", kind::text,
             "the SQLite database file (default $XDG_DATA_HOME/scribe/scribe.db)",
             [](config& c, const auto& v) -> std::string {
                 c.store_path = text_of(v);
                 return c.store_path.empty() ? "must not be empty" : std::string();
             }},
    key_spec{
        "store", "url", kind::text,
        "a PostgreSQL connection string or URI (postgresql://user@host/db?sslmode=verify-full);"
        " set, it is the store instead of the SQLite file (default: none)",
        [](config& c, const auto& v) -> std::string {
            c.store_url = text_of(v);
            return c.store_url.empty() ? "must not be empty" : std::string();
        }},
    key_spec{"store", "password_file", kind::text,
             "a file (mode 600) holding the PostgreSQL password (default: the URL's, "
             "PGPASSWORD or PGPASSFILE)",
             [](config& c, const auto& v) -> std::string {
                 return adapters::setting_checks::read_secret_file(text_of(v), c.store_password);
             }},
    key_spec{"store", "lease_timeout", kind::text,
             "with PostgreSQL: how long the active scribe run may go unheard (a lost machine, "
             "a partition) before a standby takes over, e.g. 15s (default 15s)",
             [](config& c, const auto& v) -> std::string {
                 const auto span = commands::parse_span(text_of(v));
                 if (!span || *span < std::chrono::seconds(3) || *span > std::chrono::hours(1)) {
                     return "must be a span from 3s to 1h, like 15s";
                 }
                 c.lease_timeout = std::chrono::duration_cast<std::chrono::seconds>(*span);
                 return {};
             }},
    key_spec{"render", "template", kind::text,
             "a Mustache template for postmortem drafts (default: the built-in one)",
             [](config& c, const auto& v) -> std::string {
                 c.postmortem_template = text_of(v);
                 return {};
             }},
    key_spec{"render", "output_dir", kind::text,
             "where the console writes drafts and agendas (default \".\")",
             [](config& c, const auto& v) -> std::string {
                 c.output_dir = text_of(v);
                 return c.output_dir.empty() ? "must not be empty" : std::string();
             }},
    key_spec{"reminders", "sev1", kind::text,
             "how often a SitRep is due in a SEV1 incident, e.g. 30m; off: never (default 30m)",
             store_sitrep_interval<model::severity::sev1>},
    key_spec{"reminders", "sev2", kind::text, "the same for SEV2 (default 60m)",
             store_sitrep_interval<model::severity::sev2>},
    key_spec{"reminders", "sev3", kind::text, "the same for SEV3 (default off)",
             store_sitrep_interval<model::severity::sev3>},
    key_spec{"reminders", "sev4", kind::text, "the same for SEV4 (default off)",
             store_sitrep_interval<model::severity::sev4>},
    key_spec{"reminders", "close_after", kind::text,
             "how long a resolved incident may stay open before one reminder to close it "
             "(default 24h; off: never)",
             [](config& c, const auto& v) -> std::string {
                 return read_interval(v, c.reminders.close_after);
             }},
    key_spec{"bar_raiser", "impact_count", kind::integer,
             "a count in !impact (users, requests…) from which a postmortem is needed "
             "(default 100)",
             [](config& c, const auto& v) -> std::string {
                 const auto n = std::get<long long>(v);
                 if (n < 1) return "must be at least 1";
                 c.bar_raiser.impact_count = n;
                 return {};
             }},
    key_spec{"bar_raiser", "impact_percent", kind::text,
             "a share in !impact from which a postmortem is needed, e.g. \"1%\" (default 1%)",
             [](config& c, const auto& v) -> std::string {
                 auto text = text_of(v);
                 if (!text.empty() && text.back() == '%') text.pop_back();
                 char* end = nullptr;
                 const double percent = std::strtod(text.c_str(), &end);
                 if (text.empty() || end != text.c_str() + text.size() || !(percent > 0) ||
                     percent > 100) {
                     return "must be a share above 0% and at most 100%, like 1% or 0.5%";
                 }
                 c.bar_raiser.impact_percent = percent;
                 return {};
             }},
    key_spec{"bar_raiser", "sev1", kind::text,
             "resolution slower than this needs a postmortem in a SEV1 incident (default 1h)",
             store_tolerance<model::severity::sev1>},
    key_spec{"bar_raiser", "sev2", kind::text, "the same for SEV2 (default 4h)",
             store_tolerance<model::severity::sev2>},
    key_spec{"bar_raiser", "sev3", kind::text, "the same for SEV3 (default 24h)",
             store_tolerance<model::severity::sev3>},
    key_spec{"bar_raiser", "sev4", kind::text, "the same for SEV4 (default 72h)",
             store_tolerance<model::severity::sev4>},
    key_spec{"bar_raiser", "action_window", kind::text,
             "an action item due later than this after it was recorded is flagged as too big "
             "(default 14d)",
             [](config& c, const auto& v) -> std::string {
                 const auto span = commands::parse_span(text_of(v));
                 if (!span || *span < std::chrono::hours(24)) return "must be a span like 14d";
                 c.bar_raiser.action_window = *span;
                 return {};
             }},
    key_spec{"bar_raiser", "habitual", kind::text_list,
             "phrases that make an action item a habit, not a change (default: \"be careful\", "
             "\"remember to\", \"double-check\" and the like)",
             [](config& c, const auto& v) -> std::string {
                 return read_phrases(v, c.bar_raiser.habitual);
             }},
    key_spec{"bar_raiser", "human_error", kind::text_list,
             "phrases that end a chain of whys too early (default: \"human error\", "
             "\"someone forgot\", \"operator error\" and the like)",
             [](config& c, const auto& v) -> std::string {
                 return read_phrases(v, c.bar_raiser.human_error);
             }},
    key_spec{"bar_raiser", "data_loss", kind::text_list,
             "phrases in !impact that say data was lost (default: \"data loss\", "
             "\"records lost\", \"corrupted\" and the like)",
             [](config& c, const auto& v) -> std::string {
                 return read_phrases(v, c.bar_raiser.data_loss);
             }},
    key_spec{"health", "port", kind::integer,
             "port of the /healthz, /readyz and /metrics listener (default 0: none)",
             [](config& c, const auto& v) -> std::string {
                 const auto n = std::get<long long>(v);
                 if (n < 0 || n > 65535) return "must be between 0 and 65535";
                 c.health_port = n;
                 return {};
             }},
    key_spec{"health", "address", kind::text,
             "address the listener binds (default 127.0.0.1; 0.0.0.0 for all)",
             [](config& c, const auto& v) -> std::string {
                 c.health_address = text_of(v);
                 return c.health_address.empty() ? "must not be empty" : std::string();
             }},
    key_spec{"web", "port", kind::integer,
             "port of the web view; with scribe run, 0 (the default) serves none, and scribe "
             "serve then uses 8080",
             [](config& c, const auto& v) -> std::string {
                 const auto n = std::get<long long>(v);
                 if (n < 0 || n > 65535) return "must be between 0 and 65535";
                 c.web_port = n;
                 return {};
             }},
    key_spec{"web", "address", kind::text,
             "address the web view binds (default 127.0.0.1); any other address requires "
             "web.token or web.proxy_header",
             [](config& c, const auto& v) -> std::string {
                 c.web_address = text_of(v);
                 return c.web_address.empty() ? "must not be empty" : std::string();
             }},
    key_spec{"web", "token", kind::text,
             "the access token for the web view (a bearer header or the login form); better "
             "in SCRIBE_WEB_TOKEN or web.token_file than in this file",
             [](config& c, const auto& v) -> std::string {
                 c.web_token = text_of(v);
                 return c.web_token.size() < 16 ? "must be at least 16 characters" : std::string();
             }},
    key_spec{"web", "token_file", kind::text, "a file (mode 600) holding the web view's token",
             [](config& c, const auto& v) -> std::string {
                 auto problem = adapters::setting_checks::read_secret_file(text_of(v), c.web_token);
                 if (problem.empty() && c.web_token.size() < 16) {
                     problem = "must hold a token of at least 16 characters";
                 }
                 return problem;
             }},
    key_spec{"web", "proxy_header", kind::text,
             "the header a trusted reverse proxy names its signed-in user with, e.g. "
             "X-Forwarded-User (oauth2-proxy); needs web.trusted_proxies",
             [](config& c, const auto& v) -> std::string {
                 c.web_proxy_header = text_of(v);
                 return {};
             }},
    key_spec{"web", "trusted_proxies", kind::text_list,
             "addresses the reverse proxy connects from; its header is believed from these only",
             [](config& c, const auto& v) -> std::string {
                 return read_phrases(v, c.web_trusted_proxies);
             }},
    key_spec{"web", "show_security", kind::boolean,
             "show incidents flagged with !security in the web view (default false: hidden)",
             [](config& c, const auto& v) -> std::string {
                 c.web_show_security = std::get<bool>(v);
                 return {};
             }},
    key_spec{"log", "level", kind::text, "trace, debug, info, warn, error or off (default info)",
             [](config& c, const auto& v) -> std::string {
                 const auto text = text_of(v);
                 for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
                     if (text == level) {
                         c.log_level = text;
                         return {};
                     }
                 }
                 return "must be one of trace, debug, info, warn, error, off";
             }},
    key_spec{"log", "format", kind::text,
             "text (for people) or json (one object a line, for log collectors); default text",
             [](config& c, const auto& v) -> std::string {
                 const auto text = text_of(v);
                 if (text != "text" && text != "json") return "must be text or json";
                 c.log_format = text;
                 return {};
             }},
    key_spec{"tls", "ca_file", kind::text,
             "a PEM file of CAs trusted besides the system's (corporate proxies, tests)",
             [](config& c, const auto& v) -> std::string {
                 c.tls_ca_file = text_of(v);
                 return {};
             }},
};

// A key of any section: a core one, or one of a platform's.
struct any_key {
    std::string_view section;
    std::string_view key;
    kind type = kind::text;
    std::string_view description;
    const key_spec* core = nullptr;                 // set for core keys
    const adapters::platform* platform = nullptr;  // set for platforms' keys
};

const std::vector<any_key>& all_keys() {
    static const std::vector<any_key> all = [] {
        std::vector<any_key> out;
        for (const auto& spec : keys) {
            out.push_back({spec.section, spec.key, spec.type, spec.description, &spec, nullptr});
        }
        for (const auto* p : platforms()) {
            for (const auto& key : p->keys) {
                out.push_back({p->name, key.name, key.kind, key.description, nullptr, p});
            }
        }
        return out;
    }();
    return all;
}

const any_key* find_key(std::string_view section, std::string_view key) {
    for (const auto& candidate : all_keys()) {
        if (candidate.section == section && candidate.key == key) return &candidate;
    }
    return nullptr;
}

std::string env_name(const any_key& spec) {
    std::string name = "SCRIBE_";
    for (const char c : spec.section) name += static_cast<char>(std::toupper(c));
    name += '_';
    for (const char c : spec.key) name += static_cast<char>(std::toupper(c));
    return name;
}

// Checks and stores one value into its section.
std::string store(config& values, const any_key& spec, const value& v) {
    if (spec.core) return spec.core->store(values, v);
    for (auto& section : values.platforms) {
        if (section.kind == spec.platform) return section.settings->set(spec.key, v);
    }
    return "unknown key";
}

config with_platform_defaults() {
    config values;
    for (const auto* p : platforms()) values.platforms.push_back({p, p->defaults()});
    return values;
}

void read_file(const std::filesystem::path& file, config_result& result) {
    const std::string where = file.string();
    toml::table table;
    try {
        table = toml::parse_file(where);
    } catch (const toml::parse_error& e) {
        const auto& begin = e.source().begin;
        result.problems.push_back({where + ":" + std::to_string(begin.line) + ":" +
                                       std::to_string(begin.column),
                                   std::string(e.description())});
        return;
    }
    for (const auto& [section_name, section_node] : table) {
        const std::string section(section_name.str());
        const auto* section_table = section_node.as_table();
        if (!section_table) {
            result.problems.push_back({where + ": " + section, "expected a [" + section +
                                                                   "] table"});
            continue;
        }
        for (const auto& [key_name, node] : *section_table) {
            const std::string key(key_name.str());
            const std::string name = where + ": " + section + "." + key;
            const any_key* spec = find_key(section, key);
            if (!spec) {
                result.problems.push_back({name, "unknown key"});
                continue;
            }
            value parsed;
            if (spec->type == kind::boolean) {
                const auto flag = node.value<bool>();
                if (!node.is_boolean() || !flag) {
                    result.problems.push_back({name, "must be true or false"});
                    continue;
                }
                parsed = *flag;
            } else if (spec->type == kind::text_list) {
                const auto* list = node.as_array();
                std::vector<std::string> items;
                bool strings = list != nullptr;
                if (list) {
                    for (const auto& item : *list) {
                        const auto text = item.value<std::string>();
                        if (!item.is_string() || !text) strings = false;
                        if (text) items.push_back(*text);
                    }
                }
                if (!strings) {
                    result.problems.push_back({name, "must be a list of strings"});
                    continue;
                }
                parsed = std::move(items);
            } else if (spec->type == kind::text) {
                const auto text = node.value<std::string>();
                if (!node.is_string() || !text) {
                    result.problems.push_back({name, "must be a string"});
                    continue;
                }
                parsed = *text;
            } else {
                const auto number = node.value<long long>();
                if (!node.is_integer() || !number) {
                    result.problems.push_back({name, "must be an integer"});
                    continue;
                }
                parsed = *number;
            }
            if (auto problem = store(result.values, *spec, parsed); !problem.empty()) {
                result.problems.push_back({name, problem});
            }
        }
    }
}

void read_environment(char** environment, config_result& result) {
    if (environment == nullptr) return;
    for (char** entry = environment; *entry != nullptr; ++entry) {
        const std::string_view line(*entry);
        if (line.rfind("SCRIBE_", 0) != 0) continue;
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) continue;
        const std::string name(line.substr(0, equals));
        const std::string text(line.substr(equals + 1));
        const any_key* spec = nullptr;
        for (const auto& candidate : all_keys()) {
            if (env_name(candidate) == name) spec = &candidate;
        }
        if (!spec) {
            // A typo in one of our sections is worth naming; other SCRIBE_ names are not ours.
            for (const auto& candidate : all_keys()) {
                const std::string section_prefix =
                    env_name(candidate).substr(0, 7 + candidate.section.size() + 1);
                if (name.rfind(section_prefix, 0) == 0) {
                    result.problems.push_back({name, "unknown key"});
                    break;
                }
            }
            continue;
        }
        value parsed = text;
        if (spec->type == kind::boolean) {
            if (text != "true" && text != "false" && text != "1" && text != "0") {
                result.problems.push_back({name, "must be true or false"});
                continue;
            }
            parsed = text == "true" || text == "1";
        } else if (spec->type == kind::integer) {
            char* end = nullptr;
            const long long number = std::strtoll(text.c_str(), &end, 10);
            if (text.empty() || end == nullptr || *end != '\0') {
                result.problems.push_back({name, "must be an integer"});
                continue;
            }
            parsed = number;
        } else if (spec->type == kind::text_list) {
            std::vector<std::string> items;
            std::size_t start = 0;
            while (start <= text.size()) {
                auto end = text.find(',', start);
                if (end == std::string::npos) end = text.size();
                auto item = text.substr(start, end - start);
                const auto first = item.find_first_not_of(" \t");
                item = first == std::string::npos
                           ? std::string()
                           : item.substr(first, item.find_last_not_of(" \t") - first + 1);
                if (!item.empty()) items.push_back(std::move(item));
                start = end + 1;
            }
            parsed = std::move(items);
        }
        if (auto problem = store(result.values, *spec, parsed); !problem.empty()) {
            result.problems.push_back({name, problem});
        }
    }
}

}  // namespace

config_result load_config(const std::optional<std::filesystem::path>& file, char** environment) {
    config_result result;
    result.values = with_platform_defaults();
    if (file) read_file(*file, result);
    read_environment(environment, result);
    return result;
}

const adapters::platform_settings* config::section(std::string_view platform) const {
    for (const auto& s : platforms) {
        if (s.kind->name == platform) return s.settings.get();
    }
    return nullptr;
}

std::filesystem::path default_store_path() {
    if (const char* data = std::getenv("XDG_DATA_HOME"); data && *data) {
        return std::filesystem::path(data) / "scribe" / "scribe.db";
    }
    if (const char* home = std::getenv("HOME"); home && *home) {
        return std::filesystem::path(home) / ".local" / "share" / "scribe" / "scribe.db";
    }
    return "scribe.db";
}

std::vector<std::pair<std::string, std::string>> config_keys() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& spec : all_keys()) {
        out.emplace_back(std::string(spec.section) + "." + std::string(spec.key) + " (" +
                             env_name(spec) + ")",
                         std::string(spec.description));
    }
    return out;
}

}  // namespace scribe::app
