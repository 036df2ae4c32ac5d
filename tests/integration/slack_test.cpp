// The real `scribe run` against the fake Slack over TLS: a whole incident, then each fault on
// its own, each checking that nothing was lost and nothing doubled.
#include <doctest/doctest.h>

#include "tests/integration/slack_run.hpp"

using namespace scribe::testing;


TEST_CASE("a whole incident in Slack, from /incident declare to the uploaded postmortem") {
    slack_run run;
    run.start_bot();
    auto& slack = run.slack;

    const auto declared = slack.slash_command("C0INC0001", "U0ALICE01", "/incident",
                                              "declare Checkout errors for EU users sev2");
    REQUIRE(slack.wait_for(
        [&] {
            for (const auto& ack : slack.acks()) {
                if (ack.envelope_id == declared.envelope_id && ack.payload) return true;
            }
            return false;
        },
        patience));
    for (const auto& ack : slack.acks()) {
        if (ack.envelope_id != declared.envelope_id) continue;
        const auto text = ack.payload->at("text").get<std::string>();
        CHECK(text.find("Incident #1 declared") != std::string::npos);
        CHECK(ack.payload->at("response_type") == "in_channel");
    }

    run.say("!role ic <@U0ALICE01>");
    CHECK(run.reply_containing("is ic").find("Alice") != std::string::npos);
    run.say("<@U0FAKEBOT01> role comms <@U0BOB0001>");
    CHECK(run.reply_containing("is comms").find("Bob Builder") != std::string::npos);
    run.say("!tl -10m Deploy 4711 of the payment service finished");
    run.reply_containing("Deploy 4711");
    const auto pinned = run.say("error rate on checkout is 12% & rising", "U0BOB0001");
    slack.add_reaction("C0INC0001", "U0ALICE01", pinned, "pushpin");
    run.reply_containing("error rate on checkout is 12% &amp; rising");
    run.say("!sitrep\nstatus: rolling back 4711\nimpact: EU checkout failing\nnext update: 30m");
    run.reply_containing("Status: rolling back 4711");
    const auto typo = run.say("!tl restarted the databse");
    run.reply_containing("restarted the databse");
    slack.edit_message("C0INC0001", typo, "!tl restarted the database");
    // The bot corrects its own answer to the edited message in place (chat.update).
    CHECK(slack.wait_for(
        [&] {
            for (const auto& m : slack.bot_messages("C0INC0001")) {
                if (m.updates == 1 && m.text.find("now reads") != std::string::npos &&
                    m.text.find("restarted the database") != std::string::npos) {
                    return true;
                }
            }
            return false;
        },
        patience));
    const auto wrong = run.say("!tl flushed the CDN cache");
    run.reply_containing("flushed the CDN cache");
    slack.delete_message("C0INC0001", wrong);
    run.say("!detected monitoring -12m");
    run.reply_containing("detected (Monitoring alert)");
    run.say("!mitigated");
    run.reply_containing("status mitigated");
    run.say("!action <@U0BOB0001> add a canary stage to payment deploys due 2026-12-01");
    run.reply_containing("action for Bob Builder");
    run.say("!why the deploy had no canary");
    run.reply_containing("why #1");
    run.say("!resolved");
    run.reply_containing("status resolved");
    run.say("this is just people talking");
    run.say("!close");
    const bool uploaded = slack.wait_for([&] { return slack.shared_files().size() == 2; }, patience);
    INFO(run.bot->err());
    REQUIRE(uploaded);

    const auto files = slack.shared_files();
    const auto& draft = files[0].filename.find("postmortem") != std::string::npos ? files[0] : files[1];
    CHECK(draft.channel == "C0INC0001");
    CHECK(draft.initial_comment.find("Incident #1 closed") != std::string::npos);
    CHECK(draft.content.find("# Checkout errors for EU users") != std::string::npos);
    CHECK(draft.content.find("error rate on checkout is 12% &amp; rising") != std::string::npos);
    CHECK(draft.content.find("Bob Builder") != std::string::npos);
    CHECK(draft.content.find("https://fake.slack.test/archives/C0INC0001/p") != std::string::npos);
    CHECK(draft.content.find("restarted the database") != std::string::npos);
    CHECK(draft.content.find("restarted the databse") != std::string::npos);  // the history
    CHECK(draft.content.find("~~flushed the CDN cache~~") != std::string::npos);
    CHECK(draft.content.find("mttd_seconds: ") != std::string::npos);

    // One reply per command, each message marked once.
    CHECK(run.replies_containing("Deploy 4711") == 1);
    CHECK(run.replies_containing("is comms") == 1);
    CHECK(run.replies_containing("just people talking") == 0);
    const auto marks = slack.bot_reactions();
    CHECK(std::count_if(marks.begin(), marks.end(),
                        [&](const auto& r) { return r.ts == pinned && r.name == "memo"; }) == 1);
    run.stop_bot();

    const auto counts = note_counts(run.stored_events());
    CHECK(counts.at("Deploy 4711 of the payment service finished") == 1);
    CHECK(counts.at("error rate on checkout is 12% & rising") == 1);
    CHECK(run.bot->err().find(slack.options().bot_token) == std::string::npos);
    CHECK(run.bot->err().find(slack.options().app_token) == std::string::npos);
}

