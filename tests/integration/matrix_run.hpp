// A fake homeserver with three people and an incident room, and the means to run the real
// `scribe` against it and check what it answered and stored.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "tests/fakes/fake_matrix.hpp"
#include "tests/integration/run_support.hpp"

namespace scribe::testing {

using fakes::fake_matrix;
using fakes::fake_matrix_options;
using fakes::matrix_room_spec;
using fakes::text_options;
using nlohmann::json;

inline const std::string pushpin = "\xF0\x9F\x93\x8C";
inline const std::string memo = "\xF0\x9F\x93\x9D";

// A homeserver with two people and their incident room, and Scribe running against it.
struct matrix_run {
    explicit matrix_run(fake_matrix_options options = {}) : hs(std::move(options)) {
        hs.start();
        alice = hs.add_user({"alice", "Alice Example", "password"});
        bob = hs.add_user({"bob", "Bob Builder", "password"});
        mallory = hs.add_user({"mallory", "Mallory", "password"});
        matrix_room_spec spec;
        spec.name = "inc-checkout";
        spec.members = {alice, bob};
        room = hs.create_room(spec);
    }

    std::vector<std::string> environment() const {
        std::vector<std::string> out{"SCRIBE_MATRIX_HOMESERVER=" + hs.homeserver_url(),
                                     "SCRIBE_MATRIX_ACCESS_TOKEN=" + hs.options().bot_access_token,
                                     "SCRIBE_MATRIX_ALLOWED_INVITERS=" + alice,
                                     "SCRIBE_TLS_CA_FILE=" + hs.ca_file().string(),
                                     "SCRIBE_LOG_LEVEL=debug",
                                     "SCRIBE_MATRIX_CRYPTO_KEY_FILE=" + crypto_key_file()};
        out.insert(out.end(), extra_environment.begin(), extra_environment.end());
        return out;
    }

    // Starts the bot and waits until its long poll is waiting for news.
    void start_bot() {
        const auto syncs = hs.stats().sync_calls;
        bot = std::make_shared<child_process>(std::vector<std::string>{"--db", db(), "run"},
                                              environment(), dir.path());
        REQUIRE_MESSAGE(hs.wait_for(
                            [&] {
                                const auto s = hs.stats();
                                return s.sync_calls >= syncs + 2 && s.pending_syncs >= 1;
                            },
                            patience),
                        bot->err());
    }

    // Starts the bot, has alice invite it, and waits for its greeting.
    void start_in_room() {
        start_bot();
        hs.invite(room, alice, hs.bot_user_id());
        reply_containing("Hello!");
        REQUIRE(hs.membership(room, hs.bot_user_id()) == "join");
    }

    void stop_bot() {
        bot->signal(SIGTERM);
        const auto code = bot->wait(patience);
        INFO(bot->err());
        REQUIRE(code.has_value());
        CHECK(*code == 0);
    }

    std::string db() const { return (dir / "scribe.db").string(); }

    // The secret that seals the bot's encryption keys, made once, readable by its owner only.
    std::string crypto_key_file() const {
        const auto file = dir / "crypto-key";
        if (!std::filesystem::exists(file)) {
            std::ofstream(file) << "a test secret that is long enough to seal keys\n";
            std::filesystem::permissions(
                file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        }
        return file.string();
    }

    // The bot's m.room.message events in the room, oldest first.
    std::vector<scribe::fakes::client_event> bot_messages() const {
        std::vector<scribe::fakes::client_event> out;
        for (auto& e : hs.sent_events(room)) {
            if (e.sender == hs.bot_user_id() && e.type == "m.room.message") out.push_back(e);
        }
        return out;
    }

    static std::string body_of(const scribe::fakes::client_event& e) {
        const auto it = e.content.find("body");
        return it != e.content.end() && it->is_string() ? it->get<std::string>() : "";
    }

    // Waits until the bot has posted a message containing `text`; returns that event.
    scribe::fakes::client_event reply_containing(const std::string& text) {
        scribe::fakes::client_event found;
        const bool ok = hs.wait_for(
            [&] {
                for (const auto& m : bot_messages()) {
                    if (body_of(m).find(text) != std::string::npos) {
                        found = m;
                        return true;
                    }
                }
                return false;
            },
            patience);
        INFO("waiting for a reply with: " << text << "\n" << bot->err());
        REQUIRE(ok);
        return found;
    }

    std::size_t replies_containing(const std::string& text) const {
        const auto messages = bot_messages();
        return static_cast<std::size_t>(
            std::count_if(messages.begin(), messages.end(), [&](const auto& m) {
                return body_of(m).find(text) != std::string::npos;
            }));
    }

    std::string say(const std::string& text, const std::string& who = {}) {
        return hs.send_text(room, who.empty() ? alice : who, text);
    }

    std::vector<json> stored_events() const { return exported_events(db()); }

    std::vector<std::string> extra_environment;  // more settings for the bot
    temp_dir dir;
    fake_matrix hs;
    std::string alice;
    std::string bob;
    std::string mallory;
    std::string room;
    std::shared_ptr<child_process> bot;  // shared when one bot serves several platforms
};

}  // namespace scribe::testing
