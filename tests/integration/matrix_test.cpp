// The real `scribe run` against the fake homeserver over TLS: a whole incident from the invite
// to the uploaded postmortem, then each fault on its own, checking that nothing was lost and
// nothing doubled, and a SIGKILL in the middle of an incident.
#include <doctest/doctest.h>

#include <thread>

#include "bot/model/time.hpp"
#include "tests/integration/matrix_run.hpp"

using namespace scribe::testing;

TEST_CASE("a whole incident in Matrix, from the invite to the uploaded postmortem") {
    matrix_run run;
    run.start_in_room();
    auto& hs = run.hs;

    const auto declare = run.say("!declare Checkout errors for EU users sev2");
    const auto declared = run.reply_containing("Incident #1 declared");
    // A rich reply to the command, as a notice with HTML, mentioning no one.
    CHECK(declared.content.at("msgtype") == "m.notice");
    CHECK(declared.content.at("m.relates_to").at("m.in_reply_to").at("event_id") == declare);
    CHECK(declared.content.contains("formatted_body"));
    CHECK(declared.content.at("m.mentions") == json::object());

    run.say("!role ic " + run.alice);
    CHECK(run.body_of(run.reply_containing("is ic")).find("Alice Example") != std::string::npos);
    // A pill: the body shows the display name, m.mentions carries the id.
    text_options pill;
    pill.mention_user_ids = {run.bob};
    hs.send_text(run.room, run.alice, "Scribe: role comms Bob Builder", pill);
    CHECK(run.body_of(run.reply_containing("is comms")).find("Bob Builder") != std::string::npos);
    run.say("!tl -10m Deploy 4711 of the payment service finished");
    run.reply_containing("Deploy 4711");
    const auto pinned = run.say("error rate on checkout is 12% & rising", run.bob);
    hs.react(run.room, run.alice, pinned, pushpin);
    run.reply_containing("error rate on checkout is 12% & rising");
    const auto dns = run.say("could it be DNS?", run.bob);
    const auto dns_pin = hs.react(run.room, run.alice, dns, pushpin);
    run.reply_containing("could it be DNS?");
    hs.redact(run.room, run.alice, dns_pin);
    run.say("!sitrep\nstatus: rolling back 4711\nimpact: EU checkout failing\nnext update: 30m");
    run.reply_containing("Status: rolling back 4711");
    const auto typo = run.say("!tl restarted the databse");
    run.reply_containing("restarted the databse");
    const auto typo_answer = run.reply_containing("restarted the databse").event_id;
    hs.edit(run.room, run.alice, typo, "!tl restarted the database");
    // The bot edits its own answer to the edited message (m.replace).
    CHECK(hs.wait_for(
        [&] {
            for (const auto& m : run.bot_messages()) {
                const auto relates = m.content.find("m.relates_to");
                if (relates != m.content.end() && relates->value("rel_type", "") == "m.replace" &&
                    relates->value("event_id", "") == typo_answer &&
                    m.content.at("m.new_content").at("body").get<std::string>().find(
                        "restarted the database") != std::string::npos) {
                    return true;
                }
            }
            return false;
        },
        patience));
    // Only the sender may edit a message: bob's edit of alice's entry is ignored.
    hs.edit(run.room, run.bob, typo, "!tl bob rewrote history");
    const auto wrong = run.say("!tl flushed the CDN cache");
    run.reply_containing("flushed the CDN cache");
    hs.redact(run.room, run.alice, wrong);
    run.say("!detected monitoring -12m");
    run.reply_containing("detected (Monitoring alert)");
    run.say("!mitigated");
    run.reply_containing("status mitigated");
    run.say("!action " + run.bob + " add a canary stage to payment deploys due 2026-12-01");
    run.reply_containing("action for Bob Builder");
    run.say("!why the deploy had no canary");
    run.reply_containing("why #1");
    run.say("!resolved");
    run.reply_containing("status resolved");
    run.say("this is just people talking");
    const auto close = run.say("!close");
    const auto summary = run.reply_containing("Incident #1 closed");
    CHECK(summary.content.at("m.relates_to").at("m.in_reply_to").at("event_id") == close);
    REQUIRE(hs.wait_for(
        [&] {
            const auto messages = run.bot_messages();
            return std::count_if(messages.begin(), messages.end(), [](const auto& m) {
                       return m.content.value("msgtype", "") == "m.file";
                   }) == 2;
        },
        patience));

    // The draft went to the media repository and was posted as an m.file pointing at it.
    std::string draft;
    std::string draft_uri;
    for (const auto& upload : hs.uploads()) {
        if (upload.filename.find("postmortem") == std::string::npos) continue;
        draft = upload.content;
        draft_uri = upload.content_uri;
        CHECK(upload.content_type == "text/markdown");
    }
    bool posted = false;
    for (const auto& m : run.bot_messages()) {
        if (m.content.value("msgtype", "") == "m.file" && m.content.value("url", "") == draft_uri) {
            posted = true;
        }
    }
    CHECK(posted);
    CHECK(draft.find("# Checkout errors for EU users") != std::string::npos);
    CHECK(draft.find("error rate on checkout is 12% &amp; rising") != std::string::npos);
    CHECK(draft.find("Bob Builder") != std::string::npos);
    CHECK(draft.find("Alice Example") != std::string::npos);
    CHECK(draft.find("https://matrix.to/#/") != std::string::npos);
    CHECK(draft.find("restarted the database") != std::string::npos);
    CHECK(draft.find("restarted the databse") != std::string::npos);  // the history
    CHECK(draft.find("bob rewrote history") == std::string::npos);
    CHECK(draft.find("~~flushed the CDN cache~~") != std::string::npos);
    CHECK(draft.find("~~could it be DNS? (") != std::string::npos);
    CHECK(draft.find("mttd_seconds: ") != std::string::npos);

    // One reply per command, each recorded message marked once.
    CHECK(run.replies_containing("Deploy 4711") == 1);
    CHECK(run.replies_containing("is comms") == 1);
    CHECK(run.replies_containing("just people talking") == 0);
    int marks = 0;
    for (const auto& e : hs.sent_events(run.room)) {
        if (e.type == "m.reaction" && e.content.at("m.relates_to").at("event_id") == pinned &&
            e.content.at("m.relates_to").at("key") == memo) {
            ++marks;
        }
    }
    CHECK(marks == 1);
    run.stop_bot();

    const auto counts = note_counts(run.stored_events());
    CHECK(counts.at("Deploy 4711 of the payment service finished") == 1);
    CHECK(counts.at("error rate on checkout is 12% & rising") == 1);
    CHECK(run.bot->err().find(hs.options().bot_access_token) == std::string::npos);
}

