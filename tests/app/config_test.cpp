// Configuration from a TOML file and SCRIBE_* variables, with problems named by key.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "adapters/matrix/factory.hpp"
#include "adapters/slack/factory.hpp"
#include "bot/app/config.hpp"
#include "tests/support/temp_dir.hpp"

using namespace scribe::app;
using scribe::testing::temp_dir;

namespace {

const scribe::adapters::slack::slack_settings& slack_of(const scribe::app::config& c) {
    return scribe::adapters::slack::settings_of(*c.section("slack"));
}
const scribe::adapters::matrix::matrix_settings& matrix_of(const scribe::app::config& c) {
    return scribe::adapters::matrix::settings_of(*c.section("matrix"));
}


config_result load_with(const std::string& toml, std::vector<std::string> environment) {
    temp_dir dir;
    std::ofstream(dir / "c.toml") << toml;
    std::vector<char*> env;
    for (auto& e : environment) env.push_back(e.data());
    env.push_back(nullptr);
    return load_config(dir / "c.toml", env.data());
}

}  // namespace

TEST_CASE("defaults, file values and environment overrides") {
    auto r = load_with("", {});
    CHECK(r.problems.empty());
    CHECK(r.values.prefix == "!");
    CHECK(r.values.time_zone == "UTC");

    r = load_with("[bot]\nprefix = \"?\"\nmax_text = 100\n[store]\npath = \"/tmp/x.db\"\n",
                  {"SCRIBE_BOT_PREFIX=%", "SCRIBE_BOT_DEFAULT_SEVERITY=sev2", "PATH=/bin",
                   "SCRIBE_SLACK_APP_TOKEN=xapp-1-A1-2-abc", "SCRIBE_SLACK_ALLOW_PLAINTEXT=true"});
    CHECK(r.problems.empty());
    CHECK(r.values.prefix == "%");
    CHECK(r.values.max_text == 100);
    CHECK(r.values.store_path == "/tmp/x.db");
    CHECK(r.values.default_severity == scribe::model::severity::sev2);
    CHECK(slack_of(r.values).app_token == "xapp-1-A1-2-abc");
    CHECK(slack_of(r.values).allow_plaintext);
}

TEST_CASE("tokens: the right kind, and from files only the owner can read") {
    temp_dir dir;
    const auto secret = dir / "bot-token";
    std::ofstream(secret) << "xoxb-123-abc\n";
    std::filesystem::permissions(secret, std::filesystem::perms::owner_read |
                                             std::filesystem::perms::owner_write);
    auto r = load_with("[slack]\nbot_token_file = \"" + secret.string() + "\"\n",
                       {"SCRIBE_SLACK_APP_TOKEN=xoxb-wrong-kind"});
    CHECK(slack_of(r.values).bot_token == "xoxb-123-abc");
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].where == "SCRIBE_SLACK_APP_TOKEN");
    CHECK(r.problems[0].message == "must start with xapp-");
    CHECK(r.problems[0].message.find("wrong-kind") == std::string::npos);

    std::filesystem::permissions(secret, std::filesystem::perms::group_read,
                                 std::filesystem::perm_options::add);
    r = load_with("[slack]\nbot_token_file = \"" + secret.string() + "\"\n", {});
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].message.find("readable by others") != std::string::npos);
}

TEST_CASE("every problem names its key") {
    auto r = load_with("[bot]\nprefix = \"\"\nmax_text = \"big\"\ncolour = \"red\"\n[nope]\nx = 1\n"
                       "title = \"top-level\"\n",
                       {"SCRIBE_BOT_MAX_TEXT=lots", "SCRIBE_BOT_PREFX=!"});
    std::vector<std::string> where;
    for (const auto& p : r.problems) where.push_back(p.where + " " + p.message);
    CAPTURE(where);
    CHECK(r.problems.size() == 7);
    auto has = [&](const std::string& text) {
        return std::any_of(where.begin(), where.end(),
                           [&](const std::string& w) { return w.find(text) != std::string::npos; });
    };
    CHECK(has("bot.prefix must be 1 to 8"));
    CHECK(has("bot.max_text must be an integer"));
    CHECK(has("bot.colour unknown key"));
    CHECK(has("nope.x unknown key"));
    CHECK(has("SCRIBE_BOT_MAX_TEXT must be an integer"));
    CHECK(has("SCRIBE_BOT_PREFX unknown key"));
}

