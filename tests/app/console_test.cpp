// End to end: whole incidents piped into the real `scribe` binary, and the files it writes.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <future>
#include <set>

#include "tests/support/run_process.hpp"

using scribe::testing::read_text;
using scribe::testing::run_scribe;
using scribe::testing::shell_quote;
using scribe::testing::temp_dir;

namespace {

std::size_t position_of(const std::string& haystack, const std::string& needle) {
    const auto at = haystack.find(needle);
    INFO("looking for: " << needle);
    REQUIRE(at != std::string::npos);
    return at;
}

}  // namespace

TEST_CASE("an incident piped into the console: backdated entries, an edit and a retraction") {
    temp_dir dir;
    const auto db = (dir / "scribe.db").string();
    const auto out = dir / "out";
    const std::string incident =
        "!declare Checkout errors for EU users sev2\n"
        "!role ic alice\n"
        "!tl Error rate on checkout at 12%\n"
        "!tl -30m Deploy 4711 of the payment service finished\n"
        "!tl -10m First alert: checkout 5xx above threshold\n"
        "!started -70m\n"
        "!detected monitoring -50m\n"
        "!tl Rolling back deploy 4711 to 4710\n"
        "!edit 8 Rolling back deploy 4711 to 4709\n"
        "!tl Restarted the database\n"
        "!retract 10\n"
        "this line is chatter and is ignored\n"
        "!sitrep\n"
        "status: rollback running\n"
        "impact: EU checkout failing for 12% of attempts\n"
        "next update: 15m\n"
        "\n"
        "!mitigated\n"
        "!resolved\n"
        "!frobnicate\n"
        "!close\n";
    const auto result = run_scribe({"--db", db, "console", "--as", "alice", "--out", out.string()},
                                   incident, {"SCRIBE_BOT_TIME_ZONE=Europe/Berlin"});
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out.find("Incident #1 declared") != std::string::npos);
    CHECK(result.out.find("Sorry: unknown command '!frobnicate'") != std::string::npos);
    CHECK(result.out.find("chatter") == std::string::npos);
    CHECK(result.out.find("wrote " + (out / "incident-1-postmortem.md").string()) !=
          std::string::npos);

    const auto draft = read_text(out / "incident-1-postmortem.md");
    REQUIRE_FALSE(draft.empty());
    CHECK(draft.rfind("---\n", 0) == 0);
    CHECK(draft.find("mttd_seconds: 1200") != std::string::npos);
    // Chronological by when things happened, not when they were typed.
    const auto deploy = position_of(draft, "Deploy 4711 of the payment service finished");
    const auto alert = position_of(draft, "First alert: checkout 5xx above threshold");
    const auto error_rate = position_of(draft, "Error rate on checkout at 12%");
    CHECK(deploy < alert);
    CHECK(alert < error_rate);
    // The correction is visible: the new text and the old one.
    CHECK(draft.find("Rolling back deploy 4711 to 4709") != std::string::npos);
    CHECK(draft.find("4711 to 4710") != std::string::npos);
    CHECK(draft.find("Restarted the database") != std::string::npos);
    CHECK(draft.find("retracted") != std::string::npos);
    const auto agenda = read_text(out / "incident-1-retro-agenda.md");
    CHECK(agenda.find("Checkout errors for EU users") != std::string::npos);

    const auto json = run_scribe({"--db", db, "render", "1", "--format", "json"});
    REQUIRE(json.exit_code == 0);
    const auto doc = nlohmann::json::parse(json.out, nullptr, false);
    REQUIRE_FALSE(doc.is_discarded());
    CHECK(doc.at("schema_version").get<int>() == 2);
    CHECK(doc.at("events").size() == 15);
    CHECK(doc.at("incident").at("title").get<std::string>() == "Checkout errors for EU users");
}

