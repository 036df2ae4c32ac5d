// Slack markup: every token form decoded, outgoing text escaped, mass mentions defused.
#include "adapters/slack/markup.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace scribe::adapters::slack;

namespace {

const std::string zwsp = "\xE2\x80\x8B";

}  // namespace

TEST_CASE("entities: Slack's three, and nothing else") {
    CHECK(decode_markup("a &amp; b &lt;c&gt;") == "a & b <c>");
    CHECK(decode_markup("&amp;lt;") == "&lt;");  // a literal "&lt;" typed by a person
    CHECK(decode_markup("&quot; &nbsp; & &am") == "&quot; &nbsp; & &am");
    CHECK(decode_markup("") == "");
}

TEST_CASE("user mentions stay exactly as sent, for the command parser") {
    CHECK(decode_markup("<@U111>") == "<@U111>");
    CHECK(decode_markup("!role ic <@U123ABC|alice>") == "!role ic <@U123ABC|alice>");
    CHECK(decode_markup("cc <@W0123> &amp; <@U2>") == "cc <@W0123> & <@U2>");
}

TEST_CASE("channels and special mentions") {
    CHECK(decode_markup("see <#C123|incidents>") == "see #incidents");
    CHECK(decode_markup("see <#C123>") == "see #C123");
    CHECK(decode_markup("<!here> <!channel> <!everyone>") == "@here @channel @everyone");
    CHECK(decode_markup("<!here|here>") == "@here");
    CHECK(decode_markup("<!subteam^S123|@oncall> please") == "@oncall please");
    CHECK(decode_markup("<!subteam^S123>") == "@S123");
    CHECK(decode_markup("<!date^1392734382^{date_short}|Feb 18, 2014 PST>") == "Feb 18, 2014 PST");
    CHECK(decode_markup("<!something>") == "<!something>");
}

TEST_CASE("links: bare, auto-linked, labelled, mail") {
    CHECK(decode_markup("<https://grafana.example.com/d/1>") == "https://grafana.example.com/d/1");
    CHECK(decode_markup("<https://x.io|https://x.io>") == "https://x.io");
    CHECK(decode_markup("<http://example.com|example.com>") == "http://example.com");
    CHECK(decode_markup("<https://example.com/a|example.com/a>") == "https://example.com/a");
    CHECK(decode_markup("<https://x.io/runbook|the runbook>") ==
          "the runbook (https://x.io/runbook)");
    CHECK(decode_markup("<mailto:ops@example.com|ops@example.com>") == "ops@example.com");
    CHECK(decode_markup("<mailto:ops@example.com|Ops>") == "Ops (mailto:ops@example.com)");
    CHECK(decode_markup("<https://x.io/?a=1&amp;b=2|q &amp; a>") ==
          "q & a (https://x.io/?a=1&b=2)");
    // The label may itself contain '|'.
    CHECK(decode_markup("<https://x.io|a|b>") == "a|b (https://x.io)");
}

TEST_CASE("broken markup stays readable") {
    CHECK(decode_markup("a < b") == "a < b");
    CHECK(decode_markup("x <https://a.io") == "x <https://a.io");
    CHECK(decode_markup("<>") == "<>");
    CHECK(decode_markup("<|x>") == "<|x>");
    CHECK(decode_markup("1 < 2 <@U1>") == "1 < 2 <@U1>");
    CHECK(decode_markup("<<@U1>>") == "<<@U1>>");
    CHECK(decode_markup(">>> quoted") == ">>> quoted");
    // Long runs stay linear: this would take minutes if every '<' rescanned the text.
    const std::string many(200'000, '<');
    CHECK(decode_markup(many + ">").size() == many.size() + 1);
}

TEST_CASE("escaping outgoing text") {
    CHECK(escape_markup("a & b <c> <!channel>") == "a &amp; b &lt;c&gt; &lt;!channel&gt;");
    CHECK(escape_markup("plain") == "plain");
    CHECK(escape_markup("&amp;") == "&amp;amp;");
}

TEST_CASE("decode undoes escape for any text") {
    for (const std::string text : {"", "<@U1>", "a & b", "&amp;", "<https://x|y>", "<<>>&&;;",
                                   "&lt;!channel&gt;", "\xE2\x80\x94 \xF0\x9F\x93\x8C"}) {
        CHECK(decode_markup(escape_markup(text)) == text);
    }
    std::mt19937_64 random(7);
    const std::string alphabet = "<>&|@!#;:/ampltg x";
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        const auto length = random() % 24;
        for (std::uint64_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
        CHECK_MESSAGE(decode_markup(escape_markup(text)) == text, text);
    }
}

TEST_CASE("mass mentions in outgoing markup are defused") {
    CHECK(neutralise_mass_mentions("<!channel> look") == "@" + zwsp + "channel look");
    CHECK(neutralise_mass_mentions("<!here|here> and <!everyone>") ==
          "@" + zwsp + "here and @" + zwsp + "everyone");
    CHECK(neutralise_mass_mentions("<!subteam^S1|@oncall>") == "@" + zwsp + "oncall");
    CHECK(neutralise_mass_mentions("<!subteam^S1>") == "@" + zwsp + "S1");
    CHECK(neutralise_mass_mentions("ping @channel or @Here") ==
          "ping @" + zwsp + "channel or @" + zwsp + "Here");
    // People, links and other specials stay as they are.
    CHECK(neutralise_mass_mentions("<@U1> <https://x.io|x> <!date^1^{date}|today> @alice") ==
          "<@U1> <https://x.io|x> <!date^1^{date}|today> @alice");
    CHECK(neutralise_mass_mentions("<!channel") == "<!channel");
    CHECK(neutralise_mass_mentions("<!<!here>") == "<!@" + zwsp + "here");
    std::string unclosed;
    for (int i = 0; i < 100'000; ++i) unclosed += "<!";
    CHECK(neutralise_mass_mentions(unclosed) == unclosed);
    // Decoded text is safe to quote once defused.
    CHECK(neutralise_mass_mentions(decode_markup("<!here> db down")) ==
          "@" + zwsp + "here db down");
}

TEST_CASE("incident channel names: the UTC day and the title, as Slack accepts them") {
    using namespace std::chrono;
    const auto declared = sys_days{2026y / November / 21} + 23h + 59min;
    CHECK(incident_channel_name("Users can't see transactions", declared) ==
          "inc-2026-11-21-users-cant-see-transactions");
    CHECK(incident_channel_name("  EU checkout: 502s & timeouts!! ", declared) ==
          "inc-2026-11-21-eu-checkout-502s-timeouts");
    CHECK(incident_channel_name("Zahlungen für Kunden", declared) ==
          "inc-2026-11-21-zahlungen-f-r-kunden");
    CHECK(incident_channel_name("???", declared) == "inc-2026-11-21");
    const auto long_name = incident_channel_name(std::string(200, 'a'), declared);
    CHECK(long_name.size() == 80);
    CHECK(long_name.rfind("inc-2026-11-21-aaa", 0) == 0);
    CHECK(incident_channel_name(std::string(66, 'a') + " b", declared).back() != '-');
}
