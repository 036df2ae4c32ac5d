// The Socket Mode session as scripted exchanges: inputs in, the exact actions out.
#include <doctest/doctest.h>

#include <algorithm>

#include "adapters/slack/socket_mode.hpp"
#include "tests/slack/payloads.hpp"

using namespace scribe::adapters::slack;
using scribe::adapters::backoff_policy;
using namespace std::chrono_literals;
namespace fixtures = scribe::testing::slack;
using lines = std::vector<std::string>;

namespace doctest {
template <>
struct StringMaker<lines> {
    static String convert(const lines& value) {
        std::string out = "{";
        for (const auto& line : value) out += "\n  " + line;
        return (out + "}").c_str();
    }
};
}  // namespace doctest

namespace {

constexpr std::uint64_t seed = 42;
const clock::time_point t0 = clock::time_point{} + 1h;

session_config config(std::size_t links = 1) {
    session_config c;
    c.links = links;
    c.seed = seed;
    return c;
}

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

// Every action but log lines, one readable line each.
lines steps(const std::vector<action>& actions) {
    lines out;
    for (const auto& a : actions) {
        std::visit(overloaded{
                       [&](const open_link& o) {
                           out.push_back("open " + std::to_string(o.id) + " +" +
                                         std::to_string(o.delay.count()) + "ms");
                       },
                       [&](const close_link& c) { out.push_back("close " + std::to_string(c.id)); },
                       [&](const send_ack& s) {
                           out.push_back("ack " + std::to_string(s.link) + " " + s.frame);
                       },
                       [&](const deliver& d) {
                           out.push_back("deliver " + std::to_string(d.link) + " " +
                                         d.message.envelope_id);
                       },
                       [](const log_entry&) {},
                   },
                   a);
    }
    return out;
}

// Log lines at `level` or above.
lines logs(const std::vector<action>& actions, log_level level = log_level::warn) {
    lines out;
    for (const auto& a : actions) {
        if (const auto* l = std::get_if<log_entry>(&a); l && l->level >= level)
            out.push_back(l->text);
    }
    return out;
}

std::vector<std::chrono::milliseconds> open_delays(const std::vector<action>& actions) {
    std::vector<std::chrono::milliseconds> out;
    for (const auto& a : actions) {
        if (const auto* o = std::get_if<open_link>(&a)) out.push_back(o->delay);
    }
    return out;
}

std::string ack(std::string_view id) { return std::string(ack_frame(id)); }

// A session whose links 1..n are open and have said hello.
session ready_session(session_config c) {
    const auto n = c.links;
    session s(std::move(c));
    s.start(t0);
    for (link_id id = 1; id <= n; ++id) {
        s.on_link_opened(id, t0);
        s.on_frame(id, fixtures::hello_sdk, t0);
    }
    REQUIRE(s.ready_links() == n);
    return s;
}

std::string event_envelope(std::string_view envelope_id, std::string_view event_id, int retry = 0) {
    return fixtures::events_envelope(envelope_id, fixtures::message_plain, event_id, retry);
}

}  // namespace

TEST_CASE("start opens the configured links at once, within Slack's limit of 10") {
    session one(config(1));
    CHECK(steps(one.start(t0)) == lines{"open 1 +0ms"});
    session two(config(2));
    CHECK(steps(two.start(t0)) == lines{"open 1 +0ms", "open 2 +0ms"});
    session none(config(0));
    CHECK(steps(none.start(t0)).size() == 1);
    session many(config(50));
    CHECK(steps(many.start(t0)).size() == max_links);
}

TEST_CASE("deliver, commit, then ack on the link the envelope came on") {
    session s = ready_session(config(2));
    CHECK(steps(s.on_frame(2, fixtures::app_mention_envelope, t0)) ==
          lines{"deliver 2 cda4159a-72a5-4744-aba3-4d66eb52682b"});
    // Nothing is acked before the bot says the envelope is durably handled.
    CHECK(steps(s.tick(t0 + 2s)).empty());
    CHECK(steps(s.on_committed("cda4159a-72a5-4744-aba3-4d66eb52682b")) ==
          lines{"ack 2 " + ack("cda4159a-72a5-4744-aba3-4d66eb52682b")});
    // A second commit of the same envelope sends nothing more.
    CHECK(steps(s.on_committed("cda4159a-72a5-4744-aba3-4d66eb52682b")).empty());
}

