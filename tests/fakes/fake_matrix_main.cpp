// `fake-matrix`: runs the fake Matrix homeserver on loopback for manual runs and benchmarks.
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "tests/fakes/fake_main_support.hpp"
#include "tests/fakes/fake_matrix.hpp"

namespace {

constexpr const char* usage = R"(usage: fake-matrix [options]
  --port N              listen on 127.0.0.1:N (default: any free port)
  --ca-out FILE         also write the CA certificate (PEM) to FILE
  --server-name NAME    the homeserver name in IDs (default fake.matrix.test)
  --bot-token T         the bot's access token (default: fake_matrix_options)
  --room-version V      version of the scripted rooms (default 10)
  --user NAME           one more user @NAME (password "password"), in no room; repeatable
  --interactive         read commands from stdin:
                          msg <user> <text>           a message in the incident room
                          react <user> <event> <key>  a reaction
                          redact <user> <event>       a redaction
                          invite                      invite the bot to a new room
                          hold <user> [type] [from]   keep back the next to-device message of
                                                      type (m.room.encrypted) sent to @user
                                                      (by @from, if given)
                          release                     deliver what was kept back
                          devices <user>              @user's device IDs, as a JSON list
                          stats | quit
  --verbose             log each request and answer status to stderr (never token values)
Prints one JSON line with the URL and IDs, then serves until SIGINT or SIGTERM.
Users @alice and @bob (password "password") and a room with them and the bot exist from the start.
)";

// Runs one command in `room`; false for an unknown verb.
bool run_command(scribe::fakes::fake_matrix& fake, const std::string& room,
                 scribe::fakes::command_line& line) {
    auto& in = line.args();
    const auto& verb = line.verb();
    if (verb == "msg") {
        std::string user;
        in >> user;
        std::cout << "event " << fake.send_text(room, fake.user_id(user), line.rest()) << std::endl;
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
    } else if (verb == "hold") {
        std::string user;
        std::string type = "m.room.encrypted";
        std::string from;
        in >> user >> type >> from;
        fake.hold_to_device(fake.user_id(user), type, 1, from.empty() ? from : fake.user_id(from));
        std::cout << "holding " << type << std::endl;
    } else if (verb == "release") {
        std::cout << "released " << fake.release_held_to_device() << std::endl;
    } else if (verb == "devices") {
        std::string user;
        in >> user;
        std::cout << "devices " << nlohmann::json(fake.devices(fake.user_id(user))).dump()
                  << std::endl;
    } else if (verb == "stats") {
        const auto stats = fake.stats();
        std::cout << "requests " << stats.requests << " syncs " << stats.sync_calls << " pending "
                  << stats.pending_syncs << " bot events " << fake.sent_events().size()
                  << std::endl;
    } else {
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    namespace fakes = scribe::fakes;
    fakes::fake_matrix_options options;
    fakes::main_flags flags;
    std::vector<std::string> extra_users;
    const auto done = fakes::parse_main_flags(
        argc, argv, usage, flags, options,
        {{"--server-name", [&options](const std::string& v) { options.server_name = v; }},
         {"--bot-token", [&options](const std::string& v) { options.bot_access_token = v; }},
         {"--room-version", [&options](const std::string& v) { options.default_room_version = v; }},
         {"--user", [&extra_users](const std::string& v) { extra_users.push_back(v); }}});
    if (done) return *done;

    fakes::fake_matrix fake(options);
    const auto alice = fake.add_user({"alice", "Alice Example", "password"});
    const auto bob = fake.add_user({"bob", "Bob Example", "password"});
    for (const auto& name : extra_users) fake.add_user({name, name, "password"});
    fakes::matrix_room_spec spec;
    spec.name = "Incidents";
    spec.alias_localpart = "incident";
    spec.members = {alice, bob, fake.bot_user_id()};
    const auto room = fake.create_room(spec);
    fake.start();

    const auto ca_file = fakes::export_ca(flags, fake.ca_pem(), fake.ca_file().string());
    fakes::print_ready_line({{"homeserver_url", fake.homeserver_url()},
                             {"port", std::to_string(fake.port()), false},
                             {"ca_file", ca_file},
                             {"bot_user_id", fake.bot_user_id()},
                             {"room_id", room}});

    fakes::serve_commands(
        flags, [&fake, room](fakes::command_line& line) { return run_command(fake, room, line); });
    fakes::wait_until_stop_requested();
    fake.stop();
    return 0;
}