TEST_CASE("scribe demo writes a complete postmortem whose metrics match the story's markers") {
    temp_dir dir;
    const auto result = run_scribe({"demo", "--out", dir.path().string()});
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    const auto draft = read_text(dir / "incident-1-postmortem.md");
    REQUIRE_FALSE(draft.empty());
    // Started 08:40, detected 09:12, mitigated 09:55:30, resolved 10:20 (UTC).
    CHECK(draft.find("mttd_seconds: 1920") != std::string::npos);
    CHECK(draft.find("mttm_seconds: 4530") != std::string::npos);
    CHECK(draft.find("mttr_seconds: 6000") != std::string::npos);
    CHECK(draft.find("origin: \"infrastructure\"") != std::string::npos);
    CHECK(draft.find("resolution: \"rollback\"") != std::string::npos);
    CHECK(draft.find("detection: \"customer\"") != std::string::npos);
    for (const char* section :
         {"## Summary", "## Roles", "## Impact", "## What stopped working",
          "## Why it stopped working", "## How we fixed it", "## What led to it breaking",
          "## Timeline", "## SitReps", "## Lessons learned", "## Action items", "## Security"}) {
        CAPTURE(section);
        CHECK(draft.find(section) != std::string::npos);
    }
    CHECK(draft.find("1,433 sync batches") != std::string::npos);
    const auto agenda = read_text(dir / "incident-1-retro-agenda.md");
    CHECK(agenda.find("Lee") != std::string::npos);
    CHECK(result.out.find("Store: ") != std::string::npos);
}

TEST_CASE("the command line: lists, documents, export and import, exit codes") {
    temp_dir dir;
    const auto db = (dir / "scribe.db").string();
    REQUIRE(run_scribe({"--db", db, "console", "--as", "bob", "--out", dir.path().string()},
                       "!declare Slow search sev3\n!action carol tune the index due 2026-12-01\n"
                       "!tl a note\n")
                .exit_code == 0);
    auto list = run_scribe({"--db", db, "list"});
    CHECK(list.exit_code == 0);
    CHECK(list.out.find("id\tseverity\tphase\tdeclared\tchannel\ttitle\n1\tsev3\tinvestigating\t") ==
          0);
    auto actions = run_scribe({"--db", db, "actions"});
    CHECK(actions.out.find("carol\t2026-12-01\t") != std::string::npos);
    CHECK(actions.out.find("\ttune the index\tSlow search") != std::string::npos);
    CHECK(run_scribe({"--db", db, "agenda", "1"}).out.find("Slow search") != std::string::npos);
    const auto html = run_scribe({"--db", db, "render", "1", "--format", "html"});
    CHECK(html.out.find("<html") != std::string::npos);

    const auto missing = run_scribe({"--db", db, "render", "42"});
    CHECK(missing.exit_code == 3);
    CHECK(missing.err.find("no incident #42") != std::string::npos);
    CHECK(run_scribe({"--db", db, "render", "1", "--format", "pdf"}).exit_code == 2);
    CHECK(run_scribe({"--db", db, "frobnicate"}).exit_code == 2);
    CHECK(run_scribe({"--help"}).exit_code == 0);

    const auto exported = dir / "events.jsonl";
    REQUIRE(run_scribe({"--db", db, "export", "-o", exported.string()}).exit_code == 0);
    CHECK(read_text(exported).find("\"kind\":\"declared\"") != std::string::npos);
    const auto copy = (dir / "copy.db").string();
    auto imported = run_scribe({"--db", copy, "import", exported.string()});
    CHECK(imported.exit_code == 0);
    CHECK(imported.err.find("imported 3 new events of 3") != std::string::npos);
    CHECK(imported.err.find("incident 1 \"Slow search\": restored as #1") != std::string::npos);
    CHECK(run_scribe({"--db", copy, "import", exported.string()}).err.find("imported 0 new") !=
          std::string::npos);
    CHECK(run_scribe({"--db", copy, "list"}).out == list.out);

    std::ofstream(dir / "bad.jsonl") << "{\"schema\":1}\nnot json\n";
    const auto bad = run_scribe({"--db", copy, "import", (dir / "bad.jsonl").string()});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("bad.jsonl:1") != std::string::npos);
}