TEST_CASE("frames before hello are handled, hello then makes the link ready") {
    session s(config(1));
    s.start(t0);
    s.on_link_opened(1, t0);
    CHECK(steps(s.on_frame(1, fixtures::app_mention_envelope, t0)) ==
          lines{"deliver 1 cda4159a-72a5-4744-aba3-4d66eb52682b"});
    CHECK(s.ready_links() == 0);
    CHECK(steps(s.on_frame(1, fixtures::hello_docs, t0)).empty());
    CHECK(s.ready_links() == 1);
}

TEST_CASE("a redelivery while the first copy is in flight is acked with it, not delivered") {
    session s = ready_session(config(2));
    CHECK(steps(s.on_frame(1, event_envelope("env-a", "Ev1"), t0)) == lines{"deliver 1 env-a"});
    // Slack timed out on the first copy and retried on the other link, with a new envelope id.
    CHECK(steps(s.on_frame(2, event_envelope("env-b", "Ev1", 1), t0 + 3s)).empty());
    // The same copy again adds nothing.
    CHECK(steps(s.on_frame(2, event_envelope("env-b", "Ev1", 1), t0 + 3s)).empty());
    CHECK(steps(s.on_committed("env-a")) ==
          lines{"ack 1 " + ack("env-a"), "ack 2 " + ack("env-b")});
    // A copy after the commit is acked at once.
    CHECK(steps(s.on_frame(1, event_envelope("env-c", "Ev1", 2), t0 + 60s)) ==
          lines{"ack 1 " + ack("env-c")});
}

TEST_CASE("a redelivery that reuses the envelope id is deduplicated by that id") {
    session s = ready_session(config(1));
    const auto slash = std::string(fixtures::slash_envelope_docs);
    CHECK(steps(s.on_frame(1, slash, t0)) ==
          lines{"deliver 1 dbdd0ef3-1543-4f94-bfb4-133d0e6c1545"});
    CHECK(steps(s.on_frame(1, slash, t0 + 1s)).empty());
    CHECK(steps(s.on_committed("dbdd0ef3-1543-4f94-bfb4-133d0e6c1545")).size() == 1);
    CHECK(steps(s.on_frame(1, slash, t0 + 5s)) ==
          lines{"ack 1 " + ack("dbdd0ef3-1543-4f94-bfb4-133d0e6c1545")});
}

TEST_CASE("a message and its app_mention are two events: both delivered, the bot keys them") {
    // The SDK fixtures reuse Ev111 for both; real Slack gives each event its own id.
    session s = ready_session(config(1));
    const auto mention = fixtures::events_envelope(
        "env-m",
        R"({"type":"app_mention","user":"U2","text":"<@U1> hi","ts":"1.2","channel":"C1"})",
        "EvMention");
    const auto message = fixtures::events_envelope(
        "env-p", R"({"type":"message","user":"U2","text":"<@U1> hi","ts":"1.2","channel":"C1"})",
        "EvMessage");
    CHECK(steps(s.on_frame(1, mention, t0)) == lines{"deliver 1 env-m"});
    CHECK(steps(s.on_frame(1, message, t0)) == lines{"deliver 1 env-p"});
}

TEST_CASE("slash command answered through its ack") {
    session s = ready_session(config(1));
    s.on_frame(1, fixtures::slash_envelope_docs, t0);
    CHECK(
        steps(s.on_committed("dbdd0ef3-1543-4f94-bfb4-133d0e6c1545",
                             R"({"text":"I got it!","response_type":"ephemeral"})")) ==
        lines{
            R"(ack 1 {"envelope_id":"dbdd0ef3-1543-4f94-bfb4-133d0e6c1545","payload":{"response_type":"ephemeral","text":"I got it!"}})"});
}

