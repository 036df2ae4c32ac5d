// `scribe run` as an operator runs it: the health listener scraped during an incident, JSON
// log lines, a SitRep reminder at a short interval, SIGHUP, a store found damaged.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "tests/integration/slack_run.hpp"

using namespace scribe::testing;

namespace {

// Overwrites the first page of `table` with garbage, as a failing disk or a stray program would.
void damage_table(const std::string& path, const std::string& table) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* query = nullptr;
    REQUIRE(sqlite3_prepare_v2(db,
                               "SELECT rootpage, page_size FROM sqlite_schema, pragma_page_size "
                               "WHERE name = ?1",
                               -1, &query, nullptr) == SQLITE_OK);
    sqlite3_bind_text(query, 1, table.c_str(), -1, SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(query) == SQLITE_ROW);
    const auto page = sqlite3_column_int64(query, 0);
    const auto page_size = sqlite3_column_int64(query, 1);
    sqlite3_finalize(query);
    sqlite3_close(db);
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp((page - 1) * page_size);
    file << std::string(static_cast<std::size_t>(page_size), '\x5a');
}

}  // namespace

TEST_CASE(
    "health, metrics, JSON logs, the web view and a SitRep reminder during a Slack incident") {
    slack_run run;
    const auto port = free_port();
    const auto web_port = free_port();
    auto environment = run.environment();
    environment.push_back("SCRIBE_HEALTH_PORT=" + std::to_string(port));
    environment.push_back("SCRIBE_WEB_PORT=" + std::to_string(web_port));
    environment.push_back("SCRIBE_LOG_FORMAT=json");
    environment.push_back("SCRIBE_REMINDERS_SEV1=2s");
    run.bot = std::make_shared<child_process>(std::vector<std::string>{"--db", run.db(), "run"},
                                              environment, run.dir.path());
    REQUIRE_MESSAGE(run.slack.wait_for([&] { return run.slack.stats().open_links >= 1; }, patience),
                    run.bot->err());
    REQUIRE(run.slack.wait_for([&] { return get(port, "/readyz").first == 200; }, patience));
    CHECK(get(port, "/healthz") == std::pair<int, std::string>{200, "ok\n"});
    const auto ready = nlohmann::json::parse(get(port, "/readyz").second);
    CHECK(ready.at("platforms").at("slack").at("state") == "connected");
    CHECK(ready.at("store") == "ok");

    run.say("!declare Card payments failing sev1");
    run.reply_containing("Incident #1 declared");
    run.say("!role comms <@U0BOB0001>");
    run.reply_containing("is comms");
    run.say("!tl failover started");
    run.reply_containing("failover started");
    run.say("!tl failover started", "U0BOB0001");
    run.reply_containing("failover started");
    run.say("people talking, not a command");
    // No SitRep within 2 s of the declaration: one reminder, naming the comms role.
    const auto reminder = run.reply_containing("SitRep due for incident #1");
    CHECK(reminder.find("Bob Builder (comms)") != std::string::npos);

    // The web view serves the live incident from the store the bot writes.
    const auto [page_status, page] = get(web_port, "/incidents/1");
    CHECK(page_status == 200);
    CHECK(page.find("Card payments failing") != std::string::npos);
    CHECK(page.find("failover started") != std::string::npos);

    const auto [status, scrape] = get(port, "/metrics");
    REQUIRE(status == 200);
    INFO(scrape);
    const auto received = metric(scrape, "scribe_events_received_total{platform=\"slack\"}");
    CHECK(received >= 5);
    CHECK(metric(scrape, "scribe_events_acked_total{platform=\"slack\"}") == received);
    // declare, role, two entries (the reminder is the bot's own, counted under slack too).
    CHECK(metric(scrape, "scribe_events_recorded_total{platform=\"slack\"}") >= 4);
    CHECK(metric(scrape, "scribe_open_incidents") == 1);
    CHECK(metric(scrape, "scribe_platform_connected{platform=\"slack\"}") == 1);
    CHECK(metric(scrape, "scribe_ack_latency_seconds_count{platform=\"slack\"}") == received);
    CHECK(metric(scrape, "scribe_reply_latency_seconds_count{platform=\"slack\"}") >= 4);
    CHECK(metric(scrape, "scribe_store_commit_seconds_count") >= 4);

    // SIGHUP with no file to read again keeps running on the environment.
    run.bot->signal(SIGHUP);
    run.say("!tl after the reload");
    run.reply_containing("after the reload");
    run.stop_bot();
    CHECK(get(port, "/healthz").first == 0);
    CHECK(get(web_port, "/").first == 0);

    // Every log line is one JSON object, none carries a token, and the router's lines name
    // their platform and channel.
    std::istringstream lines(run.bot->err());
    int parsed = 0;
    bool scoped = false;
    for (std::string line; std::getline(lines, line);) {
        INFO(line);
        const auto object = nlohmann::json::parse(line, nullptr, false);
        REQUIRE_FALSE(object.is_discarded());
        CHECK(object.contains("time"));
        CHECK(object.contains("level"));
        if (object.value("platform", "") == "slack" && object.value("channel", "") == "C0INC0001") {
            scoped = true;
        }
        ++parsed;
    }
    INFO(run.bot->err());
    CHECK(parsed > 8);
    CHECK(scoped);
    CHECK(run.bot->err().find(run.slack.options().bot_token) == std::string::npos);
    CHECK(run.bot->err().find(run.slack.options().app_token) == std::string::npos);
}