TEST_CASE("a link dropped mid-stream: the bot reconnects, nothing lost or doubled") {
    slack_run run;
    run.start_bot();
    stream_with_fault(run, 20, 10, [&] { run.slack.drop_link(); });
    CHECK(run.slack.stats().links_opened >= 2);
    check_stream(run, 20);
}

TEST_CASE("warning and refresh: the replacement link opens before the old one closes") {
    fake_slack_options options;
    options.refresh_warning_lead = 300ms;
    slack_run run(options);
    run.start_bot();
    stream_with_fault(run, 20, 10, [&] { run.slack.refresh_link(); });
    CHECK(run.slack.stats().refreshes == 1);
    CHECK(run.slack.stats().links_opened >= 2);
    check_stream(run, 20);
}

TEST_CASE("a redelivered envelope is recorded once and answered once") {
    slack_run run;
    run.start_bot();
    run.say("!declare Redelivery drill");
    run.reply_containing("Incident #1 declared");
    run.say("!tl entry 0 of the drill");
    run.reply_containing("entry 0 of the drill");
    // Slack sends the same event again, as it does when it missed the ack.
    for (const auto& d : run.slack.deliveries()) {
        if (d.envelope.is_null() ||
            d.envelope.dump().find("entry 0 of the drill") == std::string::npos) {
            continue;
        }
        auto again = d.envelope;
        again["envelope_id"] = d.envelope_id + "-retry";
        again["retry_attempt"] = 1;
        again["retry_reason"] = "timeout";
        run.slack.push_raw_frame(again.dump());
    }
    REQUIRE(run.slack.wait_for(
        [&] {
            for (const auto& ack : run.slack.acks()) {
                if (ack.envelope_id.ends_with("-retry")) return true;
            }
            return false;
        },
        patience));
    run.say("!tl entry 1 of the drill");
    run.reply_containing("entry 1 of the drill");
    check_stream(run, 2);
}

TEST_CASE("a storm of 429s on chat.postMessage delays replies but loses and doubles none") {
    slack_run run;
    run.start_bot();
    run.slack.rate_limit_next("chat.postMessage", 6, 1);
    stream_with_fault(run, 6, 3, [] {});
    CHECK(run.slack.stats().rate_limited == 6);
    check_stream(run, 6);
}

TEST_CASE("5xx answers from the Web API are retried") {
    slack_run run;
    run.start_bot();
    stream_with_fault(run, 6, 3, [&] { run.slack.http_error_next("chat.postMessage", 3, 503); });
    CHECK(run.slack.stats().http_errors == 3);
    check_stream(run, 6);
}

TEST_CASE("malformed, binary and oversized frames are dropped and the bot carries on") {
    slack_run run;
    run.start_bot();
    stream_with_fault(run, 6, 3, [&] {
        run.slack.push_raw_frame("this is not json");
        run.slack.push_raw_frame("{\"envelope_id\": 42}");
        run.slack.push_binary_frame(std::string("\x00\x01\x02\xff", 4));
        run.slack.push_oversized_frame(20 * 1024 * 1024);
    });
    check_stream(run, 6);
}

TEST_CASE("an expired bot token stops the bot with a clear error, not a tight loop") {
    slack_run run;
    run.slack.expire_tokens(true, "invalid_auth");
    child_process bot({"--db", run.db(), "run"}, run.environment(), run.dir.path());
    const auto code = bot.wait(patience);
    REQUIRE(code.has_value());
    CHECK(*code == 4);  // its own status, on which the service files do not restart
    CHECK(lines_containing(bot.err(), "bot token was refused (invalid_auth)") == 1);
    CHECK(lines_containing(bot.err(), "connecting again") == 0);
    CHECK(run.slack.requests().size() <= 2);
    CHECK(run.slack.stats().links_opened == 0);
}

