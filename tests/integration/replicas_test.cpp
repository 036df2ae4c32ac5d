// Replicas of `scribe run` on one PostgreSQL store, with the fake Slack and the fake
// homeserver: one active, the others standing by with no link, and a standby carrying on when
// the active is killed or cut off from the database.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "bot/store/postgres/pg_connection.hpp"
#include "tests/integration/matrix_run.hpp"
#include "tests/integration/slack_run.hpp"
#include "tests/store/pg_support.hpp"

using namespace scribe::testing;

namespace {

// A replica of `scribe run` on the store, with its health listener.
struct replica {
    template <class Run>
    replica(Run& run, const std::string& database, const std::string& name) : port(free_port()) {
        auto environment = run.environment();
        environment.push_back("SCRIBE_STORE_URL=" + database);
        environment.push_back("SCRIBE_STORE_LEASE_TIMEOUT=6s");
        environment.push_back("SCRIBE_HEALTH_PORT=" + std::to_string(port));
        std::filesystem::create_directories(run.dir / name);
        process = std::make_shared<child_process>(std::vector<std::string>{"run"}, environment,
                                                  run.dir / name);
    }

    std::string readiness() const { return get(port, "/readyz").second; }

    bool standing_by() const {
        return lines_containing(process->err(), "standing by") > 0 && !readiness().empty();
    }

    unsigned short port;
    std::shared_ptr<child_process> process;
};

// The timeline notes stored, by text, from `scribe export`.
std::map<std::string, int> notes_in(const std::string& database) {
    const auto exported = run_scribe({"export"}, {}, {"SCRIBE_STORE_URL=" + database});
    REQUIRE(exported.exit_code == 0);
    std::vector<nlohmann::json> events;
    std::istringstream lines(exported.out);
    for (std::string line; std::getline(lines, line);)
        events.push_back(nlohmann::json::parse(line));
    return note_counts(events);
}

// Ends every database session of the process, as a network partition would.
int cut_off(const std::string& database, const child_process& process) {
    scribe::store::postgres::connection admin(database);
    const auto ended = admin.exec(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = $1",
        {"scribe pid " + std::to_string(process.pid())}, "ending the replica's sessions");
    return static_cast<int>(ended.integer(0, 0));
}

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

    // Killed mid-stream: some entries acked and answered, some acked and not yet answered,
    // some not yet acked.
    constexpr int count = 30;
    for (int i = 0; i < count; ++i) {
        run.say("!tl " + drill_entry(i));
        if (i == count / 2) first.process->signal(SIGKILL);
    }
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
    for (int i = 0; i < count; ++i) {
        CAPTURE(i);
        CHECK(run.slack.wait_for(
            [&] { return run.replies_containing("\"" + drill_entry(i) + "\"") > 0; }, 10s));
        CHECK(run.replies_containing("\"" + drill_entry(i) + "\"") == 1);
    }

    second.process->signal(SIGTERM);
    REQUIRE(second.process->wait(patience) == std::optional<int>(0));
    const auto counts = notes_in(database);
    CHECK(counts.at("before the kill") == 1);
    CHECK(counts.at("after the kill") == 1);
    for (int i = 0; i < count; ++i) CHECK(counts.at(drill_entry(i)) == 1);
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
    const auto counts = notes_in(database);
    CHECK(counts.at("typed during the restart") == 1);
    CHECK(counts.at("typed after the restart") == 1);
    CHECK(run.replies_containing("\"typed during the restart\"") == 1);
}