TEST_CASE("the store's file problems are reported, not crashed on") {
    temp_dir dir;
    std::ofstream(dir / "junk.db") << std::string(8192, 'x');
    const auto result = run_scribe({"--db", (dir / "junk.db").string(), "list"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("junk.db") != std::string::npos);
}

TEST_CASE("config check names the bad key, and the environment overrides the file") {
    temp_dir dir;
    std::ofstream(dir / "good.toml") << "[bot]\nprefix = \"?\"\ntime_zone = \"Europe/Berlin\"\n";
    std::ofstream(dir / "bad.toml") << "[bot]\nprefix = \"!\"\ntimezone = \"UTC\"\n"
                                       "[log]\nlevel = 3\n";
    auto good = run_scribe({"config", "check", (dir / "good.toml").string()});
    CHECK(good.exit_code == 0);
    auto bad = run_scribe({"config", "check", (dir / "bad.toml").string()});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("bot.timezone: unknown key") != std::string::npos);
    CHECK(bad.err.find("log.level: must be a string") != std::string::npos);
    auto env = run_scribe({"config", "check", (dir / "good.toml").string()}, {},
                          {"SCRIBE_BOT_TIME_ZONE=Mars/Base"});
    CHECK(env.exit_code == 2);
    CHECK(env.err.find("SCRIBE_BOT_TIME_ZONE: unknown time zone 'Mars/Base'") != std::string::npos);

    const auto db = (dir / "scribe.db").string();
    const auto prefixed = run_scribe({"--config", (dir / "good.toml").string(), "--db", db,
                                      "console", "--out", dir.path().string()},
                                     "?declare Prefix test\n!tl ignored\n?tl counted\n");
    CHECK(prefixed.out.find("Incident #1 declared") != std::string::npos);
    CHECK(prefixed.out.find("\"counted\"") != std::string::npos);
    CHECK(prefixed.out.find("ignored") == std::string::npos);
}

TEST_CASE("global options go before or after the subcommand") {
    temp_dir dir;
    const auto db = (dir / "scribe.db").string();
    const auto console = run_scribe({"console", "--db", db, "--out", dir.path().string()},
                                    "!declare After the subcommand\n");
    INFO(console.err);
    REQUIRE(console.exit_code == 0);
    CHECK(run_scribe({"list", "--db", db}).out.find("After the subcommand") != std::string::npos);
    CHECK(run_scribe({"--db", db, "list"}).out.find("After the subcommand") != std::string::npos);
    CHECK(run_scribe({"run", "--help"}).out.find("Matrix") != std::string::npos);
}

TEST_CASE("lists come as TSV with escapes, CSV or JSON, overdue actions are marked") {
    temp_dir dir;
    const auto db = (dir / "scribe.db").string();
    const auto made = run_scribe(
        {"--db", db, "console", "--as", "ann", "--out", dir.path().string()},
        "!declare Tabs\there, \"quotes\" \\\nand a line\n"
        "!action \"Ann Lee\" fix the thing due 2020-01-01\n!action bob later due 2099-01-01\n");
    INFO(made.out << made.err);
    REQUIRE(made.exit_code == 0);
    CHECK(made.out.find("2020-01-01 is already past") != std::string::npos);

    const auto tsv = run_scribe({"--db", db, "list"});
    CHECK(tsv.out.find("\tTabs\\there, \"quotes\" \\nand a line\n") != std::string::npos);
    const auto csv = run_scribe({"--db", db, "list", "--format", "csv"});
    CHECK(csv.out.find("id,severity,phase,declared,channel,title\r\n") == 0);
    CHECK(csv.out.find(",\"Tabs\there, \"\"quotes\"\" \nand a line\"\r\n") != std::string::npos);
    const auto json = nlohmann::json::parse(run_scribe({"--db", db, "list", "--format", "json"}).out);
    REQUIRE(json.size() == 1);
    CHECK(json[0].at("title").get<std::string>() == "Tabs\there, \"quotes\" \nand a line");

    const auto actions = run_scribe({"--db", db, "actions"});
    CHECK(actions.out.find("incident\tnumber\towner\tdue\tstate\ttext\tincident_title\n") == 0);
    CHECK(actions.out.find("Ann Lee\t2020-01-01\toverdue\tfix the thing") != std::string::npos);
    CHECK(actions.out.find("bob\t2099-01-01\topen\tlater") != std::string::npos);
    const auto actions_json =
        nlohmann::json::parse(run_scribe({"--db", db, "actions", "--format", "json"}).out);
    REQUIRE(actions_json.size() == 2);
    CHECK(actions_json[0].at("overdue").get<bool>());
    CHECK_FALSE(actions_json[1].at("overdue").get<bool>());
    CHECK(run_scribe({"--db", db, "list", "--format", "xml"}).exit_code == 2);
}