namespace {

// Runs a shell command; its exit code and what it printed (stdout and stderr together).
std::pair<int, std::string> shell(const std::string& command) {
    temp_dir io;
    const auto out = io / "out";
    const int status = std::system((command + " > " + shell_quote(out.string()) + " 2>&1").c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(out)};
}

bool have(const std::string& program) {
    return shell("command -v " + shell_quote(program)).first == 0;
}

const std::filesystem::path deploy_dir = std::filesystem::path(SCRIBE_SOURCE_DIR) / "deploy";

// A deploy file with the installed binary's path replaced by the binary under test.
std::string with_binary_under_test(std::string text) {
    const std::string installed = "/usr/local/bin/scribe";
    for (auto at = text.find(installed); at != std::string::npos; at = text.find(installed, at)) {
        text.replace(at, installed.size(), SCRIBE_EXE);
    }
    return text;
}

// The last value the unit gives `key` ("Restart"), or "".
std::string unit_setting(const std::string& unit, const std::string& key) {
    std::string value;
    std::istringstream lines(unit);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with(key + "=")) value = line.substr(key.size() + 1);
    }
    return value;
}

}  // namespace

TEST_CASE("a store found damaged while the bot serves stops it and its main file stays as it was") {
    slack_run run;
    run.start_bot();
    run.say("!declare Disk trouble");
    run.reply_containing("Incident #1 declared");
    run.stop_bot();
    damage_table(run.db(), "events");
    const auto damaged = read_text(run.db());

    // The check runs while the bot already serves; what it finds stops the bot.
    child_process bot({"--db", run.db(), "run"}, run.environment(), run.dir.path());
    const auto code = bot.wait(patience);
    INFO(bot.err());
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    CHECK(bot.err().find("[error] the Scribe database " + run.db() + " is damaged") !=
          std::string::npos);
    CHECK(bot.err().find("anything Scribe recorded before the check ended is in") !=
          std::string::npos);
    CHECK(read_text(run.db()) == damaged);
}

TEST_CASE("a web view beyond loopback with no way to sign in keeps the bot from starting") {
    slack_run run;
    auto environment = run.environment();
    environment.push_back("SCRIBE_WEB_PORT=" + std::to_string(free_port()));
    environment.push_back("SCRIBE_WEB_ADDRESS=0.0.0.0");
    child_process bot({"--db", run.db(), "run"}, environment, run.dir.path());
    const auto code = bot.wait(patience);
    INFO(bot.err());
    REQUIRE(code.has_value());
    CHECK(*code == 2);
    CHECK(bot.err().find("web.address 0.0.0.0 is reachable beyond this machine") !=
          std::string::npos);
    CHECK(run.slack.stats().open_links == 0);
}