TEST_CASE("response payloads that cannot be sent are dropped, the ack still goes") {
    session s = ready_session(config(1));
    s.on_frame(1, fixtures::slash_envelope_escaped, t0);
    const auto bad = s.on_committed("1d3c79ab-0ffb-41f3-a080-d19e85f53649", "{not json");
    CHECK(steps(bad) == lines{"ack 1 " + ack("1d3c79ab-0ffb-41f3-a080-d19e85f53649")});
    CHECK(logs(bad, log_level::error).size() == 1);

    // events_api envelopes do not accept a response payload.
    s.on_frame(1, fixtures::app_mention_envelope, t0);
    const auto unwanted = s.on_committed("cda4159a-72a5-4744-aba3-4d66eb52682b", R"({"text":"x"})");
    CHECK(steps(unwanted) == lines{"ack 1 " + ack("cda4159a-72a5-4744-aba3-4d66eb52682b")});
    CHECK(logs(unwanted).size() == 1);
}

TEST_CASE("interactive and unknown envelopes are acked at once and not delivered") {
    session s = ready_session(config(1));
    const auto interactive = s.on_frame(1, fixtures::shortcut_envelope, t0);
    CHECK(steps(interactive) == lines{"ack 1 " + ack("57d6a792-4d35-4d0b-b6aa-3361493e1caf")});
    CHECK(logs(interactive, log_level::info).size() == 1);
    CHECK(steps(s.on_frame(1, R"({"envelope_id":"x-1","type":"future","payload":{}})", t0)) ==
          lines{"ack 1 " + ack("x-1")});
}

TEST_CASE("an ack whose link has closed goes out on another open link") {
    session s = ready_session(config(2));
    s.on_frame(1, event_envelope("env-a", "Ev1"), t0);
    const auto lost =
        s.on_link_closed(1, {link_end::kind::closed, "connection reset", 0ms}, t0 + 1s);
    CHECK(logs(lost) == lines{"slack link 1 lost: connection reset"});
    CHECK(steps(s.on_committed("env-a")) == lines{"ack 2 " + ack("env-a")});
}

TEST_CASE("with no link open the ack waits for Slack's redelivery") {
    session s = ready_session(config(1));
    s.on_frame(1, event_envelope("env-a", "Ev1"), t0);
    const auto reopen = s.on_link_closed(1, {link_end::kind::closed, {}, 0ms}, t0 + 1s);
    REQUIRE(open_delays(reopen).size() == 1);
    const auto commit = s.on_committed("env-a");
    CHECK(steps(commit).empty());
    CHECK(logs(commit) == lines{"no open link to ack env-a; Slack will redeliver it"});
    s.on_link_opened(2, t0 + 2s);
    s.on_frame(2, fixtures::hello_sdk, t0 + 2s);
    CHECK(steps(s.on_frame(2, event_envelope("env-b", "Ev1", 1), t0 + 3s)) ==
          lines{"ack 2 " + ack("env-b")});
}

TEST_CASE("warning: the replacement opens before the old link closes") {
    session s = ready_session(config(1));
    s.on_frame(1, event_envelope("env-a", "Ev1"), t0);
    CHECK(steps(s.on_frame(1, fixtures::disconnect_warning, t0)) == lines{"open 2 +0ms"});
    // refresh_requested after the warning asks for nothing new.
    CHECK(steps(s.on_frame(1, fixtures::disconnect_refresh, t0 + 5s)).empty());
    // The old link keeps working meanwhile.
    CHECK(steps(s.on_committed("env-a")) == lines{"ack 1 " + ack("env-a")});
    CHECK(steps(s.on_link_opened(2, t0 + 6s)).empty());
    CHECK(steps(s.on_frame(2, fixtures::hello_sdk, t0 + 6s)) == lines{"close 1"});
    // Its close is expected: nothing reopens, and the run of failures is not touched.
    const auto closed = s.on_link_closed(1, {}, t0 + 7s);
    CHECK(steps(closed).empty());
    CHECK(logs(closed).empty());
    CHECK(s.links() == 1);
    CHECK(s.ready_links() == 1);
}