TEST_CASE("trends per month or week, as TSV or JSON") {
    temp_dir dir;
    const auto db = (dir / "scribe.db").string();
    const auto made = run_scribe({"--db", db, "console", "--out", dir.path().string()},
                                 "!declare Checkout down sev1\n!detected monitoring -20m\n"
                                 "!cause code-change a bad deploy\n!fix rollback to v41\n"
                                 "!resolved\n!action ann alert on it\n!close\n");
    INFO(made.out << made.err);
    REQUIRE(made.exit_code == 0);

    const auto tsv = run_scribe({"--db", db, "trends"});
    REQUIRE(tsv.exit_code == 0);
    CHECK(tsv.out.find("period\tincidents\tsev1\tsev2\tsev3\tsev4\tsev1_sev2_percent\t") == 0);
    CHECK(tsv.out.find("\t1\t1\t0\t0\t0\t100.0\t") != std::string::npos);
    CHECK(tsv.out.find("code-change=1\trollback=1\tmonitoring=1\t1\t0\n") != std::string::npos);

    const auto json =
        nlohmann::json::parse(run_scribe({"--db", db, "trends", "--format", "json"}).out);
    REQUIRE(json.size() == 1);
    CHECK(json[0].at("incidents") == 1);
    CHECK(json[0].at("by_severity").at("sev1") == 1);
    CHECK(json[0].at("metrics").at("resolve").at("count") == 1);
    CHECK(json[0].at("metrics").at("resolve").at("median_seconds").get<int>() >= 1200);
    const auto weekly = nlohmann::json::parse(
        run_scribe({"--db", db, "trends", "--weekly", "--format", "json"}).out);
    REQUIRE(weekly.size() == 1);
    CHECK(weekly[0].at("period").get<std::string>().find("-W") == 4);
}

TEST_CASE("read-only commands never create a store, and read one they may not write") {
    temp_dir dir;
    const auto typo = (dir / "typo.db").string();
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"list"}, {"actions"}, {"trends"}, {"render", "1"}, {"agenda", "1"}, {"export"}}) {
        auto command = args;
        command.insert(command.begin(), {"--db", typo});
        const auto result = run_scribe(command);
        CAPTURE(args[0]);
        CHECK(result.exit_code == 1);
        CHECK(result.err.find("there is no Scribe store at " + typo) != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(typo));

    // A backup copy, read-only, in a folder nobody may write.
    const auto db = (dir / "scribe.db").string();
    REQUIRE(run_scribe({"--db", db, "console", "--out", dir.path().string()},
                       "!declare Backed up\n!tl an entry\n")
                .exit_code == 0);
    const auto backups = dir / "backups";
    std::filesystem::create_directory(backups);
    const auto copy = (backups / "scribe.db").string();
    REQUIRE(std::system(("sqlite3 " + shell_quote(db) + " " + shell_quote(".backup " + copy)).c_str()) == 0);
    ::chmod(copy.c_str(), 0444);
    ::chmod(backups.c_str(), 0555);
    ::chmod(dir.path().c_str(), 0755);
    // Root may write anything; the test reads as a user that may not, with a copy of the
    // binary that user can reach (the build folder may be private to root).
    const std::string reader = ::geteuid() == 0 ? "nobody" : "";
    const auto program = dir / "scribe";
    std::filesystem::copy_file(SCRIBE_EXE, program);
    ::chmod(program.c_str(), 0755);
    const auto list = run_scribe({"--db", copy, "list"}, {}, {}, reader, program.string());
    INFO(list.err);
    CHECK(list.exit_code == 0);
    CHECK(list.out.find("Backed up") != std::string::npos);
    const auto draft = run_scribe({"--db", copy, "render", "1"}, {}, {}, reader, program.string());
    CHECK(draft.exit_code == 0);
    CHECK(draft.out.find("an entry") != std::string::npos);
    ::chmod(backups.c_str(), 0755);
}

TEST_CASE("output that cannot be written is an error") {
    temp_dir dir;
    const auto db = (dir / "scribe.db").string();
    REQUIRE(run_scribe({"--db", db, "console", "--out", dir.path().string()}, "!declare Full\n")
                .exit_code == 0);
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"render", "1"}, {"list"}, {"export"}}) {
        auto command = args;
        command.insert(command.begin(), {"--db", db});
        std::string line = "env " + shell_quote(SCRIBE_EXE);
        for (const auto& a : command) line += " " + shell_quote(a);
        const int status = std::system((line + " >/dev/full 2>/dev/null").c_str());
        CAPTURE(args[0]);
        CHECK(WEXITSTATUS(status) == 1);
    }
}

