// The subcommands of `scribe` that work on one machine: console, demo, documents, lists,
// export and import.
#include "bot/app/cli.hpp"

#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "adapters/console/console_adapter.hpp"
#include "bot/app/demo_story.hpp"
#include "bot/app/router.hpp"
#include "bot/app/router_port.hpp"
#include "bot/model/codec.hpp"
#include "bot/model/time.hpp"
#include "bot/model/trends.hpp"
#include "bot/render/render.hpp"
#include "bot/store/import.hpp"
#include "bot/store/postgres_store.hpp"
#include "bot/store/sqlite_store.hpp"

namespace scribe::app {

model::zone zone_of(const config& settings) {
    return model::zone::locate(settings.time_zone).value_or(model::zone::utc());
}

std::unique_ptr<store::event_store> open_reader(const cli_context& cli) {
    if (!cli.settings.store_url.empty()) {
        return store::postgres_store::open_read_only(cli.settings.store_url,
                                                     cli.settings.store_password);
    }
    return store::sqlite_store::open_read_only(cli.store_path.string());
}

namespace {

namespace asio = boost::asio;

// How long the demo waits for a commit: a lock held by another writer is waited out three
// times five seconds (the store's busy timeout), and then some.
constexpr std::chrono::milliseconds store_patience{60'000};

model::timestamp wall_clock() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

bool on_postgres(const cli_context& cli) { return !cli.settings.store_url.empty(); }

// Opens the store to write to it: PostgreSQL at store.url, migrated when older, or the SQLite
// file, created with its folder (private to the user) when missing.
std::unique_ptr<store::event_store> open_store(const cli_context& cli) {
    if (on_postgres(cli)) {
        return store::postgres_store::open(cli.settings.store_url, cli.settings.store_password);
    }
    const auto folder = cli.store_path.parent_path();
    if (!folder.empty() && !std::filesystem::exists(folder)) {
        std::filesystem::create_directories(folder);
        ::chmod(folder.c_str(), 0700);
    }
    return store::sqlite_store::open(cli.store_path.string());
}

// Whether what went to the stream reached it; says so when not (a full disk, a closed pipe).
int finished_writing(const cli_context& cli, std::ostream& out, const std::string& where) {
    out.flush();
    if (out) return exit_ok;
    cli.err << "scribe: cannot write to " << where << "\n";
    return exit_failure;
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

render::options render_options(const config& settings) {
    return {zone_of(settings), wall_clock(), settings.bar_raiser};
}

// Writes to the file when given, else to the output stream.
int emit(const cli_context& cli, const std::string& content,
         const std::optional<std::filesystem::path>& output) {
    if (!output) {
        cli.out << content;
        if (!content.empty() && content.back() != '\n') cli.out << '\n';
        return finished_writing(cli, cli.out, "standard output");
    }
    std::ofstream file(*output, std::ios::binary | std::ios::trunc);
    file << content;
    file.close();
    if (!file) {
        cli.err << "scribe: cannot write " << output->string() << "\n";
        return exit_failure;
    }
    return exit_ok;
}

// Loads and folds one incident; nullopt (with the message printed) when it does not exist.
std::optional<std::pair<model::incident, std::vector<model::event>>> load(
    const cli_context& cli, store::event_store& store, std::int64_t id) {
    auto events = store.load_incident(id);
    if (events.empty()) {
        cli.err << "scribe: there is no incident #" << id << " in " << store_name(cli)
                << " (see scribe list)\n";
        return std::nullopt;
    }
    auto incident = model::fold(events);
    return std::pair{std::move(incident), std::move(events)};
}

// Runs `body` and turns store failures into a message and an exit code.
template <class Body>
int guarded(const cli_context& cli, Body body) {
    try {
        return body();
    } catch (const store::store_error& e) {
        cli.err << "scribe: " << e.what() << "\n";
        return exit_failure;
    } catch (const render::template_error& e) {
        cli.err << "scribe: template: " << e.what() << "\n";
        return exit_usage;
    } catch (const std::filesystem::filesystem_error& e) {
        cli.err << "scribe: " << e.what() << "\n";
        return exit_failure;
    }
}

}  // namespace

router_options options_for(const config& settings, std::function<model::timestamp()> clock,
                           std::string postmortem_template) {
    router_options options;
    options.prefix = settings.prefix;
    options.zone = zone_of(settings);
    options.default_severity = settings.default_severity;
    options.max_text = static_cast<std::size_t>(settings.max_text);
    options.postmortem_template = std::move(postmortem_template);
    options.clock = std::move(clock);
    options.reminders = settings.reminders;
    options.bar_raiser = settings.bar_raiser;
    return options;
}

std::optional<std::string> configured_template(const cli_context& cli) {
    if (cli.settings.postmortem_template.empty()) return std::string();
    auto text = read_file(cli.settings.postmortem_template);
    if (!text) {
        cli.err << "scribe: cannot read the template " << cli.settings.postmortem_template
                << " (render.template)\n";
    }
    return text;
}

std::string store_name(const cli_context& cli) {
    return on_postgres(cli) ? store::postgres_store::describe(cli.settings.store_url)
                            : cli.store_path.string();
}

int run_console(const cli_context& cli, const console_args& args, std::istream& in) {
    return guarded(cli, [&] {
        const auto tmpl = configured_template(cli);
        if (!tmpl) return static_cast<int>(exit_usage);
        auto store = open_store(cli);
        // One loop carries the console, the router and the store's completions.
        asio::io_context io(1);
        router bot(*store, options_for(cli.settings, wall_clock, *tmpl),
                   [&io](std::function<void()> work) { asio::post(io, std::move(work)); });
        router_port port(bot, io.get_executor(), *store);
        adapters::console::console_options options;
        options.user = args.user;
        options.channel = args.channel;
        options.prefix = cli.settings.prefix;
        options.output_dir = args.output_dir.value_or(cli.settings.output_dir);
        adapters::console::console_adapter console(in, cli.out, options, port);
        int code = exit_ok;
        asio::co_spawn(io, console.run(), [&](std::exception_ptr failure) {
            if (!failure) return;
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                cli.err << "scribe: " << e.what() << "\n";
            }
            code = exit_failure;
        });
        io.run();
        store->flush();
        if (code == exit_ok && console.not_recorded() > 0) code = exit_failure;
        return code;
    });
}

int run_demo(const cli_context& cli, const std::filesystem::path& output_dir, bool store_given) {
    return guarded(cli, [&] {
        std::filesystem::create_directories(output_dir);
        cli_context demo = cli;
        if (!store_given) {
            // The demo's own store, fresh each time, so it never mixes with real incidents.
            demo.settings.store_url.clear();
            demo.store_path = output_dir / "scribe-demo.db";
            for (const char* suffix : {"", "-wal", "-shm"}) {
                std::filesystem::remove(demo.store_path.string() + suffix);
            }
        }
        auto store = open_store(demo);
        const auto story = data_sync_story();
        model::timestamp now = *model::parse_utc(story.front().at);
        asio::io_context io(1);
        // Commits complete on the store's thread: the loop waits for them, not for work.
        const auto waiting = asio::make_work_guard(io);
        router bot(*store, options_for(cli.settings, [&now] { return now; }, {}),
                   [&io](std::function<void()> work) { asio::post(io, std::move(work)); });

        const std::string session = adapters::console::new_session_id();
        const std::regex number(R"(#(\d+))");
        std::string last_number;
        std::vector<std::filesystem::path> written;
        int count = 0;
        for (const auto& line : story) {
            now = *model::parse_utc(line.at);
            std::string text(line.text);
            if (const auto at = text.find("{last}"); at != std::string::npos) {
                text.replace(at, 6, last_number);
            }
            adapters::inbound_message message;
            std::string id(line.author);
            for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            message.author = {"console", id, std::string(line.author)};
            message.source = {"console", "demo", session + "-" + std::to_string(++count), 0};
            message.text = text;
            message.sent_at = now;
            cli.out << line.author << "> " << text << "\n";
            std::optional<adapters::delivery_result> outcome;
            bot.handle(
                std::move(message),
                [&](adapters::outbound_reply reply) {
                    cli.out << "scribe> " << reply.text << "\n\n";
                    std::smatch match;
                    if (std::regex_search(reply.text, match, number)) last_number = match[1];
                    for (const auto& file : reply.files) {
                        const auto path = output_dir / file.filename;
                        std::ofstream out(path, std::ios::binary | std::ios::trunc);
                        out << file.content;
                        written.push_back(path);
                    }
                },
                [&outcome](adapters::delivery_result result) { outcome = result; });
            // The commit completes on the store's thread and comes back through the loop.
            while (!outcome) {
                if (io.run_one_for(store_patience) == 0) {
                    cli.err << "scribe: the store did not answer; the demo stopped\n";
                    return static_cast<int>(exit_failure);
                }
            }
            if (*outcome != adapters::delivery_result::handled) {
                cli.err << "scribe: the demo's store could not record a message\n";
                return static_cast<int>(exit_failure);
            }
        }
        store->flush();
        if (written.empty()) {
            cli.err << "scribe: the demo did not produce its documents\n";
            return static_cast<int>(exit_failure);
        }
        cli.out << "The demo incident is closed. Documents:\n";
        for (const auto& path : written) cli.out << "  " << path.string() << "\n";
        cli.out << "Store: " << demo.store_path.string() << "\n";
        return static_cast<int>(exit_ok);
    });
}

int render_incident(const cli_context& cli, std::int64_t id, const std::string& format,
                    const std::optional<std::filesystem::path>& template_file,
                    const std::optional<std::filesystem::path>& output) {
    return guarded(cli, [&] {
        auto store = open_reader(cli);
        const auto loaded = load(cli, *store, id);
        if (!loaded) return static_cast<int>(exit_not_found);
        const auto& [incident, events] = *loaded;
        const auto opts = render_options(cli.settings);
        std::string tmpl;
        if (template_file || !cli.settings.postmortem_template.empty()) {
            const auto path = template_file.value_or(cli.settings.postmortem_template);
            const auto text = read_file(path);
            if (!text) {
                cli.err << "scribe: cannot read the template " << path.string() << "\n";
                return static_cast<int>(exit_usage);
            }
            tmpl = *text;
        }
        const std::string markdown = tmpl.empty()
                                         ? render::postmortem_markdown(incident, opts)
                                         : render::postmortem_from_template(incident, tmpl, opts);
        if (format == "md") return emit(cli, markdown, output);
        if (format == "html") {
            return emit(cli, render::markdown_to_html(markdown, incident.title), output);
        }
        return emit(cli, render::incident_json(incident, events, opts), output);
    });
}

int render_agenda(const cli_context& cli, std::int64_t id,
                  const std::optional<std::filesystem::path>& output) {
    return guarded(cli, [&] {
        auto store = open_reader(cli);
        const auto loaded = load(cli, *store, id);
        if (!loaded) return static_cast<int>(exit_not_found);
        const auto opts = render_options(cli.settings);
        return emit(cli, render::agenda_markdown(loaded->first, opts), output);
    });
}

namespace {

// One field of a TSV row: what would end the field or the row is escaped.
std::string tsv_field(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\\': out += "\\\\"; break;
            default: out += c;
        }
    }
    return out;
}

// One field of a CSV row (RFC 4180): quoted when it holds a separator, quote or line break.
std::string csv_field(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// A header and rows as TSV or CSV.
void write_table(std::ostream& out, list_format format, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
    const auto line = [&](const std::vector<std::string>& fields) {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (i > 0) out << (format == list_format::csv ? ',' : '\t');
            out << (format == list_format::csv ? csv_field(fields[i]) : tsv_field(fields[i]));
        }
        out << (format == list_format::csv ? "\r\n" : "\n");
    };
    line(header);
    for (const auto& row : rows) line(row);
}

nlohmann::json person_json(const model::person& who) {
    return {{"platform", who.platform}, {"id", who.id}, {"name", who.name}};
}

}  // namespace