TEST_CASE("the systemd unit passes systemd-analyze verify and is hardened") {
    if (!have("systemd-analyze")) {
        MESSAGE("systemd-analyze is not installed; the unit was not checked");
        return;
    }
    temp_dir dir;
    // verify wants ExecStart to exist: point it at the binary under test.
    std::ofstream(dir / "scribe.service")
        << with_binary_under_test(read_text(deploy_dir / "scribe.service"));
    const auto [code, out] = shell("systemd-analyze verify " + shell_quote((dir / "scribe.service").string()));
    INFO(out);
    CHECK(code == 0);
    CHECK(out.empty());
    const auto [security_code, report] = shell(
        // The threshold is on a scale of 100: 20 is an exposure of 2.0, "OK" in its words.
        "systemd-analyze security --offline=true --threshold=20 " +
        shell_quote((dir / "scribe.service").string()));
    INFO(report);
    CHECK(security_code == 0);
}

TEST_CASE("the systemd unit restarts Scribe after every exit but a refused credential") {
    const auto unit = read_text(deploy_dir / "scribe.service");
    CHECK(unit_setting(unit, "Restart") == "always");
    CHECK(unit_setting(unit, "RestartPreventExitStatus") == "4");
}

TEST_CASE("the container's entrypoint ends with 0 on a refused credential and passes the rest on") {
    const auto containerfile = read_text(deploy_dir / "Containerfile");
    CHECK(containerfile.find("COPY deploy/container-entrypoint /usr/local/bin/scribe-entrypoint") !=
          std::string::npos);
    CHECK(containerfile.find("ENTRYPOINT [\"/usr/local/bin/scribe-entrypoint\"") !=
          std::string::npos);
    temp_dir dir;
    const auto entrypoint = dir / "entrypoint";
    std::ofstream(entrypoint) << with_binary_under_test(
        read_text(deploy_dir / "container-entrypoint"));
    std::filesystem::permissions(entrypoint, std::filesystem::perms::owner_all);

    SUBCASE("a refused token: 0, so that a restart policy of on-failure leaves it stopped") {
        slack_run run;
        run.slack.expire_tokens(true, "invalid_auth");
        child_process bot({"--db", run.db(), "run"}, run.environment(), run.dir.path(),
                          entrypoint.string());
        const auto code = bot.wait(patience);
        INFO(bot.err());
        REQUIRE(code.has_value());
        CHECK(*code == 0);
        CHECK(lines_containing(bot.err(), "bot token was refused (invalid_auth)") == 1);
    }
    SUBCASE("any other status is passed on") {
        child_process bot({"--no-such-option"}, {}, dir.path(), entrypoint.string());
        const auto code = bot.wait(patience);
        REQUIRE(code.has_value());
        CHECK(*code == 2);
    }
    SUBCASE("reload and termination reach Scribe, which drains and ends with 0") {
        slack_run run;
        run.bot =
            std::make_shared<child_process>(std::vector<std::string>{"--db", run.db(), "run"},
                                            run.environment(), run.dir.path(), entrypoint.string());
        REQUIRE(run.slack.wait_for([&] { return run.slack.stats().open_links >= 1; }, patience));
        run.say("!declare Entrypoint drill");
        run.reply_containing("Incident #1 declared");
        run.bot->signal(SIGHUP);
        CHECK(wait_until(
            [&] { return run.bot->err().find("configuration reloaded") != std::string::npos; },
            patience));
        run.stop_bot();
        CHECK(run.bot->err().find("received signal 15") != std::string::npos);
    }
}

