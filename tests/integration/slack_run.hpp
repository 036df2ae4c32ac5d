// A fake Slack workspace with two people and an incident channel, and the means to run the
// real `scribe` against it and check what it answered and stored.
#pragma once

#include <algorithm>
#include <memory>

#include "tests/fakes/fake_slack.hpp"
#include "tests/integration/run_support.hpp"

namespace scribe::testing {

using fakes::fake_slack;
using fakes::fake_slack_options;

// A fake workspace with two people and an incident channel, and Scribe running against it.
struct slack_run {
    explicit slack_run(fake_slack_options options = {}) : slack(std::move(options)) {
        slack.add_user({"U0ALICE01", "alice", "Alice Example", "Alice", "Europe/Berlin",
                        "Central European Time", 3600});
        slack.add_user({"U0BOB0001", "bob", "Bob Builder", "", "UTC"});
        slack.add_channel({"C0INC0001", "inc-checkout", {"U0ALICE01", "U0BOB0001"}});
        slack.start();
    }

    std::vector<std::string> environment() const {
        return {"SCRIBE_SLACK_APP_TOKEN=" + slack.options().app_token,
                "SCRIBE_SLACK_BOT_TOKEN=" + slack.options().bot_token,
                "SCRIBE_SLACK_API_URL=" + slack.api_base_url(),
                "SCRIBE_TLS_CA_FILE=" + slack.ca_file().string(),
                "SCRIBE_LOG_LEVEL=debug"};
    }

    void start_bot() {
        bot = std::make_shared<child_process>(
            std::vector<std::string>{"--db", db(), "run"}, environment(), dir.path());
        REQUIRE_MESSAGE(slack.wait_for([&] { return slack.stats().open_links >= 1; }, patience),
                        bot->err());
    }

    void stop_bot() {
        bot->signal(SIGTERM);
        const auto code = bot->wait(patience);
        INFO(bot->err());
        REQUIRE(code.has_value());
        CHECK(*code == 0);
    }

    std::string db() const { return (dir / "scribe.db").string(); }

    // Waits until the bot has posted a message containing `text`, and returns its text.
    std::string reply_containing(const std::string& text) {
        std::string found;
        const bool ok = slack.wait_for(
            [&] {
                for (const auto& m : slack.bot_messages()) {
                    if (m.text.find(text) != std::string::npos) {
                        found = m.text;
                        return true;
                    }
                }
                return false;
            },
            patience);
        INFO("waiting for a reply with: " << text << "\n" << bot->err());
        REQUIRE(ok);
        return found;
    }

    std::size_t replies_containing(const std::string& text) const {
        const auto messages = slack.bot_messages();
        return static_cast<std::size_t>(
            std::count_if(messages.begin(), messages.end(), [&](const auto& m) {
                return m.text.find(text) != std::string::npos;
            }));
    }

    std::string say(const std::string& text, const std::string& user = "U0ALICE01") {
        return slack.post_user_message("C0INC0001", user, text).ts;
    }

    // Every event in the store, from `scribe export`, after the bot has stopped.
    std::vector<nlohmann::json> stored_events() const { return exported_events(db()); }

    temp_dir dir;
    fake_slack slack;
    std::shared_ptr<child_process> bot;  // shared when one bot serves several platforms
};

}  // namespace scribe::testing
