// libFuzzer target: bytes as what other devices send an encryption device (to-device events,
// encrypted room events, /keys/query, /keys/claim and /keys/upload answers, a saved state), and
// as JSON patches over a genuine room-key message and a genuine encrypted event, so mutations
// reach past the JSON into Olm and Megolm. Nothing may crash or hang; nothing forged may decrypt.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "adapters/matrix/e2e/machine.hpp"

namespace {

namespace e2e = scribe::adapters::matrix::e2e;
using nlohmann::json;

constexpr std::string_view room = "!room:hs.test";
const std::vector<std::string> members{"@alice:hs.test", "@scribe:hs.test"};

void check(bool ok) {
    if (!ok) __builtin_trap();
}

json parse_or_object(std::string_view text) {
    auto parsed = json::parse(text, nullptr, false);
    return parsed.is_object() ? parsed : json::object();
}

// Alice and the bot, keys exchanged as a homeserver would, and one genuine message of each kind.
struct fixture {
    std::unique_ptr<e2e::olm_engine> engine = e2e::make_libolm_engine();
    std::string bot_state;
    std::string room_key_event;   // to-device, Olm, from Alice to the bot
    std::string encrypted_event;  // Megolm, from Alice, in the room
    std::string query_answer;
    std::string claim;

    fixture() {
        e2e::machine alice{*engine, "@alice:hs.test", "ALICE", "alice key"};
        e2e::machine bot{*engine, "@scribe:hs.test", "SCRIBE", "bot key"};
        const auto alice_keys = parse_or_object(*alice.keys_to_upload());
        const auto bot_keys = parse_or_object(*bot.keys_to_upload());
        json devices = {{"device_keys",
                         {{"@alice:hs.test", {{"ALICE", alice_keys["device_keys"]}}},
                          {"@scribe:hs.test", {{"SCRIBE", bot_keys["device_keys"]}}}}}};
        query_answer = devices.dump();
        alice.on_keys_query(query_answer);
        bot.on_keys_query(query_answer);
        alice.prepare_room(std::string(room), members, {}, 0);
        claim = *alice.claims_for(std::string(room), members);
        const auto first_key = bot_keys["one_time_keys"].begin();
        const json claimed = {
            {"one_time_keys",
             {{"@scribe:hs.test", {{"SCRIBE", {{first_key.key(), first_key.value()}}}}}}}};
        alice.on_keys_claimed(claimed.dump(), claim);
        const auto shared = parse_or_object(*alice.share_room_key(std::string(room), members));
        bot.on_keys_uploaded(R"({"one_time_key_counts":{"signed_curve25519":49}})");
        room_key_event = json{{"type", "m.room.encrypted"},
                              {"sender", "@alice:hs.test"},
                              {"content", shared["messages"]["@scribe:hs.test"]["SCRIBE"]}}
                             .dump();
        encrypted_event =
            json{{"type", "m.room.encrypted"},
                 {"event_id", "$genuine"},
                 {"sender", "@alice:hs.test"},
                 {"origin_server_ts", 1},
                 {"content", parse_or_object(alice.encrypt(std::string(room), "m.room.message",
                                                           R"({"msgtype":"m.text","body":"hi"})"))}}
                .dump();
        bot_state = bot.save();
    }

    e2e::machine bot() const {
        return e2e::machine::restore(*engine, "@scribe:hs.test", "SCRIBE", "bot key", bot_state);
    }
};

const fixture& the_fixture() {
    static const fixture f;
    return f;
}

std::string patched(const std::string& genuine, std::string_view patch) {
    auto value = parse_or_object(genuine);
    value.merge_patch(parse_or_object(patch));
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto& f = the_fixture();
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    auto bot = f.bot();
    switch (data[0] % 8) {
        case 0:
            (void)bot.on_to_device({std::string(input)});
            break;
        case 1:
            (void)bot.decrypt(room, input, 0);
            break;
        case 2:
            (void)bot.on_keys_query(input);
            (void)bot.users_to_query(members);
            break;
        case 3:
            (void)bot.on_keys_claimed(input, f.claim);
            break;
        case 4:
            bot.on_keys_uploaded(input);
            (void)bot.keys_to_upload();
            break;
        case 5:
            try {
                (void)e2e::machine::restore(*f.engine, "@scribe:hs.test", "SCRIBE", "bot key",
                                            input);
            } catch (const e2e::state_error&) {
            }
            break;
        case 6: {
            // A patched room key: whatever it carries, the genuine event must not decrypt with
            // a key that is not Alice's.
            const auto got = bot.on_to_device({patched(f.room_key_event, input)});
            (void)got;
            (void)bot.decrypt(room, f.encrypted_event, 0);
            break;
        }
        case 7: {
            (void)bot.on_to_device({f.room_key_event});
            const auto event = patched(f.encrypted_event, input);
            const auto result = bot.decrypt(room, event, 0);
            if (result.outcome == e2e::decrypt_outcome::decrypted) {
                // Only the genuine ciphertext opens, and it says what Alice wrote.
                check(parse_or_object(result.event.event_json)["content"].value("body", "") ==
                      "hi");
            }
            break;
        }
    }
    (void)bot.save();
    return 0;
}
