// The console as a chat channel: how lines become messages, and what reaches the terminal.
#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <vector>

#include "adapters/console/console_adapter.hpp"
#include "tests/support/coro.hpp"
#include "tests/support/recording_bot.hpp"

using namespace scribe;
using scribe::adapters::console::console_adapter;

namespace {

std::vector<std::string> messages_of(const std::string& input) {
    std::istringstream in(input);
    std::ostringstream out;
    testing::recording_bot bot;
    console_adapter console(in, out, {}, bot);
    std::vector<std::string> texts;
    while (auto message = console.next(model::timestamp{})) texts.push_back(message->text);
    return texts;
}

}  // namespace

TEST_CASE("a SitRep ends at an empty line or at the next command") {
    CHECK(messages_of("!sitrep\nstatus: rolling back\nimpact: EU only\n\n!tl after\n") ==
          std::vector<std::string>{"!sitrep\nstatus: rolling back\nimpact: EU only", "!tl after"});
    CHECK(messages_of("!sitrep\nstatus: rolling back\n!tl right after\n!tl and another\n") ==
          std::vector<std::string>{"!sitrep\nstatus: rolling back", "!tl right after",
                                   "!tl and another"});
    CHECK(messages_of("!sitrep\nstatus: rolling back\n!sitrep\nnext: watch\n") ==
          std::vector<std::string>{"!sitrep\nstatus: rolling back", "!sitrep\nnext: watch"});
}

TEST_CASE("a trailing backslash goes on with the next line, in a SitRep too") {
    CHECK(messages_of("!tl one \\\ntwo\n") == std::vector<std::string>{"!tl one \ntwo"});
    CHECK(messages_of("!sitrep\nstatus: a long \\\nstory\nnext: watch\n") ==
          std::vector<std::string>{"!sitrep\nstatus: a long \nstory\nnext: watch"});
}

TEST_CASE("two consoles never share message ids") {
    std::set<std::string> ids;
    for (int i = 0; i < 100; ++i) ids.insert(adapters::console::new_session_id());
    CHECK(ids.size() == 100);
}

TEST_CASE("control characters never reach the terminal") {
    std::istringstream in;
    std::ostringstream out;
    testing::recording_bot bot;
    console_adapter console(in, out, {}, bot);
    adapters::outbound_reply reply;
    using namespace std::string_literals;
    reply.text = "#2: \"\x1b[31mred\x07 \x00text\"\x7f"s;
    console.deliver(reply);
    CHECK(out.str() == "#2: \"[31mred text\"\n");
}

TEST_CASE("the console hands each message to the bot and prints the answer before the next") {
    std::istringstream in("!tl first\nchatter\n!tl second\n");
    std::ostringstream out;
    testing::recording_bot bot;
    bot.reply_text = "noted";
    console_adapter console(in, out, {}, bot);
    boost::asio::io_context io;
    testing::run_coro(io, console.run());
    REQUIRE(bot.messages.size() == 3);
    CHECK(bot.messages[0].text == "!tl first");
    CHECK(bot.messages[0].source.message_id != bot.messages[1].source.message_id);
    CHECK(out.str() == "noted\nnoted\nnoted\n");
    CHECK(console.status().connected);
    CHECK(console.not_recorded() == 0);
}
