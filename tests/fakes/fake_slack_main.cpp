// `fake-slack`: runs the fake Slack on loopback for manual runs and benchmarks; prints its URLs.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/fakes/fake_slack.hpp"

namespace {

// Lock-free, so a signal handler may store to it.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void request_stop(int) { stop_requested = true; }

constexpr const char* usage = R"(usage: fake-slack [options]
  --port N            listen on 127.0.0.1:N (default: any free port)
  --ca-out FILE       also write the CA certificate (PEM) to FILE
  --app-token T       the xapp- token to accept (default: fake_slack_options)
  --bot-token T       the xoxb- token to accept
  --ping-ms N         server ping interval (default 10000)
  --ack-timeout-ms N  ack deadline (default 3000)
  --interactive       read commands from stdin:
                        msg <channel> <user> <text>      a user message
                        slash <channel> <user> <text>    /incident <text>
                        react <channel> <user> <ts> <name>
                        drop | refresh | disable | enable | stats | quit
  --verbose           log to stderr (never token values)
Prints one JSON line with the URLs, then serves until SIGINT or SIGTERM.
A channel C0INCIDENT (#incident) and users U0ALICE and U0BOB exist from the start.
)";

void run_command(scribe::fakes::fake_slack& fake, const std::string& line) {
    std::istringstream in(line);
    std::string verb;
    in >> verb;
    auto rest = [&in] {
        std::string text;
        std::getline(in >> std::ws, text);
        return text;
    };
    if (verb == "msg") {
        std::string channel, user;
        in >> channel >> user;
        const auto posted = fake.post_user_message(channel, user, rest());
        std::cout << "ts " << posted.ts << std::endl;
    } else if (verb == "slash") {
        std::string channel, user;
        in >> channel >> user;
        const auto command = fake.slash_command(channel, user, "/incident", rest());
        std::cout << "envelope " << command.envelope_id << std::endl;
    } else if (verb == "react") {
        std::string channel, user, ts, name;
        in >> channel >> user >> ts >> name;
        fake.add_reaction(channel, user, ts, name);
    } else if (verb == "drop") {
        fake.drop_link();
    } else if (verb == "refresh") {
        fake.refresh_link();
    } else if (verb == "disable") {
        fake.disable_socket_mode();
    } else if (verb == "enable") {
        fake.enable_socket_mode();
    } else if (verb == "stats") {
        const auto stats = fake.stats();
        std::cout << "links " << stats.open_links << " delivered " << stats.envelopes_delivered
                  << " redelivered " << stats.envelopes_redelivered << " acks " << stats.acks
                  << " bot messages " << fake.bot_messages().size() << std::endl;
    } else if (!verb.empty()) {
        std::cout << "unknown command: " << verb << std::endl;
    }
}

}  // namespace

int main(int argc, char** argv) {
    scribe::fakes::fake_slack_options options;
    std::string ca_out;
    bool interactive = false;
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
            options.port = static_cast<unsigned short>(std::stoul(value()));
        } else if (flag == "--ca-out") {
            ca_out = value();
        } else if (flag == "--app-token") {
            options.app_token = value();
        } else if (flag == "--bot-token") {
            options.bot_token = value();
        } else if (flag == "--ping-ms") {
            options.ping_interval = std::chrono::milliseconds(std::stol(value()));
        } else if (flag == "--ack-timeout-ms") {
            options.ack_timeout = std::chrono::milliseconds(std::stol(value()));
        } else if (flag == "--interactive") {
            interactive = true;
        } else if (flag == "--verbose") {
            options.log = [](std::string_view line) { std::cerr << line << '\n'; };
        } else {
            std::cerr << usage;
            return flag == "--help" || flag == "-h" ? 0 : 2;
        }
    }

    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);

    scribe::fakes::fake_slack fake(options);
    fake.add_user({"U0ALICE", "alice", "Alice Example", "alice", "Europe/Berlin",
                   "Central European Time", 3600, false});
    fake.add_user(
        {"U0BOB", "bob", "Bob Example", "bob", "America/New_York", "Eastern Time", -18000, false});
    fake.add_channel({"C0INCIDENT", "incident", {"U0ALICE", "U0BOB"}, true, false});
    fake.start();

    if (!ca_out.empty()) {
        std::ofstream(ca_out) << fake.ca_pem();
    }
    std::cout << R"({"api_base_url":")" << fake.api_base_url() << R"(","port":)" << fake.port()
              << R"(,"ca_file":")" << (ca_out.empty() ? fake.ca_file().string() : ca_out) << R"("})"
              << std::endl;

    if (interactive) {
        // Detached: it may sit in getline when the process ends, which is harmless.
        std::thread([&fake] {
            for (std::string line; std::getline(std::cin, line) && line != "quit";) {
                try {
                    run_command(fake, line);
                } catch (const std::exception& e) {
                    std::cout << "error: " << e.what() << std::endl;
                }
            }
            stop_requested = true;
        }).detach();
    }

    while (!stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fake.stop();
    return 0;
}
