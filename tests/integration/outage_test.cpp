// Platform outages as an operator meets them: Slack unreachable at start-up, Slack and the
// homeserver lost mid-incident with a command in flight. Scribe never stops, /readyz says what
// is down, and every entry is stored exactly once.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/matrix_run.hpp"
#include "tests/integration/slack_run.hpp"

using namespace scribe::testing;

namespace {

// The outage the issue names: long enough for several rounds of backoff.
constexpr auto outage = 60s;
// Back within the supervisor's longest wait (30 s) and one round of a call's own retries.
constexpr auto recovery = 75s;

std::string readiness_of(unsigned short port, const std::string& platform) {
    const auto [status, body] = get(port, "/readyz");
    if (status == 0) return "no answer";
    const auto ready = nlohmann::json::parse(body, nullptr, false);
    if (ready.is_discarded()) return "unreadable";
    return std::to_string(status) + " " +
           ready.at("platforms").at(platform).at("state").get<std::string>();
}

void check_each_once(const std::vector<nlohmann::json>& events,
                     const std::vector<std::string>& texts) {
    const auto counts = note_counts(events);
    for (const auto& text : texts) {
        CAPTURE(text);
        const auto it = counts.find(text);
        CHECK((it == counts.end() ? 0 : it->second) == 1);
    }
}

}  // namespace

TEST_CASE("Slack unreachable at start-up: Scribe waits it out, then serves what was typed") {
    slack_run run;
    run.slack.set_reachable(false);
    const auto health = free_port();
    auto environment = run.environment();
    environment.push_back("SCRIBE_HEALTH_PORT=" + std::to_string(health));
    child_process bot({"--db", run.db(), "run"}, environment, run.dir.path());
    run.bot = std::shared_ptr<child_process>(&bot, [](child_process*) {});
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(wait_until([&] { return readiness_of(health, "slack") == "503 not connected"; },
                       patience));
    // Typed while Scribe cannot reach Slack: Slack keeps it and delivers it once linked.
    run.say("!declare Checkout errors while Slack was away sev2");
    run.say("!tl typed during the outage");
    std::this_thread::sleep_until(started + outage);
    CHECK_FALSE(bot.wait(std::chrono::milliseconds(1)).has_value());  // never gave up
    const auto down = nlohmann::json::parse(get(health, "/readyz").second);
    CHECK(down.at("platforms").at("slack").contains("since"));
    CHECK(down.at("platforms").at("slack").at("problem").get<std::string>().find("refused") !=
          std::string::npos);

    run.slack.set_reachable(true);
    REQUIRE(run.slack.wait_for([&] { return run.replies_containing("typed during") == 1; },
                               recovery));
    CHECK(run.replies_containing("Incident #1 declared") == 1);
    CHECK(readiness_of(health, "slack") == "200 connected");
    CHECK(metric(get(health, "/metrics").second,
                 "scribe_platform_outages_total{platform=\"slack\"}") >= 1);
    run.stop_bot();
    check_each_once(run.stored_events(), {"typed during the outage"});
}

TEST_CASE("Slack lost mid-incident with a command in flight: every entry once, readiness follows") {
    slack_run run;
    const auto health = free_port();
    auto environment = run.environment();
    environment.push_back("SCRIBE_HEALTH_PORT=" + std::to_string(health));
    run.bot = std::make_shared<child_process>(std::vector<std::string>{"--db", run.db(), "run"},
                                              environment, run.dir.path());
    REQUIRE(run.slack.wait_for([&] { return run.slack.stats().open_links >= 1; }, patience));
    run.say("!declare Payments slow sev2");
    run.reply_containing("Incident #1 declared");
    REQUIRE(wait_until([&] { return readiness_of(health, "slack") == "200 connected"; }, patience));

    run.say("!tl in flight when Slack went away");
    run.slack.set_reachable(false);
    const auto lost = std::chrono::steady_clock::now();
    CHECK(wait_until([&] { return readiness_of(health, "slack") == "503 not connected"; },
                     patience));
    run.say("!tl typed while Slack was unreachable");
    std::this_thread::sleep_until(lost + outage);
    CHECK_FALSE(run.bot->wait(std::chrono::milliseconds(1)).has_value());
    run.slack.set_reachable(true);

    REQUIRE(run.slack.wait_for(
        [&] { return run.replies_containing("typed while Slack was unreachable") >= 1; },
        recovery));
    CHECK(wait_until([&] { return readiness_of(health, "slack") == "200 connected"; }, patience));
    run.say("!tl after the outage");
    run.reply_containing("after the outage");
    run.stop_bot();
    check_each_once(run.stored_events(),
                    {"in flight when Slack went away", "typed while Slack was unreachable",
                     "after the outage"});
}

TEST_CASE("the homeserver down, then answering 502, then back: Matrix carries on") {
    matrix_run run;
    const auto health = free_port();
    auto environment = run.environment();
    environment.push_back("SCRIBE_HEALTH_PORT=" + std::to_string(health));
    const auto syncs = run.hs.stats().sync_calls;
    run.bot = std::make_shared<child_process>(std::vector<std::string>{"--db", run.db(), "run"},
                                              environment, run.dir.path());
    REQUIRE(run.hs.wait_for([&] { return run.hs.stats().sync_calls >= syncs + 2; }, patience));
    run.hs.invite(run.room, run.alice, run.hs.bot_user_id());
    run.reply_containing("Hello!");
    run.say("!declare Sync stalls sev2");
    run.reply_containing("Incident #1 declared");
    REQUIRE(wait_until([&] { return readiness_of(health, "matrix") == "200 connected"; }, patience));

    run.say("!tl in flight when the homeserver went away");
    run.hs.set_reachable(false);
    const auto lost = std::chrono::steady_clock::now();
    CHECK(wait_until([&] { return readiness_of(health, "matrix") == "503 not connected"; },
                     patience));
    std::this_thread::sleep_until(lost + outage);
    CHECK_FALSE(run.bot->wait(std::chrono::milliseconds(1)).has_value());
    // Back, but behind a proxy that answers 502 for a while.
    run.hs.http_error_next("", 8, 502);
    run.hs.set_reachable(true);
    run.say("!tl typed as it came back");

    REQUIRE(run.hs.wait_for([&] { return run.replies_containing("typed as it came back") >= 1; },
                            recovery));
    // Answered even when its reply fell into the outage: it waited for the homeserver.
    CHECK(run.hs.wait_for(
        [&] { return run.replies_containing("in flight when the homeserver went away") == 1; },
        recovery));
    CHECK(wait_until([&] { return readiness_of(health, "matrix") == "200 connected"; }, patience));
    run.stop_bot();
    check_each_once(run.stored_events(),
                    {"in flight when the homeserver went away", "typed as it came back"});
}
