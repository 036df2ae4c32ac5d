// The encryption device without I/O: two devices set up Olm and Megolm through a key server
// kept in the test, as a homeserver would relay them.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "adapters/matrix/e2e/ciphers.hpp"
#include "adapters/matrix/e2e/machine.hpp"

namespace e2e = scribe::adapters::matrix::e2e;
using nlohmann::json;

namespace {

constexpr std::string_view room = "!incident:hs.test";

// What a homeserver keeps of uploaded keys, and its answers to /keys/query and /keys/claim.
struct key_server {
    json devices = json::object();        // user -> device -> device_keys
    json one_time_keys = json::object();  // user -> device -> key id -> key object
    json fallback_keys = json::object();

    void upload(const e2e::machine& who, const std::string& body) {
        const auto b = json::parse(body);
        if (b.contains("device_keys")) devices[who.user_id()][who.device_id()] = b["device_keys"];
        if (b.contains("one_time_keys")) {
            for (const auto& [id, key] : b["one_time_keys"].items()) {
                one_time_keys[who.user_id()][who.device_id()][id] = key;
            }
        }
        if (b.contains("fallback_keys")) {
            fallback_keys[who.user_id()][who.device_id()] = b["fallback_keys"];
        }
    }
    std::string upload_answer(const e2e::machine& who) const {
        std::size_t count = 0;
        if (one_time_keys.contains(who.user_id()) &&
            one_time_keys[who.user_id()].contains(who.device_id())) {
            count = one_time_keys[who.user_id()][who.device_id()].size();
        }
        return json{{"one_time_key_counts", {{"signed_curve25519", count}}}}.dump();
    }
    std::string query(const std::string& body) const {
        json out = {{"device_keys", json::object()}, {"failures", json::object()}};
        const auto asked = json::parse(body);
        for (const auto& [user, ignored] : asked["device_keys"].items()) {
            out["device_keys"][user] = devices.contains(user) ? devices[user] : json::object();
        }
        return out.dump();
    }
    std::string claim(const std::string& body) {
        json out = {{"one_time_keys", json::object()}, {"failures", json::object()}};
        const auto asked = json::parse(body);
        for (const auto& [user, list] : asked["one_time_keys"].items()) {
            for (const auto& [device, algorithm] : list.items()) {
                auto& keys = one_time_keys[user][device];
                if (!keys.empty()) {
                    const auto first = keys.begin();
                    out["one_time_keys"][user][device][first.key()] = first.value();
                    keys.erase(first.key());
                } else if (fallback_keys.contains(user) && fallback_keys[user].contains(device)) {
                    out["one_time_keys"][user][device] = fallback_keys[user][device];
                }
            }
        }
        return out.dump();
    }
};

void register_device(key_server& server, e2e::machine& m) {
    const auto body = m.keys_to_upload();
    REQUIRE(body);
    server.upload(m, *body);
    m.on_keys_uploaded(server.upload_answer(m));
}

// The to-device event `to` receives from `from` out of a /sendToDevice body.
std::string to_device_event(const e2e::machine& from, const e2e::machine& to,
                            const std::string& body) {
    const auto b = json::parse(body);
    return json{{"type", "m.room.encrypted"},
                {"sender", from.user_id()},
                {"content", b["messages"][to.user_id()][to.device_id()]}}
        .dump();
}

// `sender` makes sure every member's devices hold its room key, and returns the to-device
// bodies it sent (empty when nothing needed sending).
std::optional<std::string> share(key_server& server, e2e::machine& sender,
                                 const std::vector<std::string>& members,
                                 e2e::room_encryption settings = {}, std::int64_t now = 1000) {
    if (auto users = sender.users_to_query(members); !users.empty()) {
        CHECK(sender.on_keys_query(server.query(e2e::machine::keys_query_body(users))).empty());
    }
    sender.prepare_room(std::string(room), members, settings, now);
    if (auto claim = sender.claims_for(std::string(room), members)) {
        CHECK(sender.on_keys_claimed(server.claim(*claim), *claim).empty());
    }
    return sender.share_room_key(std::string(room), members);
}

std::string room_event(const e2e::machine& sender, const std::string& content,
                       const std::string& event_id) {
    return json{{"type", "m.room.encrypted"},
                {"event_id", event_id},
                {"sender", sender.user_id()},
                {"origin_server_ts", 1'700'000'000'000},
                {"content", json::parse(content)}}
        .dump();
}

std::string text_content(const std::string& body) {
    return json{{"msgtype", "m.text"}, {"body", body}}.dump();
}

struct two_devices {
    std::unique_ptr<e2e::olm_engine> engine = e2e::make_libolm_engine();
    key_server server;
    e2e::state_key key = e2e::state_key::from_secret("a secret of at least thirty-two bytes!");
    e2e::machine alice{*engine, "@alice:hs.test", "ALICEDEV", "alice pickle key"};
    e2e::machine bot{*engine, "@scribe:hs.test", "SCRIBE", key.pickle_key()};
    std::vector<std::string> members{"@alice:hs.test", "@scribe:hs.test"};