TEST_CASE("a token revoked mid-incident stops the bot once, what it recorded stays") {
    slack_run run;
    run.start_bot();
    run.say("!declare Token drill");
    run.reply_containing("Incident #1 declared");
    // The reply is followed by a mark on the command; a token revoked before it would stop the
    // bot before the next message, which Slack would then redeliver to the restarted bot.
    REQUIRE(run.slack.wait_for([&] { return run.slack.bot_reactions().size() == 1; }, patience));
    run.slack.expire_tokens(true, "token_revoked");
    run.say("!tl recorded as the token was revoked");
    const auto code = run.bot->wait(patience);
    INFO(run.bot->err());
    REQUIRE(code.has_value());
    CHECK(*code == 4);
    // One line says what is wrong and what to do; the reply it could not post is said apart.
    CHECK(lines_containing(run.bot->err(),
                           "token was refused (token_revoked); check slack.bot_token") == 1);
    CHECK(lines_containing(run.bot->err(), "connecting again") == 0);
    CHECK(note_counts(run.stored_events())["recorded as the token was revoked"] == 1);
}

TEST_CASE("a server whose certificate does not match its host name is refused, and tried again") {
    fake_slack_options options;
    options.cert_names = {"wrong.example"};
    slack_run run(options);
    child_process bot({"--db", run.db(), "run"}, run.environment(), run.dir.path());
    // Not a refused credential: an outage as far as Scribe can tell, waited out, and said.
    CHECK(wait_until([&] { return bot.err().find("mismatch") != std::string::npos; }, patience));
    CHECK(wait_until([&] { return bot.err().find("connecting again") != std::string::npos; },
                     patience));
    CHECK_FALSE(bot.wait(std::chrono::milliseconds(100)).has_value());
    CHECK(run.slack.requests().empty());
    CHECK(run.slack.stats().links_opened == 0);
    bot.signal(SIGTERM);
    const auto code = bot.wait(patience);
    REQUIRE(code.has_value());
    CHECK(*code == 0);
}

TEST_CASE("SIGKILL mid-stream and a restart: nothing acked is lost, nothing is recorded twice") {
    fake_slack_options options;
    options.ack_timeout = 500ms;
    options.max_retries = 20;
    slack_run run(options);
    run.start_bot();
    run.say("!declare Crash drill");
    run.reply_containing("Incident #1 declared");
    constexpr int count = 60;
    for (int i = 0; i < count; ++i) {
        run.say("!tl entry " + std::to_string(i) + " of the drill");
        if (i == count / 2) run.bot->signal(SIGKILL);
    }
    REQUIRE(run.bot->wait(patience).has_value());
    // What Slack saw acknowledged before the kill must be in the store after it.
    const auto acked_before = run.slack.stats().acks;
    run.bot = std::make_shared<child_process>(std::vector<std::string>{"--db", run.db(), "run"},
                                              run.environment(), run.dir.path());
    REQUIRE(run.slack.wait_for(
        [&] { return run.slack.stats().pending_acks == 0 && run.slack.stats().backlog == 0; },
        30s));
    CHECK(acked_before > 0);
    // Each entry answered once: those answered before the kill are not answered again, and
    // those recorded but not answered are answered by the restarted bot.
    for (int i = 0; i < count; ++i) {
        const auto text = "entry " + std::to_string(i) + " of the drill";
        CAPTURE(text);
        CHECK(run.slack.wait_for([&] { return run.replies_containing(text) > 0; }, 10s));
    }
    run.say("!tl after the restart");
    run.reply_containing("after the restart");
    for (int i = 0; i < count; ++i) {
        const auto text = "entry " + std::to_string(i) + " of the drill";
        CAPTURE(text);
        CHECK(run.replies_containing(text) == 1);
    }
    run.stop_bot();
    const auto counts = note_counts(run.stored_events());
    for (int i = 0; i < count; ++i) {
        const auto text = "entry " + std::to_string(i) + " of the drill";
        CAPTURE(text);
        REQUIRE(counts.contains(text));
        CHECK(counts.at(text) == 1);
    }
}

TEST_CASE("an answer owed again where the channel cannot be read is posted, with a warning") {
    slack_run run;
    run.start_bot();
    run.say("!declare Outbox drill");
    run.reply_containing("Incident #1 declared");
    run.say("!tl posted again");
    run.reply_containing("posted again");
    run.stop_bot();
    owe_again(run.db(), "posted again");
    // The app lost its history scope: looking is refused, and refused again if tried later.
    run.slack.error_next("conversations.history", "missing_scope");

    run.start_bot();
    REQUIRE(
        run.slack.wait_for([&] { return run.replies_containing("posted again") == 2; }, patience));
    CHECK(lines_containing(run.bot->err(), "could not look in C0INC0001") == 1);
    run.stop_bot();
    CHECK(change_store(run.db(), "DELETE FROM answers_owed") == 0);
}

