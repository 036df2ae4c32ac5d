// `scribe`: parses the command line, loads the configuration, runs one subcommand.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "bot/app/cli.hpp"
#include "bot/app/logging.hpp"
#include "bot/app/web_view.hpp"

extern char** environ;

namespace {

using namespace scribe::app;

std::string default_user() {
    for (const char* name : {"SCRIBE_USER", "USER", "LOGNAME"}) {
        if (const char* value = std::getenv(name); value && *value) return value;
    }
    return "you";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Scribe keeps the timeline of a live incident and drafts its postmortem."};
    app.require_subcommand(1);
    // --config and --db before or after the subcommand.
    app.fallthrough();
    app.set_version_flag("--version", "scribe 0.1.0");

    std::optional<std::filesystem::path> config_file;
    std::optional<std::filesystem::path> db;
    app.add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
    app.add_option("--db", db,
                   "SQLite store (default: store.path, else $XDG_DATA_HOME/scribe/scribe.db)");

    auto* run_cmd = app.add_subcommand(
        "run", "Run the bot on Slack, Matrix or both until SIGINT or SIGTERM (see README)");

    console_args console;
    console.user = default_user();
    auto* console_cmd = app.add_subcommand(
        "console", "Use the terminal as a chat channel: each line is a message from you");
    console_cmd->add_option("--as", console.user, "your name in the timeline");
    console_cmd->add_option("--channel", console.channel, "the channel's name");
    console_cmd->add_option("--out", console.output_dir,
                            "folder for drafts and agendas (default: render.output_dir)");

    std::filesystem::path demo_out = "scribe-demo";
    auto* demo_cmd = app.add_subcommand(
        "demo", "Play a sample incident through to its postmortem draft and retro agenda");
    demo_cmd->add_option("--out", demo_out, "folder for the documents and the demo's store")
        ->capture_default_str();

    std::int64_t incident_id = 0;
    std::string format = "md";
    std::optional<std::filesystem::path> template_file;
    std::optional<std::filesystem::path> output;
    auto* render_cmd = app.add_subcommand("render", "Print an incident's postmortem draft");
    render_cmd->add_option("id", incident_id, "incident number")->required();
    render_cmd->add_option("--format", format, "md, html or json")
        ->check(CLI::IsMember({"md", "html", "json"}))
        ->capture_default_str();
    render_cmd->add_option("--template", template_file, "a Mustache template for the draft")
        ->check(CLI::ExistingFile);
    render_cmd->add_option("-o,--output", output, "write to this file instead of stdout");

    auto* agenda_cmd = app.add_subcommand("agenda", "Print an incident's retro agenda");
    agenda_cmd->add_option("id", incident_id, "incident number")->required();
    agenda_cmd->add_option("-o,--output", output, "write to this file instead of stdout");

    bool open_only = false;
    list_format table = list_format::tsv;
    const std::map<std::string, list_format> table_formats{
        {"tsv", list_format::tsv}, {"csv", list_format::csv}, {"json", list_format::json}};
    auto* list_cmd =
        app.add_subcommand("list", "List incidents (tab-separated with a header row)");
    list_cmd->add_flag("--open", open_only, "only incidents that are not closed");
    list_cmd->add_option("--format", table, "tsv, csv or json")
        ->transform(CLI::CheckedTransformer(table_formats, CLI::ignore_case));
    auto* actions_cmd = app.add_subcommand(
        "actions", "List open action items across incidents, overdue ones marked");
    actions_cmd->add_option("--format", table, "tsv, csv or json")
        ->transform(CLI::CheckedTransformer(table_formats, CLI::ignore_case));

    bool weekly = false;
    auto* trends_cmd = app.add_subcommand(
        "trends",
        "Incidents per month: counts by severity, SEV1/SEV2 share, MTTD, time to "
        "mitigate and MTTR (median, p90), causes, fixes, detection, action items");
    trends_cmd->add_flag("--weekly", weekly, "per ISO week instead of per month");
    trends_cmd->add_option("--format", table, "tsv, csv or json")
        ->transform(CLI::CheckedTransformer(table_formats, CLI::ignore_case));

    std::optional<unsigned short> serve_port;
    std::optional<std::string> serve_address;
    auto* serve_cmd = app.add_subcommand(
        "serve", "Serve the read-only web view of the store until SIGINT or SIGTERM");
    serve_cmd->add_option("--port", serve_port, "port (default: web.port, else 8080; 0: any free)");
    serve_cmd->add_option("--address", serve_address,
                          "address to bind (default: web.address, 127.0.0.1)");
    auto* export_cmd = app.add_subcommand("export", "Write every event as JSON lines");
    export_cmd->add_option("-o,--output", output, "write to this file instead of stdout");
    std::filesystem::path import_file;
    bool dry_run = false;
    auto* import_cmd = app.add_subcommand(
        "import", "Read events written by export: restore into an empty store, or add beside "
                  "the incidents there under new numbers");
    import_cmd->add_option("file", import_file, "the JSON lines file, or - for stdin")->required();
    import_cmd->add_flag("--dry-run", dry_run, "say what the import would do, change nothing");

    auto* config_cmd = app.add_subcommand("config", "Check or describe the configuration");
    config_cmd->require_subcommand(1);
    std::filesystem::path checked_file;
    auto* check_cmd = config_cmd->add_subcommand(
        "check", "Validate a configuration file and the SCRIBE_* environment");
    check_cmd->add_option("file", checked_file, "the TOML file")->required();
    auto* keys_cmd = config_cmd->add_subcommand("keys", "List every key and its variable");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? exit_ok : exit_usage;
    }

    if (keys_cmd->parsed()) {
        for (const auto& [key, description] : config_keys()) {
            std::cout << key << "\n    " << description << "\n";
        }
        return exit_ok;
    }
    const bool checking = check_cmd->parsed();
    const auto loaded = load_config(checking ? std::optional(checked_file) : config_file, environ);
    if (!loaded.problems.empty()) {
        for (const auto& problem : loaded.problems) {
            std::cerr << "scribe: config: " << problem.where << ": " << problem.message << "\n";
        }
        return exit_usage;
    }
    if (checking) {
        std::cout << checked_file.string() << ": ok\n";
        return exit_ok;
    }

    configure_logging(loaded.values.log_level, loaded.values.log_format);
    if (db && !loaded.values.store_url.empty()) {
        std::cerr << "scribe: --db is ignored: store.url names the store\n";
    }

    const std::filesystem::path store_path =
        db ? *db
           : (loaded.values.store_path.empty() ? default_store_path()
                                               : std::filesystem::path(loaded.values.store_path));
    auto settings = loaded.values;
    if (serve_address) settings.web_address = *serve_address;
    const cli_context cli{std::move(settings), store_path, std::cout, std::cerr, config_file};

    if (run_cmd->parsed()) return run_service(cli);
    if (console_cmd->parsed()) return run_console(cli, console, std::cin);
    if (demo_cmd->parsed()) return run_demo(cli, demo_out, db.has_value());
    if (render_cmd->parsed()) return render_incident(cli, incident_id, format, template_file, output);
    if (agenda_cmd->parsed()) return render_agenda(cli, incident_id, output);
    if (list_cmd->parsed()) return list_incidents(cli, open_only, table);
    if (actions_cmd->parsed()) return list_actions(cli, table);
    if (trends_cmd->parsed()) return list_trends(cli, weekly, table);
    if (serve_cmd->parsed()) return serve_web(cli, serve_port);
    if (export_cmd->parsed()) return export_events(cli, output);
    if (import_cmd->parsed()) return import_events(cli, import_file, dry_run);
    return exit_usage;
}