TEST_CASE("an invite from someone not on the allow-list is declined") {
    matrix_run run;
    run.start_bot();
    matrix_room_spec spec;
    spec.name = "not for the bot";
    spec.members = {run.mallory};
    const auto other = run.hs.create_room(spec);
    run.hs.invite(other, run.mallory, run.hs.bot_user_id());
    REQUIRE(run.hs.wait_for([&] { return run.hs.membership(other, run.hs.bot_user_id()) == "leave"; },
                            patience));
    CHECK(run.hs.sent_events(other).empty());
    run.stop_bot();
}

TEST_CASE("429s with Retry-After or retry_after_ms delay replies but lose and double none") {
    matrix_run run;
    run.start_in_room();
    stream_with_fault(run, 6, 0, [&] {
        run.hs.rate_limit_next("/_matrix/client/v3/rooms/", 2, 300ms,
                               scribe::fakes::retry_after_style::header);
        run.hs.rate_limit_next("/_matrix/client/v3/rooms/", 2, 300ms,
                               scribe::fakes::retry_after_style::body);
    });
    CHECK(run.hs.stats().rate_limited == 4);
    check_stream(run, 6);
}

TEST_CASE("5xx answers are retried") {
    matrix_run run;
    run.start_in_room();
    stream_with_fault(run, 6, 0, [&] { run.hs.http_error_next("/_matrix/client/v3/rooms/", 3, 502); });
    CHECK(run.hs.stats().http_errors == 3);
    check_stream(run, 6);
}

TEST_CASE(
    "replies failing past the retries wait for the homeserver and are posted once, in order") {
    matrix_run run;
    run.start_in_room();
    // Twelve 502s in a row: more than one round of the caller's retries.
    stream_with_fault(run, 4, 0,
                      [&] { run.hs.http_error_next("/_matrix/client/v3/rooms/", 12, 502); });
    CHECK(run.hs.stats().http_errors == 12);
    const auto messages = run.bot_messages();
    std::vector<std::size_t> order;
    for (int i = 0; i < 4; ++i) {
        const auto at = std::find_if(messages.begin(), messages.end(), [&](const auto& m) {
            return matrix_run::body_of(m).find(drill_entry(i)) != std::string::npos;
        });
        REQUIRE(at != messages.end());
        order.push_back(static_cast<std::size_t>(at - messages.begin()));
    }
    CHECK(std::is_sorted(order.begin(), order.end()));
    check_stream(run, 4);
}

