// The `scribe` command line: one function per subcommand, each returning the exit code.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "bot/app/config.hpp"
#include "bot/app/router.hpp"
#include "bot/model/zone.hpp"
#include "bot/store/event_store.hpp"

namespace scribe::app {

// Exit codes scripts can rely on.
enum exit_code : int {
    exit_ok = 0,
    exit_failure = 1,     // the store could not be read or written, a file not written
    exit_usage = 2,       // bad arguments or configuration
    exit_not_found = 3,   // no such incident
    // A platform refused a credential (a revoked token): restarting cannot help, so the
    // service files (deploy/) do not restart on it.
    exit_credential_refused = 4,
};

struct cli_context {
    config settings;
    std::filesystem::path store_path;
    std::ostream& out;
    std::ostream& err;
    std::optional<std::filesystem::path> config_file;  // read again on SIGHUP
};

// Where the store is, for messages: the SQLite file, or PostgreSQL's host and database.
std::string store_name(const cli_context& cli);

// Opens an existing store to read it: a mistyped path creates nothing. Throws store_error.
std::unique_ptr<store::event_store> open_reader(const cli_context& cli);

// The configured time zone (UTC when it is not known, which the configuration check reports).
model::zone zone_of(const config& settings);

// The router's settings from the configuration, with its clock and template text.
router_options options_for(const config& settings, std::function<model::timestamp()> clock,
                           std::string postmortem_template);

struct console_args {
    std::string user;
    std::string channel = "console";
    std::optional<std::filesystem::path> output_dir;
};

int run_console(const cli_context& cli, const console_args& args, std::istream& in);

// Plays the sample incident through the command path into `output_dir`; the store is
// `store_path` when given, else a fresh file in `output_dir`.
int run_demo(const cli_context& cli, const std::filesystem::path& output_dir, bool store_given);

int render_incident(const cli_context& cli, std::int64_t id, const std::string& format,
                    const std::optional<std::filesystem::path>& template_file,
                    const std::optional<std::filesystem::path>& output);
int render_agenda(const cli_context& cli, std::int64_t id,
                  const std::optional<std::filesystem::path>& output);
// Lists as tab-separated values with a header row (tabs, line breaks and backslashes in text
// escaped as \t, \n and \\), as CSV (RFC 4180), or as a JSON array.
enum class list_format { tsv, csv, json };
int list_incidents(const cli_context& cli, bool open_only, list_format format);
// Open action items; those past their due date (in the configured zone) are marked overdue.
int list_actions(const cli_context& cli, list_format format);
// Incidents per month (or ISO week, `weekly`) in the configured zone: counts by severity, the
// share of SEV1 and SEV2, median and p90 of MTTD, time to mitigate and MTTR (seconds),
// origins, resolutions, detections, action items opened and done.
int list_trends(const cli_context& cli, bool weekly, list_format format);
int export_events(const cli_context& cli, const std::optional<std::filesystem::path>& output);
// `dry_run`: says what the import would do, and changes nothing.
int import_events(const cli_context& cli, const std::filesystem::path& input, bool dry_run);

// The long-lived bot on the configured platforms, until SIGINT or SIGTERM.
int run_service(const cli_context& cli);

// The configured postmortem template's text (render.template); empty for the built-in draft;
// nullopt, with the problem printed, when the file cannot be read.
std::optional<std::string> configured_template(const cli_context& cli);

}  // namespace scribe::app