    two_devices() {
        register_device(server, alice);
        register_device(server, bot);
    }
};

}  // namespace

TEST_CASE(
    "a device uploads signed identity keys, one-time keys to half capacity and a fallback key") {
    two_devices t;
    const auto& uploaded = t.server.devices["@scribe:hs.test"]["SCRIBE"];
    CHECK(uploaded["keys"]["ed25519:SCRIBE"] == t.bot.ed25519());
    CHECK(uploaded["keys"]["curve25519:SCRIBE"] == t.bot.curve25519());
    CHECK(uploaded["algorithms"].size() == 2);
    CHECK(t.server.one_time_keys["@scribe:hs.test"]["SCRIBE"].size() == 50);
    CHECK(t.server.fallback_keys["@scribe:hs.test"]["SCRIBE"].size() == 1);
    // Nothing is owed until the server reports keys used.
    CHECK_FALSE(t.bot.keys_to_upload());
    t.bot.on_key_counts(40, true);
    const auto top_up = json::parse(*t.bot.keys_to_upload());
    CHECK(top_up["one_time_keys"].size() == 10);
    CHECK_FALSE(top_up.contains("device_keys"));
    CHECK_FALSE(top_up.contains("fallback_keys"));
    t.bot.on_keys_uploaded(R"({"one_time_key_counts":{"signed_curve25519":50}})");
    t.bot.on_key_counts(50, false);
    CHECK(json::parse(*t.bot.keys_to_upload()).contains("fallback_keys"));
}

TEST_CASE("a room key shared over Olm decrypts the room's messages, once per message index") {
    two_devices t;
    const auto shared = share(t.server, t.alice, t.members);
    REQUIRE(shared);
    const auto got = t.bot.on_to_device({to_device_event(t.alice, t.bot, *shared)});
    CHECK(got.log_lines.empty());
    // Alice's other devices would share again; hers already hold it: nothing more to send.
    CHECK_FALSE(share(t.server, t.alice, t.members));

    const auto event = room_event(
        t.alice, t.alice.encrypt(std::string(room), "m.room.message", text_content("!tl db down")),
        "$one");
    const auto result = t.bot.decrypt(room, event, 0);
    REQUIRE(result.outcome == e2e::decrypt_outcome::decrypted);
    const auto plain = json::parse(result.event.event_json);
    CHECK(plain["type"] == "m.room.message");
    CHECK(plain["content"]["body"] == "!tl db down");
    CHECK(plain["event_id"] == "$one");
    CHECK(plain["sender"] == "@alice:hs.test");
    CHECK(result.event.sender_key == t.alice.curve25519());
    // The same event again (a sync delivered twice) decrypts; its index under another id does not.
    CHECK(t.bot.decrypt(room, event, 0).outcome == e2e::decrypt_outcome::decrypted);
    auto replay = json::parse(event);
    replay["event_id"] = "$replayed";
    const auto replayed = t.bot.decrypt(room, replay.dump(), 0);
    CHECK(replayed.outcome == e2e::decrypt_outcome::failed);
    CHECK(replayed.reason.find("replays") != std::string::npos);
    // Another room's ciphertext is refused.
    CHECK(t.bot.decrypt("!other:hs.test", event, 0).outcome == e2e::decrypt_outcome::key_missing);
}