TEST_CASE("a send whose answer is lost is retried with its txn id and posted once") {
    matrix_run run;
    run.start_in_room();
    stream_with_fault(run, 4, 0, [&] { run.hs.lose_response_next("/_matrix/client/v3/rooms/", 2); });
    CHECK(run.hs.stats().lost_responses == 2);
    CHECK(run.hs.stats().txn_replays >= 1);
    check_stream(run, 4);
}

TEST_CASE("long polls dropped mid-way and a malformed sync: the bot syncs on") {
    matrix_run run;
    run.start_in_room();
    stream_with_fault(run, 6, 0, [&] {
        run.hs.drop_next_sync(2);
        run.hs.malformed_next_sync(1);
    });
    CHECK(run.hs.stats().dropped_syncs == 2);
    CHECK(run.hs.stats().malformed_syncs == 1);
    check_stream(run, 6);
}

TEST_CASE("a limited timeline is backfilled: every event in the gap is handled once") {
    matrix_run run;
    run.start_in_room();
    run.say("!declare Gap drill");
    run.reply_containing("Incident #1 declared");
    run.hs.limit_next_sync(2);
    std::vector<std::string> bodies;
    for (int i = 0; i < 8; ++i) bodies.push_back("!tl " + drill_entry(i));
    run.hs.send_burst(run.room, run.alice, bodies);
    for (int i = 0; i < 8; ++i) run.reply_containing(drill_entry(i));
    CHECK(run.hs.stats().limited_gaps == 1);
    check_stream(run, 8);
}

TEST_CASE("a refused access token stops the bot with a clear error, not a tight loop") {
    matrix_run run;
    run.hs.invalidate_tokens();
    child_process bot({"--db", run.db(), "run"}, run.environment(), run.dir.path());
    const auto code = bot.wait(patience);
    REQUIRE(code.has_value());
    CHECK(*code == 4);  // its own status, on which the service files do not restart
    CHECK(lines_containing(bot.err(), "refused the Matrix access token (M_UNKNOWN_TOKEN") == 1);
    CHECK(lines_containing(bot.err(), "connecting again") == 0);
    CHECK(run.hs.requests().size() <= 2);
    CHECK(bot.err().find(run.hs.options().bot_access_token) == std::string::npos);
}

TEST_CASE("an access token revoked mid-incident stops the bot once, what it recorded stays") {
    matrix_run run;
    run.start_in_room();
    run.say("!declare Token drill");
    run.reply_containing("Incident #1 declared");
    run.say("!tl recorded before the token was revoked");
    run.reply_containing("recorded before the token was revoked");
    run.hs.invalidate_tokens();
    const auto code = run.bot->wait(patience);
    INFO(run.bot->err());
    REQUIRE(code.has_value());
    CHECK(*code == 4);
    CHECK(lines_containing(run.bot->err(), "refused the Matrix access token (M_UNKNOWN_TOKEN") ==
          1);
    CHECK(lines_containing(run.bot->err(), "connecting again") == 0);
    CHECK(note_counts(run.stored_events())["recorded before the token was revoked"] == 1);
}

TEST_CASE("without an access token the bot signs in with its password, once") {
    matrix_run run;
    auto environment = run.environment();
    environment[1] = "SCRIBE_MATRIX_USER=scribe";
    environment.push_back("SCRIBE_MATRIX_PASSWORD=" + run.hs.options().bot_password);
    run.bot = std::make_shared<child_process>(std::vector<std::string>{"--db", run.db(), "run"},
                                              environment, run.dir.path());
    run.hs.invite(run.room, run.alice, run.hs.bot_user_id());
    run.reply_containing("Hello!");
    run.say("!declare Password drill");
    run.reply_containing("Incident #1 declared");
    run.stop_bot();
    for (const auto& r : run.hs.requests("/_matrix/client/v3/login")) CHECK(r.auth == "none");
    CHECK(run.hs.requests("/_matrix/client/v3/login").size() == 1);
}