TEST_CASE("an answer Slack would not take before a kill is posted once after the restart") {
    slack_run run;
    run.start_bot();
    run.say("!declare Outbox drill");
    run.reply_containing("Incident #1 declared");
    const auto posts_before = run.slack.requests("chat.postMessage").size();
    run.slack.http_error_next("chat.postMessage", 1'000, 503);
    run.say("!tl held back by Slack");
    // Recorded, and its answer being tried: then the bot dies.
    REQUIRE(run.slack.wait_for(
        [&] { return run.slack.requests("chat.postMessage").size() >= posts_before + 2; },
        patience));
    run.bot->signal(SIGKILL);
    REQUIRE(run.bot->wait(patience).has_value());
    run.slack.clear_faults();
    CHECK(run.replies_containing("held back by Slack") == 0);

    run.start_bot();
    run.reply_containing("held back by Slack");
    run.say("!tl after the restart");
    run.reply_containing("after the restart");
    CHECK(run.replies_containing("held back by Slack") == 1);
    CHECK(lines_containing(run.bot->err(), "sending the answer to") == 1);
    run.stop_bot();
    CHECK(change_store(run.db(), "DELETE FROM answers_owed") == 0);  // nothing left owed
}

TEST_CASE("an answer still owed but posted before a restart is not posted again") {
    slack_run run;
    run.start_bot();
    run.say("!declare Outbox drill");
    run.reply_containing("Incident #1 declared");
    run.say("!tl posted just once");
    run.reply_containing("posted just once");
    run.stop_bot();
    owe_again(run.db(), "posted just once");

    run.start_bot();
    REQUIRE(wait_until(
        [&] { return lines_containing(run.bot->err(), "was posted before; not posting it") == 1; },
        patience));
    run.say("!tl after the restart");
    run.reply_containing("after the restart");
    CHECK(run.replies_containing("posted just once") == 1);
    run.stop_bot();
    CHECK(change_store(run.db(), "DELETE FROM answers_owed") == 0);
}

TEST_CASE("with incident channels on, a declaration opens a channel linked to the incident") {
    slack_run run;
    auto environment = run.environment();
    environment.push_back("SCRIBE_SLACK_INCIDENT_CHANNELS=true");
    run.bot = std::make_shared<child_process>(std::vector<std::string>{"--db", run.db(), "run"},
                                              environment, run.dir.path());
    REQUIRE(run.slack.wait_for([&] { return run.slack.stats().open_links >= 1; }, patience));
    run.slack.slash_command("C0INC0001", "U0ALICE01", "/incident",
                            "declare Users can't see transactions sev2");
    std::string opened;
    REQUIRE_MESSAGE(run.slack.wait_for(
                        [&] {
                            for (const auto& c : run.slack.channels()) {
                                if (c.id != "C0INC0001" && c.name.rfind("inc-", 0) == 0) {
                                    opened = c.id;
                                }
                            }
                            return !opened.empty();
                        },
                        patience),
                    run.bot->err());
    // Who declared it is invited once the channel exists.
    CHECK(run.slack.wait_for(
        [&] {
            for (const auto& c : run.slack.channels()) {
                if (c.id == opened && c.name.ends_with("-users-cant-see-transactions") &&
                    std::find(c.members.begin(), c.members.end(), "U0ALICE01") != c.members.end()) {
                    return true;
                }
            }
            return false;
        },
        patience));
    REQUIRE(run.slack.wait_for(
        [&] {
            for (const auto& m : run.slack.bot_messages(opened)) {
                if (m.text.find("now feeds incident #1") != std::string::npos) return true;
            }
            return false;
        },
        patience));
    run.reply_containing("has a channel of its own: #inc-");

    run.slack.post_user_message(opened, "U0BOB0001", "!tl rolled back the ledger service");
    run.reply_containing("rolled back the ledger service");
    run.say("!tl customers confirm balances are back");
    run.reply_containing("balances are back");
    run.stop_bot();
    const auto counts = note_counts(run.stored_events());
    CHECK(counts.at("rolled back the ledger service") == 1);
    CHECK(counts.at("customers confirm balances are back") == 1);
    for (const auto& e : run.stored_events()) {
        if (e.at("kind") == "entry_added") CHECK(e.at("incident") == 1);
    }
}