int list_incidents(const cli_context& cli, bool open_only, list_format format) {
    return guarded(cli, [&] {
        auto store = open_reader(cli);
        const auto zone = zone_of(cli.settings);
        const auto incidents = store->list_incidents(open_only);
        if (format == list_format::json) {
            auto list = nlohmann::json::array();
            for (const auto& i : incidents) {
                list.push_back({{"id", i.id},
                                {"severity", model::to_string(i.level)},
                                {"phase", model::to_string(i.current)},
                                {"declared_at", model::format_utc(i.declared_at)},
                                {"platform", i.channel.platform},
                                {"channel", i.channel.channel},
                                {"title", i.title},
                                {"events", i.event_count}});
            }
            cli.out << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        } else {
            std::vector<std::vector<std::string>> rows;
            for (const auto& i : incidents) {
                rows.push_back({std::to_string(i.id), std::string(model::to_string(i.level)),
                                std::string(model::to_string(i.current)),
                                zone.format_date_time(i.declared_at),
                                i.channel.platform + ":" + i.channel.channel, i.title});
            }
            write_table(cli.out, format, {"id", "severity", "phase", "declared", "channel", "title"},
                        rows);
        }
        return finished_writing(cli, cli.out, "standard output");
    });
}

int list_actions(const cli_context& cli, list_format format) {
    return guarded(cli, [&] {
        auto store = open_reader(cli);
        const auto today = std::chrono::sys_days{zone_of(cli.settings).local_date(wall_clock())};
        const auto actions = store->list_actions(true);
        const auto overdue = [&](const store::action_row& a) {
            return a.due && std::chrono::sys_days{*a.due} < today;
        };
        if (format == list_format::json) {
            auto list = nlohmann::json::array();
            for (const auto& a : actions) {
                list.push_back(
                    {{"incident", a.incident_id},
                     {"number", a.number},
                     {"owner", person_json(a.owner)},
                     {"due", a.due ? nlohmann::json(model::format_date(*a.due)) : nullptr},
                     {"overdue", overdue(a)},
                     {"text", a.text},
                     {"incident_title", a.incident_title}});
            }
            cli.out << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        } else {
            std::vector<std::vector<std::string>> rows;
            for (const auto& a : actions) {
                rows.push_back({std::to_string(a.incident_id), std::to_string(a.number),
                                a.owner.name, a.due ? model::format_date(*a.due) : "",
                                overdue(a) ? "overdue" : "open", a.text, a.incident_title});
            }
            write_table(cli.out, format,
                        {"incident", "number", "owner", "due", "state", "text", "incident_title"},
                        rows);
        }
        return finished_writing(cli, cli.out, "standard output");
    });
}