TEST_CASE("SIGKILL mid-incident and a restart: nothing lost, nothing recorded or answered twice") {
    matrix_run run;
    run.start_in_room();
    run.say("!declare Crash drill");
    run.reply_containing("Incident #1 declared");
    constexpr int count = 40;
    for (int i = 0; i < count; ++i) {
        run.say("!tl " + drill_entry(i));
        if (i == count / 2) run.bot->signal(SIGKILL);
    }
    REQUIRE(run.bot->wait(patience).has_value());
    run.start_bot();
    for (int i = 0; i < count; ++i) run.hs.wait_for([&] { return run.replies_containing(drill_entry(i)) > 0; }, 5s);
    run.say("!tl after the restart");
    run.reply_containing("after the restart");
    // A reply made before the kill is not made again; one whose event was committed but not
    // answered before the kill is answered after the restart.
    for (int i = 0; i < count; ++i) {
        INFO(drill_entry(i));
        CHECK(run.replies_containing(drill_entry(i)) == 1);
    }
    CHECK(run.replies_containing("Hello!") == 1);
    run.stop_bot();
    const auto counts = note_counts(run.stored_events());
    for (int i = 0; i < count; ++i) {
        INFO(drill_entry(i));
        REQUIRE(counts.contains(drill_entry(i)));
        CHECK(counts.at(drill_entry(i)) == 1);
    }
    CHECK(counts.at("after the restart") == 1);
}

TEST_CASE("an answer still owed but sent before a restart is sent again under its txn id, once") {
    matrix_run run;
    run.start_in_room();
    run.say("!declare Outbox drill");
    run.reply_containing("Incident #1 declared");
    run.say("!tl sent just once");
    run.reply_containing("sent just once");
    run.stop_bot();
    owe_again(run.db(), "sent just once");

    run.bot = std::make_shared<child_process>(std::vector<std::string>{"--db", run.db(), "run"},
                                              run.environment(), run.dir.path());
    REQUIRE_MESSAGE(
        wait_until([&] { return lines_containing(run.bot->err(), "sending the answer to") == 1; },
                   patience),
        run.bot->err());
    run.say("!tl after the restart");
    run.reply_containing("after the restart");
    CHECK(run.replies_containing("sent just once") == 1);
    run.stop_bot();
    CHECK(change_store(run.db(), "DELETE FROM answers_owed") == 0);
}

TEST_CASE("history from before the bot joined is not acted on, later messages keep their time") {
    matrix_run run;
    auto& hs = run.hs;
    run.start_bot();
    run.say("!declare Typed before the bot was there");
    run.say("!tl nor is this");
    hs.invite(run.room, run.alice, hs.bot_user_id());
    run.reply_containing("Hello!");
    run.say("!declare After the invite sev2");
    CHECK(run.body_of(run.reply_containing("Incident #1 declared")).find("After the invite") !=
          std::string::npos);
    CHECK(run.replies_containing("Typed before") == 0);
    CHECK(run.replies_containing("nor is this") == 0);

    // Typed while Scribe is down: stamped with when it was sent, not when Scribe came back.
    run.stop_bot();
    const auto before = std::chrono::system_clock::now();
    run.say("!tl typed while Scribe was down");
    const auto after = std::chrono::system_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    run.start_bot();
    run.reply_containing("typed while Scribe was down");
    run.stop_bot();

    int incidents = 0;
    for (const auto& e : run.stored_events()) {
        if (e.at("kind") == "declared") ++incidents;
        if (e.at("kind") != "entry_added" ||
            e.at("payload").at("text") != "typed while Scribe was down") {
            continue;
        }
        const auto occurred = *scribe::model::parse_utc(e.at("occurred_at").get<std::string>());
        const auto recorded = *scribe::model::parse_utc(e.at("recorded_at").get<std::string>());
        CHECK(occurred >= std::chrono::floor<std::chrono::milliseconds>(before));
        CHECK(occurred <= std::chrono::ceil<std::chrono::milliseconds>(after));
        CHECK(recorded - occurred >= std::chrono::seconds(1));
    }
    CHECK(incidents == 1);
}