TEST_CASE("a file that is not TOML is a problem with its position") {
    auto r = load_with("[bot\nprefix = 1\n", {});
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].where.find(":1:") != std::string::npos);
}

TEST_CASE("Matrix keys: the inviter allow-list from a TOML array or a comma-separated variable") {
    auto r = load_with(
        "[matrix]\nhomeserver = \"https://matrix.example.org/\"\n"
        "allowed_inviters = [\"example.org\", \"@alice:partner.example\"]\n",
        {"SCRIBE_MATRIX_ACCESS_TOKEN=syt_abc"});
    CHECK(r.problems.empty());
    CHECK(r.values.section("matrix")->enabled());
    CHECK(matrix_of(r.values).homeserver == "https://matrix.example.org");
    CHECK(matrix_of(r.values).allowed_inviters ==
          std::vector<std::string>{"example.org", "@alice:partner.example"});
    CHECK(matrix_of(r.values).pin_key == "\xF0\x9F\x93\x8C");

    r = load_with("", {"SCRIBE_MATRIX_ALLOWED_INVITERS= example.org , @bob:example.org,,"});
    CHECK(r.problems.empty());
    CHECK(matrix_of(r.values).allowed_inviters ==
          std::vector<std::string>{"example.org", "@bob:example.org"});
    CHECK_FALSE(r.values.section("matrix")->enabled());

    r = load_with("[matrix]\nallowed_inviters = \"example.org\"\n", {});
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].message == "must be a list of strings");
    r = load_with("[matrix]\nallowed_inviters = [\"@bob\"]\nhomeserver = \"matrix.example.org\"\n",
                  {});
    CHECK(r.problems.size() == 2);
}

TEST_CASE("the example configuration in deploy/ is valid") {
    const auto r = load_config(std::filesystem::path(SCRIBE_SOURCE_DIR) / "deploy" / "scribe.toml",
                               nullptr);
    std::string problems;
    for (const auto& p : r.problems) problems += p.where + ": " + p.message + "\n";
    INFO(problems);
    CHECK(r.problems.empty());
    CHECK(matrix_of(r.values).allowed_inviters.size() == 2);

    // Every key is there, set or commented out, with its section.
    std::ifstream in(std::filesystem::path(SCRIBE_SOURCE_DIR) / "deploy" / "scribe.toml");
    std::string section;
    std::set<std::string> documented;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("[")) section = line.substr(1, line.find(']') - 1);
        auto start = line.find_first_not_of("# ");
        const auto equals = line.find(" = ");
        if (start != std::string::npos && equals != std::string::npos && start < equals) {
            documented.insert(section + "." + line.substr(start, equals - start));
        }
    }
    for (const auto& [key, description] : config_keys()) {
        const auto name = key.substr(0, key.find(' '));
        INFO(name);
        CHECK(documented.contains(name));
    }
}

TEST_CASE("the bar raiser's thresholds, tolerances and phrases, and what is refused") {
    auto r = load_with(
        "[bar_raiser]\nimpact_count = 500\nimpact_percent = \"0.5%\"\nsev2 = \"2h\"\n"
        "action_window = \"10d\"\nhabitual = [\"mind the gap\"]\n",
        {"SCRIBE_BAR_RAISER_HUMAN_ERROR=oops,my bad"});
    REQUIRE(r.problems.empty());
    const auto& policy = r.values.bar_raiser;
    CHECK(policy.impact_count == 500);
    CHECK(policy.impact_percent == doctest::Approx(0.5));
    CHECK(policy.resolution_tolerance.at(scribe::model::severity::sev2) == std::chrono::hours(2));
    CHECK(policy.resolution_tolerance.at(scribe::model::severity::sev1) == std::chrono::hours(1));
    CHECK(policy.action_window == std::chrono::days(10));
    CHECK(policy.habitual == std::vector<std::string>{"mind the gap"});
    CHECK(policy.human_error == std::vector<std::string>{"oops", "my bad"});

    auto bad = load_with(
        "[bar_raiser]\nimpact_count = 0\nimpact_percent = \"lots\"\n"
        "sev1 = \"soon\"\naction_window = \"2h\"\ndata_loss = [\"\"]\n",
        {});
    std::vector<std::string> where;
    for (const auto& p : bad.problems) where.push_back(p.where + " " + p.message);
    CAPTURE(where);
    CHECK(bad.problems.size() == 5);
    CHECK(bad.values.bar_raiser.impact_count == 100);  // refused values change nothing
}