TEST_CASE("refresh_requested without a warning hands over the same way") {
    session s = ready_session(config(2));
    CHECK(steps(s.on_frame(2, fixtures::disconnect_refresh, t0)) == lines{"open 3 +0ms"});
    s.on_link_opened(3, t0);
    CHECK(steps(s.on_frame(3, fixtures::hello_sdk, t0)) == lines{"close 2"});
    // An unknown reason is taken as "leave this link" too.
    CHECK(steps(s.on_frame(1, R"({"type":"disconnect","reason":"maintenance"})", t0)) ==
          lines{"open 4 +0ms"});
}

TEST_CASE("the old link closes after the grace period when the replacement never says hello") {
    session s = ready_session(config(1));
    s.on_frame(1, fixtures::disconnect_warning, t0);
    CHECK(s.next_deadline() == t0 + 15s);
    CHECK(steps(s.tick(t0 + 14s)).empty());
    CHECK(steps(s.tick(t0 + 15s)) == lines{"close 1"});
}

TEST_CASE("at the link limit a refresh closes first, then reopens") {
    session s = ready_session(config(max_links));
    CHECK(steps(s.on_frame(4, fixtures::disconnect_warning, t0)) == lines{"close 4"});
    CHECK(steps(s.on_link_closed(4, {}, t0 + 1s)) == lines{"open 11 +0ms"});
}

TEST_CASE("too_many_websockets: close first, reopen only after the close, with backoff") {
    session s = ready_session(config(1));
    CHECK(steps(s.on_frame(1, fixtures::disconnect_too_many, t0)) == lines{"close 1"});
    std::mt19937_64 reference(seed);
    const backoff_policy policy = config().reconnect;
    CHECK(steps(s.on_link_closed(1, {}, t0 + 1s)) ==
          lines{"open 2 +" + std::to_string(policy.delay(0, reference).count()) + "ms"});
    // Turned away again right after its hello: that hello did not make the link healthy,
    // so the backoff keeps growing instead of starting over.
    s.on_link_opened(2, t0 + 2s);
    s.on_frame(2, fixtures::hello_sdk, t0 + 2s);
    CHECK(steps(s.on_frame(2, fixtures::disconnect_too_many_sdk, t0 + 2s)) == lines{"close 2"});
    CHECK(steps(s.on_link_closed(2, {}, t0 + 3s)) ==
          lines{"open 3 +" + std::to_string(policy.delay(1, reference).count()) + "ms"});
}

TEST_CASE("link_disabled backs off for minutes, growing to a cap") {
    session s = ready_session(config(1));
    const auto disabled = s.on_frame(1, fixtures::disconnect_link_disabled, t0);
    CHECK(steps(disabled) == lines{"close 1"});
    CHECK(logs(disabled, log_level::error).size() == 1);
    std::mt19937_64 reference(seed);
    const backoff_policy policy = config().disabled;
    auto now = t0;
    for (link_id id = 1; id < 12; ++id) {
        const auto reopen = s.on_link_closed(id, {}, now);
        REQUIRE(open_delays(reopen).size() == 1);
        const auto delay = open_delays(reopen).front();
        CHECK(delay == policy.delay(static_cast<unsigned>(id - 1), reference));
        CHECK(delay >= 1min);
        CHECK(delay <= 15min);
        if (id == 1) CHECK(delay == 1min);  // the first retry is exactly the floor
        now += delay;
        s.on_link_opened(id + 1, now);
        s.on_frame(id + 1, fixtures::disconnect_link_disabled, now);
    }
}

TEST_CASE("repeated failures back off exponentially with jitter, capped, a hello resets it") {
    session s(config(1));
    s.start(t0);
    std::mt19937_64 reference(seed);
    const backoff_policy policy = config().reconnect;
    auto now = t0;
    link_id id = 1;
    for (unsigned attempt = 0; attempt < 12; ++attempt, ++id) {
        now += 1s;
        const auto reopen =
            s.on_link_closed(id, {link_end::kind::failed, "connect refused", 0ms}, now);
        REQUIRE(open_delays(reopen).size() == 1);
        const auto delay = open_delays(reopen).front();
        CHECK(delay == policy.delay(attempt, reference));
        CHECK(delay <= std::min<std::chrono::milliseconds>(1s * (1 << attempt), 1min));
    }
    s.on_link_opened(id, now);
    s.on_frame(id, fixtures::hello_sdk, now);
    const auto after_hello = s.on_link_closed(id, {link_end::kind::closed, {}, 0ms}, now + 1h);
    CHECK(open_delays(after_hello) == std::vector{policy.delay(0, reference)});
    CHECK(open_delays(after_hello).front() <= 1s);
}

