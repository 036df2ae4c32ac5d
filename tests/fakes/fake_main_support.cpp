// The `fake-*` programs' shared flag parsing, ready line, command loop and stop signals.
#include "tests/fakes/fake_main_support.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

namespace scribe::fakes {

namespace {

// Lock-free, so a signal handler may store to it.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void request_stop(int) { stop_requested = true; }

}  // namespace

std::optional<int> parse_main_flags(int argc, char** argv, const char* usage, main_flags& flags,
                                    const value_flags& extra) {
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << flag << " needs a value\n" << usage;
                std::exit(2);
            }
            return argv[++i];
        };
        if (flag == "--port") {
            flags.port = static_cast<unsigned short>(std::stoul(value()));
        } else if (flag == "--ca-out") {
            flags.ca_out = value();
        } else if (flag == "--interactive") {
            flags.interactive = true;
        } else if (flag == "--verbose") {
            flags.verbose = true;
        } else if (const auto it = extra.find(flag); it != extra.end()) {
            it->second(value());
        } else {
            std::cerr << usage;
            return flag == "--help" || flag == "-h" ? 0 : 2;
        }
    }
    return std::nullopt;
}

void log_to_stderr(std::string_view line) { std::cerr << line << '\n'; }

std::string export_ca(const main_flags& flags, const std::string& ca_pem,
                      const std::string& ca_file) {
    if (flags.ca_out.empty()) return ca_file;
    std::ofstream(flags.ca_out) << ca_pem;
    return flags.ca_out;
}

void print_ready_line(const std::vector<ready_field>& fields) {
    std::cout << '{';
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) std::cout << ',';
        std::cout << '"' << fields[i].name << "\":";
        if (fields[i].quoted) {
            std::cout << '"' << fields[i].value << '"';
        } else {
            std::cout << fields[i].value;
        }
    }
    std::cout << '}' << std::endl;
}

command_line::command_line(const std::string& line) : in_(line) { in_ >> verb_; }

std::string command_line::rest() {
    std::string text;
    std::getline(in_ >> std::ws, text);
    return text;
}

void install_stop_signals() {
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
}

void serve_commands(const main_flags& flags, std::function<bool(command_line&)> run_command) {
    if (!flags.interactive) return;
    // Detached: it may sit in getline when the process ends, which is harmless.
    std::thread([run_command = std::move(run_command)] {
        for (std::string line; std::getline(std::cin, line) && line != "quit";) {
            try {
                command_line command(line);
                if (!command.verb().empty() && !run_command(command)) {
                    std::cout << "unknown command: " << command.verb() << std::endl;
                }
            } catch (const std::exception& e) {
                std::cout << "error: " << e.what() << std::endl;
            }
        }
        stop_requested = true;
    }).detach();
}

void wait_until_stop_requested() {
    while (!stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace scribe::fakes
