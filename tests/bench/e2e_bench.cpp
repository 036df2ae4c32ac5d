// The encryption device's costs, medians of five runs: decrypting and encrypting room
// messages, sharing a room key with 50 devices (claims, Olm sessions, to-device bodies), and
// saving, sealing, opening and restoring a state that holds 1,000 room keys.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adapters/matrix/e2e/ciphers.hpp"
#include "adapters/matrix/e2e/machine.hpp"

namespace {

namespace e2e = scribe::adapters::matrix::e2e;
using nlohmann::json;
using bench_clock = std::chrono::steady_clock;

constexpr std::string_view room = "!bench:hs.test";

double median_ms(const std::function<void()>& run) {
    std::vector<double> times;
    for (int i = 0; i < 5; ++i) {
        const auto start = bench_clock::now();
        run();
        times.push_back(
            std::chrono::duration<double, std::milli>(bench_clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    return times[2];
}

// What a homeserver would answer to queries and claims for the given devices.
struct key_directory {
    json devices = json::object();
    json one_time_keys = json::object();

    void add(e2e::machine& m) {
        const auto body = json::parse(*m.keys_to_upload());
        devices[m.user_id()][m.device_id()] = body["device_keys"];
        one_time_keys[m.user_id()][m.device_id()] = body["one_time_keys"];
        m.on_keys_uploaded(R"({"one_time_key_counts":{"signed_curve25519":50}})");
    }
    std::string query() const { return json{{"device_keys", devices}}.dump(); }
    std::string claim(const std::string& asked) {
        json out = {{"one_time_keys", json::object()}};
        const auto wanted = json::parse(asked)["one_time_keys"];
        for (const auto& [user, list] : wanted.items()) {
            for (const auto& [device, algorithm] : list.items()) {
                auto& keys = one_time_keys[user][device];
                const auto first = keys.begin();
                out["one_time_keys"][user][device][first.key()] = first.value();
                keys.erase(first.key());
            }
        }
        return out.dump();
    }
};

std::string room_event(const std::string& sender, const std::string& content, int n) {
    return json{{"type", "m.room.encrypted"},
                {"event_id", "$e" + std::to_string(n)},
                {"sender", sender},
                {"origin_server_ts", 1},
                {"content", json::parse(content)}}
        .dump();
}

}  // namespace

int main() {
    const auto engine = e2e::make_libolm_engine();
    const auto key = e2e::state_key::from_secret("a secret for the benchmark, long enough");

    // Alice shares her room key with the bot; 1,000 of her messages are decrypted.
    e2e::machine alice{*engine, "@alice:hs.test", "ALICE", "alice"};
    e2e::machine bot{*engine, "@scribe:hs.test", "SCRIBE", key.pickle_key()};
    key_directory directory;
    directory.add(alice);
    directory.add(bot);
    const std::vector<std::string> pair{"@alice:hs.test", "@scribe:hs.test"};
    alice.on_keys_query(directory.query());
    bot.on_keys_query(directory.query());
    alice.prepare_room(std::string(room), pair, {}, 0);
    const auto claim = *alice.claims_for(std::string(room), pair);
    alice.on_keys_claimed(directory.claim(claim), claim);
    const auto shared = json::parse(*alice.share_room_key(std::string(room), pair));
    bot.on_to_device({json{{"type", "m.room.encrypted"},
                           {"sender", "@alice:hs.test"},
                           {"content", shared["messages"]["@scribe:hs.test"]["SCRIBE"]}}
                          .dump()});
    constexpr int messages = 1'000;
    std::vector<std::string> events;
    e2e::room_encryption unbounded;
    unbounded.rotation_messages = 1'000'000;
    for (int i = 0; i < messages; ++i) {
        events.push_back(room_event(
            "@alice:hs.test",
            alice.encrypt(
                std::string(room), "m.room.message",
                R"({"msgtype":"m.text","body":"!tl rolled back checkout-api to v2.14.3"})"),
            i));
    }
    const double decrypt_ms = median_ms([&] {
        for (const auto& event : events) {
            if (bot.decrypt(room, event, 0).outcome != e2e::decrypt_outcome::decrypted) {
                std::fprintf(stderr, "decryption failed\n");
                std::exit(1);
            }
        }
    });
    bot.prepare_room(std::string(room), pair, unbounded, 0);
    const auto reply = R"({"msgtype":"m.notice","body":"Recorded #12: rolled back checkout-api"})";
    const double encrypt_ms = median_ms([&] {
        for (int i = 0; i < messages; ++i)
            (void)bot.encrypt(std::string(room), "m.room.message", reply);
    });

    // A room of 50 devices: the first message after a rotation claims and shares with each.
    std::vector<std::unique_ptr<e2e::machine>> crowd;
    std::vector<std::string> members{"@scribe:hs.test"};
    for (int i = 0; i < 50; ++i) {
        crowd.push_back(std::make_unique<e2e::machine>(
            *engine, "@u" + std::to_string(i) + ":hs.test", "DEV", "k"));
        directory.add(*crowd.back());
        members.push_back(crowd.back()->user_id());
    }
    int round = 0;
    const double share_ms = median_ms([&] {
        e2e::machine sharer{*engine, "@scribe:hs.test", "SHARER" + std::to_string(round++), "k"};
        sharer.on_keys_query(directory.query());
        sharer.prepare_room(std::string(room), members, {}, 0);
        const auto asked = *sharer.claims_for(std::string(room), members);
        sharer.on_keys_claimed(directory.claim(asked), asked);
        (void)sharer.share_room_key(std::string(room), members);
    });

    // 1,000 room keys in the saved state.
    for (int r = 0; r < 999; ++r) {
        const std::string other_room = "!room" + std::to_string(r) + ":hs.test";
        alice.prepare_room(other_room, pair, {}, 0);
        const auto body = alice.share_room_key(other_room, pair);
        if (!body) continue;
        const auto parsed = json::parse(*body);
        bot.on_to_device({json{{"type", "m.room.encrypted"},
                               {"sender", "@alice:hs.test"},
                               {"content", parsed["messages"]["@scribe:hs.test"]["SCRIBE"]}}
                              .dump()});
    }
    std::string sealed;
    const double save_ms =
        median_ms([&] { sealed = key.seal(bot.save(), "@scribe:hs.test/SCRIBE"); });
    const double restore_ms = median_ms([&] {
        (void)e2e::machine::restore(*engine, "@scribe:hs.test", "SCRIBE", key.pickle_key(),
                                    key.open(sealed, "@scribe:hs.test/SCRIBE"));
    });

    std::printf("decrypt a room message        %8.1f us\n", decrypt_ms * 1000.0 / messages);
    std::printf("encrypt a reply               %8.1f us\n", encrypt_ms * 1000.0 / messages);
    std::printf("share a room key, 50 devices  %8.1f ms (claims, Olm sessions, to-device body)\n",
                share_ms);
    std::printf("saved state, 1,000 room keys  %8.1f KiB sealed\n",
                static_cast<double>(sealed.size()) / 1024.0);
    std::printf("  save and seal               %8.1f ms\n", save_ms);
    std::printf("  open and restore            %8.1f ms\n", restore_ms);
    return 0;
}
