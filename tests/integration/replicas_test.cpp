// Two `scribe run` on one PostgreSQL store and the fake Slack: one active, one standing by with
// no link, and the standby carrying on when the active is killed.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/slack_run.hpp"
#include "tests/store/pg_support.hpp"

using namespace scribe::testing;

namespace {

// A replica of `scribe run` on the store, with its health listener.
struct replica {
    replica(slack_run& run, const std::string& database, const std::string& name)
        : port(free_port()) {
        auto environment = run.environment();
        environment.push_back("SCRIBE_STORE_URL=" + database);
        environment.push_back("SCRIBE_STORE_LEASE_TIMEOUT=6s");
        environment.push_back("SCRIBE_HEALTH_PORT=" + std::to_string(port));
        std::filesystem::create_directories(run.dir / name);
        process = std::make_shared<child_process>(std::vector<std::string>{"run"}, environment,
                                                  run.dir / name);
    }

    std::string readiness() const { return get(port, "/readyz").second; }

    unsigned short port;
    std::shared_ptr<child_process> process;
};

}  // namespace

TEST_CASE("two replicas: the standby holds no link, and takes over when the active is killed") {
    slack_run run;
    const auto database = fresh_database();
    replica first(run, database, "first");
    REQUIRE_MESSAGE(run.slack.wait_for([&] { return run.slack.stats().open_links == 1; }, patience),
                    first.process->err());
    run.bot = first.process;
    replica second(run, database, "second");
    REQUIRE_MESSAGE(
        wait_until([&] { return lines_containing(second.process->err(), "standing by") > 0; },
                   patience),
        second.process->err());
    REQUIRE(wait_until([&] { return !second.readiness().empty(); }, patience));
    const auto standby = nlohmann::json::parse(second.readiness());
    CHECK(standby.at("role") == "standby");
    CHECK(standby.at("ready") == false);
    CHECK(nlohmann::json::parse(first.readiness()).at("role") == "active");
    CHECK(run.slack.stats().open_links == 1);  // the standby opened none

    run.say("!declare Takeover drill");
    run.reply_containing("Incident #1 declared");
    run.say("!tl before the kill");
    run.reply_containing("before the kill");

    first.process->signal(SIGKILL);
    REQUIRE(first.process->wait(patience).has_value());
    const auto killed = std::chrono::steady_clock::now();
    run.bot = second.process;
    REQUIRE_MESSAGE(run.slack.wait_for([&] { return run.slack.stats().open_links == 1; }, 10s),
                    second.process->err());
    const auto took_over = std::chrono::steady_clock::now() - killed;
    CHECK(took_over < 5s);
    CHECK(lines_containing(second.process->err(), "active: took the lease") == 1);
    const auto active = nlohmann::json::parse(second.readiness());
    CHECK(active.at("role") == "active");
    CHECK(active.at("lease_epoch") == 2);

    run.say("!tl after the kill");
    run.reply_containing("after the kill");
    CHECK(run.replies_containing("\"after the kill\"") == 1);

    second.process->signal(SIGTERM);
    REQUIRE(second.process->wait(patience) == std::optional<int>(0));
    const auto exported = run_scribe({"export"}, {}, {"SCRIBE_STORE_URL=" + database});
    REQUIRE(exported.exit_code == 0);
    std::vector<nlohmann::json> events;
    std::istringstream lines(exported.out);
    for (std::string line; std::getline(lines, line);)
        events.push_back(nlohmann::json::parse(line));
    const auto counts = note_counts(events);
    CHECK(counts.at("before the kill") == 1);
    CHECK(counts.at("after the kill") == 1);
}

TEST_CASE("PostgreSQL restarting under the active replica: not ready meanwhile, then it goes on") {
    slack_run run;
    const auto database = fresh_database();
    replica only(run, database, "only");
    REQUIRE_MESSAGE(run.slack.wait_for([&] { return run.slack.stats().open_links == 1; }, patience),
                    only.process->err());
    run.bot = only.process;
    run.say("!declare Database restart");
    run.reply_containing("Incident #1 declared");

    postgres_server().stop();
    run.say("!tl typed during the restart");
    const auto not_ready = [&] {
        const auto body = only.readiness();
        return body.find("waiting for PostgreSQL") != std::string::npos &&
               body.find("\"ready\":false") != std::string::npos;
    };
    CHECK_MESSAGE(wait_until(not_ready, 10s), only.readiness());
    CHECK(run.replies_containing("typed during the restart") == 0);
    postgres_server().start();

    run.reply_containing("typed during the restart");
    CHECK(wait_until([&] { return nlohmann::json::parse(only.readiness()).at("ready") == true; },
                     10s));
    run.say("!tl typed after the restart");
    run.reply_containing("typed after the restart");
    CHECK(metric(get(only.port, "/metrics").second, "scribe_store_reconnects_total") >= 1);

    only.process->signal(SIGTERM);
    REQUIRE(only.process->wait(patience) == std::optional<int>(0));
    const auto exported = run_scribe({"export"}, {}, {"SCRIBE_STORE_URL=" + database});
    std::vector<nlohmann::json> events;
    std::istringstream lines(exported.out);
    for (std::string line; std::getline(lines, line);)
        events.push_back(nlohmann::json::parse(line));
    const auto counts = note_counts(events);
    CHECK(counts.at("typed during the restart") == 1);
    CHECK(counts.at("typed after the restart") == 1);
    CHECK(run.replies_containing("\"typed during the restart\"") == 1);
}