TEST_CASE("three replicas: the active cut off from the database steps down, a standby carries on") {
    slack_run run;
    const auto database = fresh_database();
    replica first(run, database, "first");
    REQUIRE_MESSAGE(run.slack.wait_for([&] { return run.slack.stats().open_links == 1; }, patience),
                    first.process->err());
    run.bot = first.process;
    replica second(run, database, "second");
    replica third(run, database, "third");
    REQUIRE(wait_until([&] { return second.standing_by() && third.standing_by(); }, patience));
    run.say("!declare Partition drill");
    run.reply_containing("Incident #1 declared");
    run.say("!tl before the partition");
    run.reply_containing("before the partition");

    // Cut off for three seconds: every session it opens is ended at once. A standby takes the
    // lease meanwhile; the old active can commit nothing at its old epoch, finds the lease
    // taken and steps down.
    CHECK(cut_off(database, *first.process) >= 2);  // its lease and its writer at least
    const auto partition_ends = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < partition_ends) {
        cut_off(database, *first.process);
        std::this_thread::sleep_for(50ms);
    }
    REQUIRE_MESSAGE(first.process->wait(patience) == std::optional<int>(1), first.process->err());
    CHECK(lines_containing(first.process->err(), "stepping down") == 1);
    auto& active =
        lines_containing(second.process->err(), "active: took the lease") ? second : third;
    auto& standby = &active == &second ? third : second;
    run.bot = active.process;
    REQUIRE_MESSAGE(run.slack.wait_for([&] { return run.slack.stats().open_links == 1; }, 10s),
                    active.process->err());
    const auto state = nlohmann::json::parse(active.readiness());
    CHECK(state.at("role") == "active");
    CHECK(state.at("lease_epoch") >= 2);
    CHECK(nlohmann::json::parse(standby.readiness()).at("role") == "standby");

    for (int i = 0; i < 10; ++i) run.say("!tl " + drill_entry(i));
    for (int i = 0; i < 10; ++i) run.reply_containing(drill_entry(i));
    for (int i = 0; i < 10; ++i) CHECK(run.replies_containing("\"" + drill_entry(i) + "\"") == 1);

    for (auto* r : {&active, &standby}) {
        r->process->signal(SIGTERM);
        REQUIRE(r->process->wait(patience) == std::optional<int>(0));
    }
    const auto counts = notes_in(database);
    CHECK(counts.at("before the partition") == 1);
    for (int i = 0; i < 10; ++i) CHECK(counts.at(drill_entry(i)) == 1);
}

TEST_CASE("two replicas on Matrix: the standby resumes the sync where the killed active stood") {
    matrix_run run;
    const auto database = fresh_database();
    replica first(run, database, "first");
    run.bot = first.process;
    run.hs.invite(run.room, run.alice, run.hs.bot_user_id());
    run.reply_containing("Hello!");
    replica second(run, database, "second");
    REQUIRE(wait_until([&] { return second.standing_by(); }, patience));
    constexpr int count = 20;
    stream_with_fault(run, count, count / 2 + 1, [&] {
        first.process->signal(SIGKILL);
        run.bot = second.process;
    });
    REQUIRE(first.process->wait(patience).has_value());
    CHECK(lines_containing(second.process->err(), "active: took the lease") == 1);
    run.say("!tl after the kill");
    run.reply_containing("after the kill");
    // Each answered once: by the killed active, or by the standby for what it owed.
    for (int i = 0; i < count; ++i) {
        INFO(drill_entry(i));
        CHECK(run.replies_containing(drill_entry(i)) == 1);
    }
    CHECK(run.replies_containing("Hello!") == 1);

    second.process->signal(SIGTERM);
    REQUIRE(second.process->wait(patience) == std::optional<int>(0));
    const auto counts = notes_in(database);
    for (int i = 0; i < count; ++i) CHECK(counts.at(drill_entry(i)) == 1);
    CHECK(counts.at("after the kill") == 1);
}

TEST_CASE("two replicas started at once on an empty database: one migrates, one is active") {
    slack_run run;
    const auto database = fresh_database();
    replica first(run, database, "first");
    replica second(run, database, "second");
    const auto roles = [&] {
        std::multiset<std::string> seen;
        for (const auto* r : {&first, &second}) {
            const auto body = r->readiness();
            if (body.empty()) return seen;
            seen.insert(nlohmann::json::parse(body).at("role").get<std::string>());
        }
        return seen;
    };
    REQUIRE_MESSAGE(wait_until(
                        [&] {
                            return roles() == std::multiset<std::string>{"active", "standby"};
                        },
                        patience),
                    first.process->err() << second.process->err());
    REQUIRE(run.slack.wait_for([&] { return run.slack.stats().open_links == 1; }, patience));
    auto& active = nlohmann::json::parse(first.readiness()).at("role") == "active" ? first : second;
    run.bot = active.process;
    run.say("!declare Started together");
    run.reply_containing("Incident #1 declared");
    for (auto* r : {&first, &second}) {
        r->process->signal(SIGTERM);
        REQUIRE(r->process->wait(patience) == std::optional<int>(0));
    }
    scribe::store::postgres::connection check(database);
    CHECK(check.exec("SELECT count(*) FROM scribe_schema", {}, "counting").integer(0, 0) == 1);
}