TEST_CASE("a rate-limited open waits at least Retry-After, a refused token waits minutes") {
    session s(config(1));
    s.start(t0);
    const auto limited = s.on_link_closed(1, {link_end::kind::rate_limited, "429", 30s}, t0);
    REQUIRE(open_delays(limited).size() == 1);
    CHECK(open_delays(limited).front() >= 30s);
    const auto refused = s.on_link_closed(2, {link_end::kind::rejected, "invalid_auth", 0ms}, t0);
    REQUIRE(open_delays(refused).size() == 1);
    CHECK(open_delays(refused).front() >= 1min);
    CHECK(logs(refused, log_level::error) ==
          lines{"slack link 2: app token refused: invalid_auth"});
}

TEST_CASE("a link that opens but never says hello is closed and retried") {
    session s(config(1));
    s.start(t0);
    s.on_link_opened(1, t0);
    CHECK(s.next_deadline() == t0 + 10s);
    CHECK(steps(s.tick(t0 + 9s)).empty());
    const auto timeout = s.tick(t0 + 10s);
    CHECK(steps(timeout) == lines{"close 1"});
    CHECK(logs(timeout) == lines{"slack link 1: no hello in time"});
    const auto reopen = s.on_link_closed(1, {}, t0 + 11s);
    REQUIRE(open_delays(reopen).size() == 1);
    CHECK(open_delays(reopen).front() <= 1s);
}

TEST_CASE("dedupe memory is bounded: the oldest envelopes are forgotten first") {
    auto c = config(1);
    c.dedupe_capacity = 3;
    session s = ready_session(c);
    for (int i = 1; i <= 4; ++i) {
        const auto n = std::to_string(i);
        REQUIRE(steps(s.on_frame(1, event_envelope("env-" + n, "Ev" + n), t0)).size() == 1);
        REQUIRE(steps(s.on_committed("env-" + n)).size() == 1);
    }
    // Ev1 was forgotten: its redelivery reaches the bot again (the store's keys catch it).
    CHECK(steps(s.on_frame(1, event_envelope("env-1b", "Ev1", 1), t0)) ==
          lines{"deliver 1 env-1b"});
    CHECK(steps(s.on_frame(1, event_envelope("env-4b", "Ev4", 1), t0)) ==
          lines{"ack 1 " + ack("env-4b")});
    // A commit for an envelope no longer remembered is still acked.
    const auto late = s.on_committed("env-gone");
    CHECK(steps(late) == lines{"ack 1 " + ack("env-gone")});
    CHECK(logs(late).size() == 1);
}

TEST_CASE("malformed frames and frames on unknown links are logged and dropped") {
    session s = ready_session(config(1));
    const auto junk = s.on_frame(1, "\x01\x02 not json", t0);
    CHECK(steps(junk).empty());
    CHECK(logs(junk) == lines{"slack link 1: dropped a frame: not JSON"});
    const auto stray = s.on_frame(99, fixtures::app_mention_envelope, t0);
    CHECK(steps(stray).empty());
    CHECK(logs(stray).size() == 1);
    CHECK(steps(s.on_link_opened(77, t0)) == lines{"close 77"});
    CHECK(steps(s.on_link_closed(77, {}, t0)).empty());
}

TEST_CASE("stop closes every link and opens no more") {
    session s = ready_session(config(2));
    s.on_frame(1, fixtures::disconnect_warning, t0);  // link 3 opening as a replacement
    CHECK(steps(s.stop()) == lines{"close 1", "close 2", "close 3"});
    CHECK(steps(s.on_link_closed(1, {}, t0)).empty());
    CHECK(steps(s.on_link_closed(2, {link_end::kind::closed, "reset", 0ms}, t0)).empty());
    CHECK(steps(s.on_link_closed(3, {}, t0)).empty());
    CHECK(s.links() == 0);
    CHECK_FALSE(s.next_deadline());
}
