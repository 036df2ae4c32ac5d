// What the `fake-*` programs share: flags, the ready line, the stdin command loop, SIGINT/SIGTERM.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scribe::fakes {

// The flags every fake program takes; the rest go to the program's own parser.
struct main_flags {
    std::optional<unsigned short> port;  // --port N
    std::string ca_out;                  // --ca-out FILE
    bool interactive = false;            // --interactive
    bool verbose = false;                // --verbose
};

// A program's own flags, each taking a value: flag -> what to do with the value.
using value_flags = std::map<std::string, std::function<void(const std::string& value)>>;

// Parses argv into `flags` and `extra`. Returns the exit code when the program should end at
// once: 0 after --help or -h, 2 for an unknown flag (both print `usage`); a flag without its
// value exits with 2 at once.
std::optional<int> parse_main_flags(int argc, char** argv, const char* usage, main_flags& flags,
                                    const value_flags& extra);

// The log sink of --verbose: one line each to stderr.
void log_to_stderr(std::string_view line);

// Writes the CA to flags.ca_out when given; returns the CA file to report.
std::string export_ca(const main_flags& flags, const std::string& ca_pem,
                      const std::string& ca_file);

// One field of the ready line: its name, its text and whether it is a JSON string.
struct ready_field {
    std::string name;
    std::string value;
    bool quoted = true;
};
// Prints the fields as one JSON object on a line of its own (values are not escaped).
void print_ready_line(const std::vector<ready_field>& fields);

// Makes SIGINT and SIGTERM request a stop.
void install_stop_signals();

// Applies --port and --verbose to a fake's options, then installs the stop signals.
template <class Options>
void apply_main_flags(const main_flags& flags, Options& options) {
    if (flags.port) options.port = *flags.port;
    if (flags.verbose) options.log = log_to_stderr;
    install_stop_signals();
}

// parse_main_flags, then (unless the program should end) apply_main_flags to `options`.
template <class Options>
std::optional<int> parse_main_flags(int argc, char** argv, const char* usage, main_flags& flags,
                                    Options& options, const value_flags& extra) {
    auto done = parse_main_flags(argc, argv, usage, flags, extra);
    if (!done) apply_main_flags(flags, options);
    return done;
}

// One stdin command: its first word, then the words after it.
class command_line {
  public:
    explicit command_line(const std::string& line);
    const std::string& verb() const { return verb_; }
    std::istream& args() { return in_; }  // the words after the verb, to read with >>
    std::string rest();                   // what is left of the line, leading blanks skipped

  private:
    std::istringstream in_;
    std::string verb_;
};

// With --interactive: reads stdin lines on a detached thread and hands each but blank ones to
// `run_command`, printing "unknown command: …" when it returns false and "error: …" for a
// throw; "quit" or the end of input requests a stop.
void serve_commands(const main_flags& flags, std::function<bool(command_line&)> run_command);
// Sleeps until a stop was requested.
void wait_until_stop_requested();

}  // namespace scribe::fakes
