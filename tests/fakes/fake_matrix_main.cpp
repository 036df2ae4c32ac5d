// `fake-matrix`: runs the fake Matrix homeserver on loopback for manual runs and benchmarks.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/fakes/fake_matrix.hpp"

namespace {

// Lock-free, so a signal handler may store to it.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void request_stop(int) { stop_requested = true; }

constexpr const char* usage = R"(usage: fake-matrix [options]
  --port N              listen on 127.0.0.1:N (default: any free port)
  --ca-out FILE         also write the CA certificate (PEM) to FILE
  --server-name NAME    the homeserver name in IDs (default fake.matrix.test)
  --bot-token T         the bot's access token (default: fake_matrix_options)
  --room-version V      version of the scripted rooms (default 10)
  --interactive         read commands from stdin:
                          msg <user> <text>           a message in the incident room
                          react <user> <event> <key>  a reaction
                          redact <user> <event>       a redaction
                          invite                      invite the bot to a new room
                          stats | quit
  --verbose             log to stderr (never token values)
Prints one JSON line with the URL and IDs, then serves until SIGINT or SIGTERM.
Users @alice and @bob (password "password") and a room with them and the bot exist from the start.
)";

void run_command(scribe::fakes::fake_matrix& fake, const std::string& room,
                 const std::string& line) {
    std::istringstream in(line);
    std::string verb;
    in >> verb;
    auto rest = [&in] {
        std::string text;
        std::getline(in >> std::ws, text);
        return text;
    };
    if (verb == "msg") {
        std::string user;
        in >> user;
        std::cout << "event " << fake.send_text(room, fake.user_id(user), rest()) << std::endl;
    } else if (verb == "react") {
        std::string user, event, key;
        in >> user >> event >> key;
        std::cout << "event " << fake.react(room, fake.user_id(user), event, key) << std::endl;
    } else if (verb == "redact") {
        std::string user, event;
        in >> user >> event;
        std::cout << "event " << fake.redact(room, fake.user_id(user), event) << std::endl;
    } else if (verb == "invite") {
        scribe::fakes::matrix_room_spec spec;
        spec.name = "New incident";
        spec.members = {fake.user_id("alice")};
        spec.invited = {fake.bot_user_id()};
        std::cout << "room " << fake.create_room(spec) << std::endl;
    } else if (verb == "stats") {
        const auto stats = fake.stats();
        std::cout << "requests " << stats.requests << " syncs " << stats.sync_calls << " pending "
                  << stats.pending_syncs << " bot events " << fake.sent_events().size()
                  << std::endl;
    } else if (!verb.empty()) {
        std::cout << "unknown command: " << verb << std::endl;
    }
}

}  // namespace

int main(int argc, char** argv) {
    scribe::fakes::fake_matrix_options options;
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
        } else if (flag == "--server-name") {
            options.server_name = value();
        } else if (flag == "--bot-token") {
            options.bot_access_token = value();
        } else if (flag == "--room-version") {
            options.default_room_version = value();
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

    scribe::fakes::fake_matrix fake(options);
    const auto alice = fake.add_user({"alice", "Alice Example", "password"});
    const auto bob = fake.add_user({"bob", "Bob Example", "password"});
    scribe::fakes::matrix_room_spec spec;
    spec.name = "Incidents";
    spec.alias_localpart = "incident";
    spec.members = {alice, bob, fake.bot_user_id()};
    const auto room = fake.create_room(spec);
    fake.start();

    if (!ca_out.empty()) {
        std::ofstream(ca_out) << fake.ca_pem();
    }
    std::cout << R"({"homeserver_url":")" << fake.homeserver_url() << R"(","port":)" << fake.port()
              << R"(,"ca_file":")" << (ca_out.empty() ? fake.ca_file().string() : ca_out)
              << R"(","bot_user_id":")" << fake.bot_user_id() << R"(","room_id":")" << room
              << R"("})" << std::endl;

    if (interactive) {
        // Detached: it may sit in getline when the process ends, which is harmless.
        std::thread([&fake, room] {
            for (std::string line; std::getline(std::cin, line) && line != "quit";) {
                try {
                    run_command(fake, room, line);
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