TEST_CASE("the container file installs every shared library the binary links") {
    if (!have("ldd") || !have("dpkg") || !have("readelf")) {
        MESSAGE("ldd, readelf or dpkg is missing; the container file was not checked");
        return;
    }
    const auto containerfile = read_text(deploy_dir / "Containerfile");
    const auto runtime = containerfile.substr(containerfile.find("FROM debian:bookworm-slim"));
    // The libraries the binary names itself (apt brings what they link in turn), as files,
    // then the packages holding them.
    const std::string exe = shell_quote(SCRIBE_EXE);
    const auto [code, packages] =
        shell("needed=$(readelf -d " + exe +
              " | awk '/NEEDED/ {gsub(/[][]/, \"\", $5); print $5}'); "
              "ldd " +
              exe +
              " | awk '/=>/ {print $1, $3}' | while read -r name path; do "
              "echo \"$needed\" | grep -qxF \"$name\" && readlink -f \"$path\"; done"
              " | xargs -n1 dpkg -S 2>/dev/null | cut -d: -f1 | sort -u");
    REQUIRE(code == 0);
    std::istringstream names(packages);
    int checked = 0;
    for (std::string name; std::getline(names, name);) {
        // The C and C++ runtimes come with every Debian image; sanitizer runtimes are for the
        // test builds only.
        if (name == "libc6" || name == "libgcc-s1" || name == "libstdc++6" ||
            name.starts_with("libasan") || name.starts_with("libubsan")) {
            continue;
        }
        INFO(name);
        CHECK(runtime.find(" " + name) != std::string::npos);
        ++checked;
    }
    CHECK(checked >= 6);
}

TEST_CASE(
    "the Compose file and the Kubernetes manifest run two replicas on PostgreSQL with real "
    "settings") {
    const auto keys = run_scribe({"config", "keys"});
    REQUIRE(keys.exit_code == 0);
    const std::regex variable("SCRIBE_[A-Z0-9_]+");
    for (const auto* name : {"compose.yml", "kubernetes/scribe.yaml"}) {
        CAPTURE(name);
        const auto text = read_text(deploy_dir / name);
        REQUIRE_FALSE(text.empty());
        int named = 0;
        for (auto it = std::sregex_iterator(text.begin(), text.end(), variable);
             it != std::sregex_iterator(); ++it, ++named) {
            INFO(it->str());
            CHECK(keys.out.find("(" + it->str() + ")") != std::string::npos);
        }
        CHECK(named >= 4);
        CHECK(text.find("SCRIBE_STORE_URL") != std::string::npos);
        CHECK(text.find("postgresql://") != std::string::npos);
        // The health listener listens where the probes and ports look.
        CHECK(text.find("SCRIBE_HEALTH_ADDRESS") != std::string::npos);
        CHECK(text.find("9464") != std::string::npos);
    }
    const auto compose = read_text(deploy_dir / "compose.yml");
    CHECK(compose.find("scribe-a: &scribe") != std::string::npos);
    CHECK(compose.find("scribe-b: *scribe") != std::string::npos);
    CHECK(compose.find("restart: on-failure") != std::string::npos);
    CHECK(compose.find("condition: service_healthy") != std::string::npos);
    const auto manifest = read_text(deploy_dir / "kubernetes" / "scribe.yaml");
    CHECK(manifest.find("replicas: 2") != std::string::npos);
    CHECK(manifest.find("path: /healthz") != std::string::npos);
    CHECK(manifest.find("path: /readyz") != std::string::npos);
    CHECK(manifest.find("containerPort: 9464") != std::string::npos);
    CHECK(manifest.find("runAsUser: 10001") != std::string::npos);  // the image's user
    CHECK(read_text(deploy_dir / "Containerfile").find("--uid 10001") != std::string::npos);
    // Secrets come from the cluster's secret, never written in the manifest.
    CHECK(manifest.find("secretKeyRef: {name: scribe, key: slack-bot-token}") != std::string::npos);
    CHECK(manifest.find("xoxb-") == manifest.find("xoxb-…"));
}