TEST_CASE("matrix.incident_rooms: a declared incident gets a private room of its own, linked") {
    matrix_run run;
    run.extra_environment.push_back("SCRIBE_MATRIX_INCIDENT_ROOMS=true");
    run.start_in_room();
    run.say("!declare Users can't see transactions sev2");
    run.reply_containing("Incident #1 declared");
    std::string opened;
    REQUIRE_MESSAGE(run.hs.wait_for(
                        [&] {
                            for (const auto& c : run.hs.membership_changes()) {
                                if (c.room_id != run.room && c.user_id == run.alice &&
                                    c.membership == "invite" && c.sender == run.hs.bot_user_id()) {
                                    opened = c.room_id;
                                }
                            }
                            return !opened.empty();
                        },
                        patience),
                    run.bot->err());
    const auto pointer = run.reply_containing("has a room of its own");
    CHECK(run.body_of(pointer).find("Users can't see transactions") != std::string::npos);
    CHECK(run.body_of(pointer).find("https://matrix.to/#/" + opened) != std::string::npos);
    // Named from the day and the title, private, history from the invitation on.
    bool named = false;
    bool invite_only = false;
    bool history_from_invite = false;
    for (const auto& e : run.hs.room_events(opened)) {
        const auto type = e.value("type", "");
        if (type == "m.room.name") {
            const auto name = e["content"].value("name", "");
            named = name.ends_with(" Users can't see transactions") && name.size() > 11 &&
                    name[4] == '-' && name[7] == '-';
        }
        if (type == "m.room.join_rules")
            invite_only = e["content"].value("join_rule", "") == "invite";
        if (type == "m.room.history_visibility") {
            history_from_invite = e["content"].value("history_visibility", "") == "invited";
        }
        CHECK(type != "m.room.encryption");  // the room it came from is not encrypted
    }
    CHECK(named);
    CHECK(invite_only);
    CHECK(history_from_invite);

    run.hs.join(opened, run.alice);
    run.hs.send_text(opened, run.alice, "!tl rolled back the ledger service");
    REQUIRE(run.hs.wait_for(
        [&] {
            for (const auto& m : run.hs.sent_events(opened)) {
                if (m.sender == run.hs.bot_user_id() &&
                    run.body_of(m).find("rolled back the ledger service") != std::string::npos) {
                    return true;
                }
            }
            return false;
        },
        patience));
    run.say("!tl customers confirm balances are back");
    run.reply_containing("balances are back");
    run.stop_bot();
    int entries = 0;
    for (const auto& e : run.stored_events()) {
        if (e.at("kind") == "entry_added") {
            CHECK(e.at("incident") == 1);
            ++entries;
        }
    }
    CHECK(entries >= 2);
}

// Starts the bot and waits for it to refuse; the status and what it said.
std::pair<int, std::string> refused_start(matrix_run& run) {
    run.bot = std::make_shared<child_process>(std::vector<std::string>{"--db", run.db(), "run"},
                                              run.environment(), run.dir.path());
    const auto code = run.bot->wait(patience);
    INFO(run.bot->err());
    REQUIRE(code.has_value());
    return {*code, run.bot->err()};
}

TEST_CASE(
    "the encryption keys survive a restart, and lost or locked keys stop the bot with a way out") {
    matrix_run run;
    run.start_bot();
    const auto& device = run.hs.options().bot_device_id;
    const auto ed25519_of = [&] {
        const auto keys = run.hs.device_keys(run.hs.bot_user_id(), device);
        INFO(run.bot->err());
        REQUIRE(keys.has_value());
        return (*keys)["keys"].value("ed25519:" + device, std::string());
    };
    const auto ed25519 = ed25519_of();
    CHECK_FALSE(ed25519.empty());
    CHECK(run.hs.one_time_key_counts(run.hs.bot_user_id(), device)["signed_curve25519"] == 50);
    run.stop_bot();

    SUBCASE("a restart restores the same device") {
        run.start_bot();
        run.stop_bot();
        CHECK(ed25519_of() == ed25519);
        CHECK(lines_containing(run.bot->err(), "restored from the store") == 1);
    }
    SUBCASE("another key file cannot open the state") {
        std::filesystem::remove(run.crypto_key_file());
        std::ofstream(run.crypto_key_file()) << "another secret, also long enough to be a key\n";
        std::filesystem::permissions(
            run.crypto_key_file(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        const auto [code, err] = refused_start(run);
        CHECK(code == 4);
        CHECK(err.find("does not open with this key") != std::string::npos);
        CHECK(err.find("matrix.crypto_key_file") != std::string::npos);
        CHECK(err.find("new matrix.device_id") != std::string::npos);
    }
    SUBCASE("a store without the state, for a device the homeserver knows, is not started over") {
        std::filesystem::remove(run.db());
        const auto [code, err] = refused_start(run);
        CHECK(code == 4);
        CHECK(err.find("already holds keys for this device") != std::string::npos);
        CHECK(err.find("new matrix.device_id") != std::string::npos);
        // The homeserver still has the old keys: nothing was replaced.
        CHECK(ed25519_of() == ed25519);
    }
}
