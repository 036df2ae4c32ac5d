// `fake-slack`: runs the fake Slack on loopback for manual runs and benchmarks; prints its URLs.
#include <chrono>
#include <iostream>
#include <string>

#include "tests/fakes/fake_main_support.hpp"
#include "tests/fakes/fake_slack.hpp"

namespace {

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

// Runs one command; false for an unknown verb.
bool run_command(scribe::fakes::fake_slack& fake, scribe::fakes::command_line& line) {
    auto& in = line.args();
    const auto& verb = line.verb();
    if (verb == "msg") {
        std::string channel, user;
        in >> channel >> user;
        const auto posted = fake.post_user_message(channel, user, line.rest());
        std::cout << "ts " << posted.ts << std::endl;
    } else if (verb == "slash") {
        std::string channel, user;
        in >> channel >> user;
        const auto command = fake.slash_command(channel, user, "/incident", line.rest());
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
    } else {
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    namespace fakes = scribe::fakes;
    fakes::fake_slack_options options;
    fakes::main_flags flags;
    const auto done = fakes::parse_main_flags(
        argc, argv, usage, flags, options,
        {{"--app-token", [&options](const std::string& v) { options.app_token = v; }},
         {"--bot-token", [&options](const std::string& v) { options.bot_token = v; }},
         {"--ping-ms",
          [&options](const std::string& v) {
              options.ping_interval = std::chrono::milliseconds(std::stol(v));
          }},
         {"--ack-timeout-ms", [&options](const std::string& v) {
              options.ack_timeout = std::chrono::milliseconds(std::stol(v));
          }}});
    if (done) return *done;

    fakes::fake_slack fake(options);
    fake.add_user({"U0ALICE", "alice", "Alice Example", "alice", "Europe/Berlin",
                   "Central European Time", 3600, false});
    fake.add_user(
        {"U0BOB", "bob", "Bob Example", "bob", "America/New_York", "Eastern Time", -18000, false});
    fake.add_channel({"C0INCIDENT", "incident", {"U0ALICE", "U0BOB"}, true, false});
    fake.start();

    const auto ca_file = fakes::export_ca(flags, fake.ca_pem(), fake.ca_file().string());
    fakes::print_ready_line({{"api_base_url", fake.api_base_url()},
                             {"port", std::to_string(fake.port()), false},
                             {"ca_file", ca_file}});

    fakes::serve_commands(flags,
                          [&fake](fakes::command_line& line) { return run_command(fake, line); });
    fakes::wait_until_stop_requested();
    fake.stop();
    return 0;
}