TEST_CASE("two consoles writing to one store at once: every line exactly once") {
    temp_dir dir;
    const auto db = (dir / "scribe.db").string();
    REQUIRE(run_scribe({"--db", db, "console", "--out", dir.path().string()}, "!declare Busy\n")
                .exit_code == 0);
    const auto lines = [](const std::string& who) {
        std::string input;
        for (int i = 0; i < 500; ++i) input += "!tl " + who + " line " + std::to_string(i) + "\n";
        return input;
    };
    auto first = std::async(std::launch::async, [&] {
        return run_scribe({"--db", db, "console", "--as", "ann"}, lines("ann"));
    });
    auto second = std::async(std::launch::async, [&] {
        return run_scribe({"--db", db, "console", "--as", "bob"}, lines("bob"));
    });
    const auto a = first.get();
    const auto b = second.get();
    CHECK(a.exit_code == 0);
    CHECK(b.exit_code == 0);
    CHECK(a.out.find("Sorry") == std::string::npos);
    CHECK(b.out.find("Sorry") == std::string::npos);

    const auto exported = run_scribe({"--db", db, "export"});
    std::multiset<std::string> texts;
    std::set<std::int64_t> sequences;
    std::istringstream in(exported.out);
    for (std::string line; std::getline(in, line);) {
        const auto e = nlohmann::json::parse(line);
        sequences.insert(e.at("seq").get<std::int64_t>());
        if (e.at("kind") == "entry_added") texts.insert(e.at("payload").at("text").get<std::string>());
    }
    CHECK(texts.size() == 1000);
    CHECK(std::set<std::string>(texts.begin(), texts.end()).size() == 1000);
    CHECK(sequences.size() == 1001);
    CHECK(*sequences.rbegin() == 1001);
}

TEST_CASE("import: a dry run, a merge beside other incidents, and errors that name the line") {
    temp_dir dir;
    const auto source = (dir / "source.db").string();
    REQUIRE(run_scribe({"--db", source, "console", "--channel", "ops", "--out", dir.path().string()},
                       "!declare Theirs\n!tl a\n!tl b\n!retract 2\n")
                .exit_code == 0);
    const auto file = dir / "theirs.jsonl";
    REQUIRE(run_scribe({"--db", source, "export", "-o", file.string()}).exit_code == 0);

    const auto mine = (dir / "mine.db").string();
    REQUIRE(run_scribe({"--db", mine, "console", "--out", dir.path().string()},
                       "!declare Mine\n!tl x\n!tl y\n")
                .exit_code == 0);
    const auto dry = run_scribe({"--db", mine, "import", "--dry-run", file.string()});
    INFO(dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(dry.err.find("would be added as #2") != std::string::npos);
    CHECK(dry.err.find("nothing was changed") != std::string::npos);
    CHECK(run_scribe({"--db", mine, "list"}).out.find("Theirs") == std::string::npos);

    const auto merged = run_scribe({"--db", mine, "import", file.string()});
    CHECK(merged.exit_code == 0);
    const auto draft = run_scribe({"--db", mine, "render", "1"}).out;
    CHECK(draft.find("~~") == std::string::npos);  // their "#2 retracted" is not ours
    CHECK(run_scribe({"--db", mine, "render", "2"}).out.find("~~a~~") != std::string::npos);

    // An incident without its declaration names its line and field; blank lines are skipped.
    const std::string text = read_text(file);
    const auto first_end = text.find('\n') + 1;
    std::ofstream(dir / "orphan.jsonl") << text.substr(first_end);
    const auto orphan = run_scribe({"--db", mine, "import", (dir / "orphan.jsonl").string()});
    INFO(orphan.err);
    CHECK(orphan.exit_code == 2);
    CHECK(orphan.err.find("orphan.jsonl:1: kind: incident 1 has no declaration") !=
          std::string::npos);
    std::ofstream(dir / "blank.jsonl") << "\n\n" << text;
    CHECK(run_scribe({"--db", (dir / "fresh.db").string(), "import", (dir / "blank.jsonl").string()})
              .exit_code == 0);
}