namespace {

std::string seconds_text(const std::optional<model::duration>& d) {
    return d ? std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*d).count())
             : std::string();
}

nlohmann::json seconds_json(const std::optional<model::duration>& d) {
    return d ? nlohmann::json(std::chrono::duration_cast<std::chrono::seconds>(*d).count())
             : nlohmann::json(nullptr);
}

// "code-change=3 infrastructure=1", for a table cell.
std::string tally_text(const std::map<std::string, int>& tally) {
    std::string out;
    for (const auto& [name, count] : tally) {
        if (!out.empty()) out += ' ';
        out += name + "=" + std::to_string(count);
    }
    return out;
}

std::string percent_text(double percent) {
    char text[16];
    std::snprintf(text, sizeof text, "%.1f", percent);
    return text;
}

}  // namespace

int list_trends(const cli_context& cli, bool weekly, list_format format) {
    return guarded(cli, [&] {
        auto store = open_reader(cli);
        const auto zone = zone_of(cli.settings);
        std::vector<model::incident_facts> facts;
        for (auto& record : store->list_incident_records())
            facts.push_back(std::move(record.facts));
        const auto rows =
            model::trends(facts, weekly ? model::trend_period::week : model::trend_period::month,
                          [&zone](model::timestamp t) { return zone.local_date(t); });
        using model::severity;
        if (format == list_format::json) {
            auto list = nlohmann::json::array();
            for (const auto& r : rows) {
                nlohmann::json spreads = nlohmann::json::object();
                for (const auto& [name, s] :
                     {std::pair{"detect", &r.detect}, std::pair{"mitigate", &r.mitigate},
                      std::pair{"resolve", &r.resolve}}) {
                    spreads[name] = {{"count", s->count},
                                     {"median_seconds", seconds_json(s->median)},
                                     {"p90_seconds", seconds_json(s->p90)}};
                }
                nlohmann::json levels = nlohmann::json::object();
                for (const auto& [level, count] : r.by_severity) {
                    levels[std::string(model::to_string(level))] = count;
                }
                list.push_back({{"period", r.period},
                                {"incidents", r.incidents},
                                {"by_severity", std::move(levels)},
                                {"sev1_sev2_percent", r.sev1_sev2_percent},
                                {"metrics", std::move(spreads)},
                                {"origins", r.origins},
                                {"resolutions", r.resolutions},
                                {"detections", r.detections},
                                {"actions_opened", r.actions_opened},
                                {"actions_done", r.actions_done}});
            }
            cli.out << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        } else {
            std::vector<std::vector<std::string>> table;
            for (const auto& r : rows) {
                table.push_back({r.period, std::to_string(r.incidents),
                                 std::to_string(r.by_severity.at(severity::sev1)),
                                 std::to_string(r.by_severity.at(severity::sev2)),
                                 std::to_string(r.by_severity.at(severity::sev3)),
                                 std::to_string(r.by_severity.at(severity::sev4)),
                                 percent_text(r.sev1_sev2_percent), seconds_text(r.detect.median),
                                 seconds_text(r.detect.p90), seconds_text(r.mitigate.median),
                                 seconds_text(r.mitigate.p90), seconds_text(r.resolve.median),
                                 seconds_text(r.resolve.p90), tally_text(r.origins),
                                 tally_text(r.resolutions), tally_text(r.detections),
                                 std::to_string(r.actions_opened), std::to_string(r.actions_done)});
            }
            write_table(cli.out, format,
                        {"period", "incidents", "sev1", "sev2", "sev3", "sev4", "sev1_sev2_percent",
                         "mttd_median_s", "mttd_p90_s", "ttm_median_s", "ttm_p90_s",
                         "mttr_median_s", "mttr_p90_s", "origins", "resolutions", "detections",
                         "actions_opened", "actions_done"},
                        table);
        }
        return finished_writing(cli, cli.out, "standard output");
    });
}