TEST_CASE("the bot's replies are encrypted for every member device, and relations stay in clear") {
    two_devices t;
    const auto shared = share(t.server, t.bot, t.members);
    REQUIRE(shared);
    CHECK(t.alice.on_to_device({to_device_event(t.bot, t.alice, *shared)}).log_lines.empty());
    const auto content = json{{"msgtype", "m.notice"},
                              {"body", "Recorded."},
                              {"m.relates_to", {{"m.in_reply_to", {{"event_id", "$cmd"}}}}}}
                             .dump();
    const auto encrypted = json::parse(t.bot.encrypt(std::string(room), "m.room.message", content));
    CHECK(encrypted["algorithm"] == "m.megolm.v1.aes-sha2");
    CHECK(encrypted["m.relates_to"]["m.in_reply_to"]["event_id"] == "$cmd");
    CHECK(encrypted["device_id"] == "SCRIBE");
    const auto result = t.alice.decrypt(room, room_event(t.bot, encrypted.dump(), "$reply"), 0);
    REQUIRE(result.outcome == e2e::decrypt_outcome::decrypted);
    CHECK(json::parse(result.event.event_json)["content"]["body"] == "Recorded.");
}

TEST_CASE("an event whose key has not arrived is held, released by the key, or expires") {
    two_devices t;
    // Alice's key reaches the bot only later.
    const auto shared = share(t.server, t.alice, t.members);
    REQUIRE(shared);
    const auto event = room_event(
        t.alice, t.alice.encrypt(std::string(room), "m.room.message", text_content("!status")),
        "$early");
    const auto first = t.bot.decrypt(room, event, 5'000);
    CHECK(first.outcome == e2e::decrypt_outcome::key_missing);
    REQUIRE(t.bot.held().size() == 1);
    CHECK(t.bot.held()[0].sender == "@alice:hs.test");
    const auto request = json::parse(t.bot.key_request_body(t.bot.held()[0]));
    CHECK(request["messages"]["@alice:hs.test"]["*"]["action"] == "request");
    CHECK(request["messages"]["@alice:hs.test"]["*"]["body"]["session_id"] ==
          t.bot.held()[0].session_id);
    CHECK(request["messages"].size() == 1);  // only the session's own device may answer

    SUBCASE("released when the key comes") {
        const auto got = t.bot.on_to_device({to_device_event(t.alice, t.bot, *shared)});
        REQUIRE(got.released.size() == 1);
        CHECK(got.released[0].event_id == "$early");
        CHECK(json::parse(got.released[0].event_json)["content"]["body"] == "!status");
        // Released again with the next batch until the adapter says it was recorded.
        CHECK(t.bot.on_to_device({}).released.size() == 1);
        t.bot.settle("$early");
        CHECK(t.bot.held().empty());
        CHECK(t.bot.on_to_device({}).released.empty());
    }
    SUBCASE("given up after the wait, and kept across a restart until then") {
        auto restored = e2e::machine::restore(*t.engine, "@scribe:hs.test", "SCRIBE",
                                              t.key.pickle_key(), t.bot.save());
        CHECK(restored.overdue_held(6'000, std::chrono::seconds(60)).empty());
        const auto overdue = restored.overdue_held(65'000, std::chrono::seconds(60));
        REQUIRE(overdue.size() == 1);
        CHECK(overdue[0].event_id == "$early");
        CHECK(overdue[0].origin_server_ts == 1'700'000'000'000);
        CHECK(restored.held().size() == 1);  // until the room was told
        restored.settle("$early");
        CHECK(restored.held().empty());
    }
}

TEST_CASE("the saved state restores the device, and refuses another key or device") {
    two_devices t;
    const auto shared = share(t.server, t.alice, t.members);
    t.bot.on_to_device({to_device_event(t.alice, t.bot, *shared)});
    const auto saved = t.bot.save();
    auto restored =
        e2e::machine::restore(*t.engine, "@scribe:hs.test", "SCRIBE", t.key.pickle_key(), saved);
    CHECK(restored.ed25519() == t.bot.ed25519());
    CHECK_FALSE(restored.dirty());
    const auto event = room_event(
        t.alice, t.alice.encrypt(std::string(room), "m.room.message", text_content("after")),
        "$after");
    CHECK(restored.decrypt(room, event, 0).outcome == e2e::decrypt_outcome::decrypted);
    // Outbound room sessions are not restored: a new one goes out over the Olm session the
    // device kept with Alice, so no one-time key is claimed.
    restored.on_keys_query(t.server.query(e2e::machine::keys_query_body(t.members)));
    restored.prepare_room(std::string(room), t.members, {}, 0);
    CHECK_FALSE(restored.claims_for(std::string(room), t.members));
    const auto reshared = restored.share_room_key(std::string(room), t.members);
    REQUIRE(reshared);
    CHECK(t.alice.on_to_device({to_device_event(restored, t.alice, *reshared)}).log_lines.empty());

    CHECK_THROWS_AS(e2e::machine::restore(*t.engine, "@scribe:hs.test", "SCRIBE", "wrong", saved),
                    e2e::state_error);
    CHECK_THROWS_AS(
        e2e::machine::restore(*t.engine, "@scribe:hs.test", "OTHER", t.key.pickle_key(), saved),
        e2e::state_error);
    CHECK_THROWS_AS(
        e2e::machine::restore(*t.engine, "@scribe:hs.test", "SCRIBE", t.key.pickle_key(), "{}"),
        e2e::state_error);
}

TEST_CASE("the outbound session rotates by count, by age, and when a device leaves") {
    two_devices t;
    e2e::room_encryption settings;
    settings.rotation_messages = 2;
    settings.rotation_period = std::chrono::hours(1);
    auto session_of = [&](const std::string& content) {
        return json::parse(content)["session_id"].get<std::string>();
    };
    share(t.server, t.bot, t.members, settings, 0);
    const auto first = session_of(t.bot.encrypt(std::string(room), "m.room.message", "{}"));
    share(t.server, t.bot, t.members, settings, 1);
    CHECK(session_of(t.bot.encrypt(std::string(room), "m.room.message", "{}")) == first);
    // Two messages sent: the third needs a new session, shared anew.
    CHECK(share(t.server, t.bot, t.members, settings, 2));
    const auto second = session_of(t.bot.encrypt(std::string(room), "m.room.message", "{}"));
    CHECK(second != first);
    // An hour later.
    CHECK(share(t.server, t.bot, t.members, settings, 2 + 3'600'000));
    const auto third = session_of(t.bot.encrypt(std::string(room), "m.room.message", "{}"));
    CHECK(third != second);
    // Alice leaves: the next message goes out under a session she never held.
    CHECK_FALSE(share(t.server, t.bot, {"@scribe:hs.test"}, settings, 2 + 3'600'001));
    CHECK(session_of(t.bot.encrypt(std::string(room), "m.room.message", "{}")) != third);
}

TEST_CASE("keys that do not check out are refused") {
    two_devices t;
    SUBCASE("a device whose keys are not self-signed is left out") {
        t.server.devices["@alice:hs.test"]["ALICEDEV"]["keys"]["curve25519:ALICEDEV"] =
            t.bot.curve25519();
        const auto lines =
            t.bot.on_keys_query(t.server.query(e2e::machine::keys_query_body({"@alice:hs.test"})));
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].find("not signed") != std::string::npos);
        CHECK_FALSE(t.bot.is_device_of("@alice:hs.test", t.bot.curve25519()));
    }
    SUBCASE("a room key addressed to someone else is ignored") {
        e2e::machine mallory{*t.engine, "@mallory:hs.test", "MAL", "mallory key"};
        register_device(t.server, mallory);
        const std::vector<std::string> members{"@alice:hs.test", "@mallory:hs.test"};
        const auto shared = share(t.server, t.alice, members);
        REQUIRE(shared);
        // Mallory's copy, re-addressed to the bot, was not encrypted for it.
        auto body = json::parse(*shared);
        body["messages"]["@scribe:hs.test"]["SCRIBE"] = body["messages"]["@mallory:hs.test"]["MAL"];
        const auto got = t.bot.on_to_device({to_device_event(t.alice, t.bot, body.dump())});
        CHECK_FALSE(got.log_lines.empty());
    }
    SUBCASE("a room key sent in one's own name from someone else's device is ignored") {
        // The bot knows Alice's devices; Mallory's Olm message says it is from Alice.
        t.bot.on_keys_query(t.server.query(e2e::machine::keys_query_body({"@alice:hs.test"})));
        e2e::machine mallory{*t.engine, "@alice:hs.test", "FORGED", "mallory key"};
        register_device(t.server, mallory);
        const auto shared = [&] {
            mallory.on_keys_query(
                t.server.query(e2e::machine::keys_query_body({"@scribe:hs.test"})));
            mallory.prepare_room(std::string(room), {"@scribe:hs.test"}, {}, 0);
            auto claim = mallory.claims_for(std::string(room), {"@scribe:hs.test"});
            mallory.on_keys_claimed(t.server.claim(*claim), *claim);
            return mallory.share_room_key(std::string(room), {"@scribe:hs.test"});
        }();
        REQUIRE(shared);
        const auto got = t.bot.on_to_device({to_device_event(mallory, t.bot, *shared)});
        REQUIRE_FALSE(got.log_lines.empty());
        CHECK(got.log_lines[0].find("not theirs") != std::string::npos);
    }
}

TEST_CASE("the sealed state opens only with its key and context") {
    const auto key = e2e::state_key::from_secret("0123456789abcdef0123456789abcdef");
    const auto sealed = key.seal("the state", "@scribe:hs.test/SCRIBE");
    CHECK(sealed.starts_with("v1:"));
    CHECK(sealed.find("the state") == std::string::npos);
    CHECK(key.open(sealed, "@scribe:hs.test/SCRIBE") == "the state");
    CHECK_THROWS_AS(key.open(sealed, "@scribe:hs.test/OTHER"), e2e::crypto_error);
    const auto other = e2e::state_key::from_secret("another secret that is long enough!!");
    CHECK_THROWS_AS(other.open(sealed, "@scribe:hs.test/SCRIBE"), e2e::crypto_error);
    auto tampered = sealed;
    tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
    CHECK_THROWS_AS(key.open(tampered, "@scribe:hs.test/SCRIBE"), e2e::crypto_error);
    CHECK_THROWS_AS(key.open("v1:", "@scribe:hs.test/SCRIBE"), e2e::crypto_error);
    CHECK(key.pickle_key() != other.pickle_key());
}

TEST_CASE("attachments round-trip, and a changed byte is caught by the hash") {
    const std::string draft = "# Postmortem\n\nWhat happened.\n";
    const auto file = e2e::encrypt_attachment(draft);
    CHECK(file.ciphertext != draft);
    CHECK(file.iv.substr(8) == std::string(8, '\0'));
    CHECK(e2e::decrypt_attachment(file.ciphertext, file.key, file.iv, file.sha256) == draft);
    auto altered = file.ciphertext;
    altered[0] = static_cast<char>(altered[0] ^ 1);
    CHECK_THROWS_AS(e2e::decrypt_attachment(altered, file.key, file.iv, file.sha256),
                    e2e::crypto_error);
    const auto described = json::parse(e2e::encrypted_file_json(file, "mxc://hs.test/abc"));
    CHECK(described["url"] == "mxc://hs.test/abc");
    CHECK(described["v"] == "v2");
    CHECK(described["key"]["alg"] == "A256CTR");
    CHECK(e2e::base64_decode(described["key"]["k"].get<std::string>()) == file.key);
    CHECK(e2e::base64_decode(described["iv"].get<std::string>()) == file.iv);
    CHECK(e2e::base64_decode(described["hashes"]["sha256"].get<std::string>()) == file.sha256);
}

TEST_CASE("base64 in Matrix's flavours") {
    CHECK(e2e::base64_unpadded("a") == "YQ");
    CHECK(e2e::base64_unpadded("\xfb\xff") == "+/8");
    CHECK(e2e::base64_url_unpadded("\xfb\xff") == "-_8");
    CHECK(e2e::base64_decode("YQ") == "a");
    CHECK(e2e::base64_decode("YQ==") == "a");
    CHECK(e2e::base64_decode("-_8") == "\xfb\xff");
    CHECK_THROWS_AS(e2e::base64_decode("Y"), e2e::crypto_error);
    CHECK_THROWS_AS(e2e::base64_decode("!!!!"), e2e::crypto_error);
}

TEST_CASE("a device's bad keys cost it its room key, not the room its messages") {
    two_devices t;
    e2e::machine carol{*t.engine, "@carol:hs.test", "CAROL", "carol key"};
    register_device(t.server, carol);
    // Carol's one-time keys are no keys (and no longer match her signatures).
    auto& keys = t.server.one_time_keys["@carol:hs.test"]["CAROL"];
    for (auto& [id, key] : keys.items()) key["key"] = "not a key";
    const std::vector<std::string> members{"@alice:hs.test", "@scribe:hs.test", "@carol:hs.test"};
    t.bot.on_keys_query(t.server.query(e2e::machine::keys_query_body(members)));
    t.bot.prepare_room(std::string(room), members, {}, 0);
    const auto claim = t.bot.claims_for(std::string(room), members);
    REQUIRE(claim);
    const auto lines = t.bot.on_keys_claimed(t.server.claim(*claim), *claim);
    CHECK_FALSE(lines.empty());
    // Alice still gets the key; carol is not asked again until her devices change.
    const auto shared = t.bot.share_room_key(std::string(room), members);
    REQUIRE(shared);
    CHECK(json::parse(*shared)["messages"].contains("@alice:hs.test"));
    CHECK_FALSE(json::parse(*shared)["messages"].contains("@carol:hs.test"));
    CHECK_FALSE(t.bot.claims_for(std::string(room), members));
    t.bot.on_device_lists({"@carol:hs.test"}, {});
    CHECK(t.bot.users_to_query(members) == std::vector<std::string>{"@carol:hs.test"});
}

TEST_CASE("an Olm message that fails keeps nothing under the key its sender chose") {
    two_devices t;
    t.bot.on_keys_query(t.server.query(e2e::machine::keys_query_body(t.members)));
    const auto garbage =
        json{{"type", "m.room.encrypted"},
             {"sender", "@alice:hs.test"},
             {"content",
              {{"algorithm", "m.olm.v1.curve25519-aes-sha2"},
               {"sender_key", t.alice.curve25519()},
               {"ciphertext", {{t.bot.curve25519(), {{"type", 1}, {"body", "AAAA"}}}}}}}};
    CHECK_FALSE(t.bot.on_to_device({garbage.dump()}).log_lines.empty());
    // The bot still claims a key to reach alice: no empty session list stands in the way.
    t.bot.prepare_room(std::string(room), t.members, {}, 0);
    CHECK(t.bot.claims_for(std::string(room), t.members));
}

TEST_CASE("what changed while a snapshot was being stored stays to be saved") {
    two_devices t;
    t.bot.mark_saved(t.bot.changes());
    CHECK_FALSE(t.bot.dirty());
    const auto at_snapshot = t.bot.changes();
    const auto snapshot = t.bot.save();
    // A room key arrives before the store confirms the snapshot.
    const auto shared = share(t.server, t.alice, t.members);
    t.bot.on_to_device({to_device_event(t.alice, t.bot, *shared)});
    t.bot.mark_saved(at_snapshot);
    CHECK(t.bot.dirty());
    CHECK_FALSE(snapshot.empty());
}
