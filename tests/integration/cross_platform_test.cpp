// One `scribe run` serving Slack and Matrix at once: an incident declared in a Slack channel,
// a Matrix room linked to it, entries from both sides in one timeline and one postmortem.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/integration/matrix_run.hpp"
#include "tests/integration/slack_run.hpp"

using namespace scribe::testing;

TEST_CASE("one incident across a Slack channel and a Matrix room, served by one process") {
    slack_run slack_side;
    matrix_run matrix_side;
    auto environment = slack_side.environment();
    for (auto& variable : matrix_side.environment()) {
        // Each fake has its own test CA; the bot trusts one extra CA file, so join them.
        if (variable.starts_with("SCRIBE_TLS_CA_FILE=")) continue;
        environment.push_back(variable);
    }
    const auto both_cas = slack_side.dir / "both-cas.pem";
    {
        std::ofstream out(both_cas);
        out << slack_side.slack.ca_pem() << matrix_side.hs.ca_pem();
    }
    for (auto& variable : environment) {
        if (variable.starts_with("SCRIBE_TLS_CA_FILE=")) variable = "SCRIBE_TLS_CA_FILE=" + both_cas.string();
    }
    auto bot = std::make_shared<child_process>(
        std::vector<std::string>{"--db", slack_side.db(), "run"}, environment,
        slack_side.dir.path());
    slack_side.bot = bot;
    matrix_side.bot = bot;
    REQUIRE_MESSAGE(slack_side.slack.wait_for(
                        [&] { return slack_side.slack.stats().open_links >= 1; }, patience),
                    bot->err());
    matrix_side.hs.invite(matrix_side.room, matrix_side.alice, matrix_side.hs.bot_user_id());
    matrix_side.reply_containing("Hello!");

    slack_side.say("!declare Payments failing for partner banks sev1");
    slack_side.reply_containing("Incident #1 declared");
    matrix_side.say("!link-room #1");
    matrix_side.reply_containing("now feeds incident #1");
    slack_side.say("!tl paged the partner bank's on-call");
    slack_side.reply_containing("paged the partner bank");
    matrix_side.say("!tl partner side: our gateway rejects the new certificate", matrix_side.bob);
    matrix_side.reply_containing("our gateway rejects");
    const auto pinned = matrix_side.say("rolling the certificate back now", matrix_side.bob);
    matrix_side.hs.react(matrix_side.room, matrix_side.alice, pinned, pushpin);
    matrix_side.reply_containing("rolling the certificate back now");
    matrix_side.say("!role ops " + matrix_side.bob);
    matrix_side.reply_containing("is ops");
    slack_side.say("!role ic <@U0ALICE01>");
    slack_side.reply_containing("is ic");
    slack_side.say("!tl certificate rollback confirmed from our side", "U0BOB0001");
    slack_side.reply_containing("rollback confirmed");
    matrix_side.say("!mitigated");
    matrix_side.reply_containing("status mitigated");
    slack_side.say("!resolved");
    slack_side.reply_containing("status resolved");
    // Closing in Slack ends it for the Matrix room too.
    slack_side.say("!close");
    REQUIRE(slack_side.slack.wait_for([&] { return slack_side.slack.shared_files().size() == 2; },
                                      patience));
    matrix_side.say("!tl one more thing");
    matrix_side.reply_containing("no open incident");

    std::string draft;
    for (const auto& file : slack_side.slack.shared_files()) {
        if (file.filename.find("postmortem") != std::string::npos) draft = file.content;
    }
    CHECK(draft.find("paged the partner bank") != std::string::npos);
    CHECK(draft.find("our gateway rejects the new certificate") != std::string::npos);
    CHECK(draft.find("rolling the certificate back now") != std::string::npos);
    CHECK(draft.find("https://matrix.to/#/") != std::string::npos);
    CHECK(draft.find("Linked Matrix room " + matrix_side.room) != std::string::npos);
    // Each person once, under their display name, whichever side they typed on.
    CHECK(draft.find("Bob Builder") != std::string::npos);
    CHECK(draft.find("Alice Example") != std::string::npos);
    CHECK(draft.find("@bob:fake.matrix.test") == std::string::npos);
    const auto from = draft.find("Everyone involved: ");
    REQUIRE(from != std::string::npos);
    const auto line = draft.substr(from, draft.find('\n', from) - from);
    INFO(line);
    CHECK(line.find("Bob Builder") == line.rfind("Bob Builder"));

    slack_side.stop_bot();
    const auto counts = note_counts(slack_side.stored_events());
    CHECK(counts.at("paged the partner bank's on-call") == 1);
    CHECK(counts.at("partner side: our gateway rejects the new certificate") == 1);
    CHECK(counts.at("rolling the certificate back now") == 1);
}