int export_events(const cli_context& cli, const std::optional<std::filesystem::path>& output) {
    return guarded(cli, [&] {
        auto store = open_reader(cli);
        std::ofstream file;
        if (output) {
            file.open(*output, std::ios::binary | std::ios::trunc);
            if (!file) {
                cli.err << "scribe: cannot write " << output->string() << "\n";
                return static_cast<int>(exit_failure);
            }
        }
        std::ostream& out = output ? static_cast<std::ostream&>(file) : cli.out;
        std::int64_t count = 0;
        store->for_each_event([&](const model::event& e) {
            out << model::event_to_json(e).dump() << '\n';
            ++count;
        });
        if (finished_writing(cli, out, output ? output->string() : "standard output") != exit_ok) {
            return static_cast<int>(exit_failure);
        }
        cli.err << "exported " << count << " events\n";
        return static_cast<int>(exit_ok);
    });
}

int import_events(const cli_context& cli, const std::filesystem::path& input, bool dry_run) {
    return guarded(cli, [&] {
        std::ifstream file;
        if (input != "-") {
            file.open(input, std::ios::binary);
            if (!file) {
                cli.err << "scribe: cannot read " << input.string() << "\n";
                return static_cast<int>(exit_failure);
            }
        }
        std::istream& in = input == "-" ? std::cin : static_cast<std::istream&>(file);
        const std::string name = input == "-" ? "standard input" : input.string();
        std::vector<model::event> events;
        std::vector<long long> lines;  // the line each event came from
        std::string line;
        long long line_number = 0;
        // Nothing is imported from a file with a bad line: a half import is worse.
        const auto refuse = [&](long long at, const std::string& problem) {
            cli.err << "scribe: " << name << ":" << at << ": " << problem << "; nothing imported\n";
            return static_cast<int>(exit_usage);
        };
        while (std::getline(in, line)) {
            ++line_number;
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            const auto json = nlohmann::json::parse(line, nullptr, false);
            if (json.is_discarded()) return refuse(line_number, "not JSON");
            std::string error;
            auto e = model::event_from_json(json, error);
            if (!e) return refuse(line_number, error);
            events.push_back(std::move(*e));
            lines.push_back(line_number);
        }
        if (const auto problem = store::check_import(events)) {
            std::string text = problem->message;
            if (problem->other) text += " (see line " + std::to_string(lines[*problem->other]) + ")";
            return refuse(lines[problem->event], text);
        }
        // A dry run into a store that does not exist yet creates none: it tries a scratch one.
        cli_context target = cli;
        std::optional<std::filesystem::path> scratch;
        if (dry_run && !on_postgres(cli) && !std::filesystem::exists(cli.store_path)) {
            scratch = std::filesystem::temp_directory_path() /
                      ("scribe-dry-run-" + adapters::console::new_session_id());
            std::filesystem::create_directories(*scratch);
            target.store_path = *scratch / "scribe.db";
        }
        struct remove_scratch {
            const std::optional<std::filesystem::path>& folder;
            ~remove_scratch() {
                std::error_code ignored;
                if (folder) std::filesystem::remove_all(*folder, ignored);
            }
        } cleanup{scratch};
        auto store = open_store(target);
        store::import_report report;
        try {
            report = store->import_events(events, dry_run);
        } catch (const store::import_conflict& conflict) {
            return refuse(lines[conflict.event()],
                          std::string(conflict.what()) + " (" + conflict.stored() + " stays)");
        }
        const std::string verb = dry_run ? "would be " : "";
        for (const auto& i : report.incidents) {
            cli.err << "incident " << i.from << " \"" << i.title << "\": ";
            switch (i.what) {
                case store::imported_incident::outcome::restored:
                    cli.err << verb << "restored as #" << i.to;
                    break;
                case store::imported_incident::outcome::renumbered:
                    cli.err << verb << "added as #" << i.to << " (the store has its own #"
                            << i.from << ")";
                    break;
                case store::imported_incident::outcome::extended:
                    cli.err << "already in the store as #" << i.to << "; its later events "
                            << verb << "added";
                    break;
                case store::imported_incident::outcome::present:
                    cli.err << "already in the store as #" << i.to << ", every event";
                    break;
            }
            cli.err << " (" << i.added << " new events)\n";
        }
        cli.err << (dry_run ? "dry run: would import " : "imported ") << report.added
                << " new events of " << events.size() << (dry_run ? "; nothing was changed" : "")
                << "\n";
        return static_cast<int>(exit_ok);
    });
}

}  // namespace scribe::app
