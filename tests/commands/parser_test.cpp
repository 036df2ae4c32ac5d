// Every command form the grammar accepts, and every way it refuses input.
#include <doctest/doctest.h>

#include "commands/parser.hpp"
#include "commands/time_spec.hpp"
#include "tests/support/events.hpp"

using namespace scribe;
using namespace scribe::commands;
using scribe::testing::at;

namespace {

parse_context berlin_context() {
    parse_context c;
    c.now = at("2026-11-21T14:30:00Z");  // 15:30 in Berlin
    c.zone = *model::zone::locate("Europe/Berlin");
    return c;
}

template <class Command>
Command parsed(std::string_view text, const parse_context& context = berlin_context()) {
    const auto result = parse(text, context);
    REQUIRE(result);
    if (const auto* error = std::get_if<parse_error>(&*result)) {
        FAIL_CHECK("unexpected error for '" << text << "': " << error->message);
    }
    const auto& c = std::get<command>(*result);
    REQUIRE_MESSAGE(std::holds_alternative<Command>(c), "wrong command for " << text);
    return std::get<Command>(c);
}

parse_error refused(std::string_view text, const parse_context& context = berlin_context()) {
    const auto result = parse(text, context);
    REQUIRE(result);
    REQUIRE_MESSAGE(std::holds_alternative<parse_error>(*result), "accepted: " << text);
    return std::get<parse_error>(*result);
}

}  // namespace

TEST_CASE("messages without the prefix are not commands") {
    const auto context = berlin_context();
    CHECK_FALSE(parse("the database is on fire", context));
    CHECK_FALSE(parse("", context));
    CHECK_FALSE(parse("!", context));
    CHECK_FALSE(parse("see !tl above", context));
    auto slashless = context;
    slashless.prefix = "?";
    CHECK_FALSE(parse("!tl hello", slashless));
    CHECK(parse("?tl hello", slashless));
}

TEST_CASE("!declare takes a title and an optional severity at the end") {
    auto d = parsed<cmd::declare>("!declare Users can't see transactions sev2");
    CHECK(d.title == "Users can't see transactions");
    CHECK(d.level == model::severity::sev2);
    d = parsed<cmd::declare>("!DECLARE  Checkout slow  ");
    CHECK(d.title == "Checkout slow");
    CHECK(d.level == model::severity::sev3);
    CHECK(refused("!declare").message == "missing title");
}

TEST_CASE("!tl records now, backdated by a span, at a local clock time or an instant") {
    const auto now = at("2026-11-21T14:30:00Z");
    auto t = parsed<cmd::timeline>("!tl restarted the sync job");
    CHECK(t.at.at == now);
    CHECK(t.text == "restarted the sync job");
    CHECK(parsed<cmd::timeline>("!tl -15m paged on-call").at.at == now - std::chrono::minutes(15));
    CHECK(parsed<cmd::timeline>("!tl -2h x").at.at == now - std::chrono::hours(2));
    CHECK(parsed<cmd::timeline>("!tl -90s x").at.at == now - std::chrono::seconds(90));
    CHECK(parsed<cmd::timeline>("!tl -1h30m x").at.at == now - std::chrono::minutes(90));
    // 14:05 Berlin is 13:05Z, earlier today.
    CHECK(parsed<cmd::timeline>("!tl @14:05 firewall change").at.at == at("2026-11-21T13:05:00Z"));
    // 16:00 Berlin is later than now (15:30): yesterday.
    CHECK(parsed<cmd::timeline>("!tl @16:00 x").at.at == at("2026-11-20T15:00:00Z"));
    CHECK(parsed<cmd::timeline>("!tl @2026-11-21T14:05Z x").at.at == at("2026-11-21T14:05:00Z"));
    CHECK(parsed<cmd::timeline>("!tl @2026-11-21T12:00 x").at.at == at("2026-11-21T11:00:00Z"));
    CHECK(parsed<cmd::timeline>("!tl @2026-11-21T14:05:00+01:00 x").at.at ==
          at("2026-11-21T13:05:00Z"));
    // A number in the text is text.
    CHECK(parsed<cmd::timeline>("!tl 3 pods crashed").text == "3 pods crashed");
}

TEST_CASE("!tl refuses bad times, future times and empty or oversized text") {
    CHECK(refused("!tl").message == "missing text");
    CHECK(refused("!tl -15m").message == "missing text");
    CHECK(refused("!tl -15x oops").message.find("not a span") != std::string::npos);
    CHECK(refused("!tl @25:00 oops").message.find("not a time") != std::string::npos);
    CHECK(refused("!tl @2027-01-01T00:00Z oops").message.find("future") != std::string::npos);
    CHECK(refused("!tl -40d oops").message.find("30 days") != std::string::npos);
    const auto e = refused("!tl " + std::string(5000, 'x'));
    CHECK(e.message.find("limit is 4000") != std::string::npos);
    CHECK(e.usage.find("!tl [-15m|@14:05|@2026-11-21T14:05Z] <text>") != std::string::npos);
}

TEST_CASE("!sev, !role, !status") {
    CHECK(parsed<cmd::set_severity>("!sev 1").level == model::severity::sev1);
    CHECK(parsed<cmd::set_severity>("!sev SEV4").level == model::severity::sev4);
    CHECK(refused("!sev 5").message.find("not a severity") != std::string::npos);
    CHECK(refused("!sev").message == "missing severity");

    auto r = parsed<cmd::assign_role>("!role ic <@U123ABC>");
    CHECK(r.role == "ic");
    CHECK(r.holder.id == "U123ABC");
    r = parsed<cmd::assign_role>("!role Comms @bob:example.org");
    CHECK(r.role == "comms");
    CHECK(r.holder.id == "@bob:example.org");
    CHECK(r.holder.name == "bob");
    r = parsed<cmd::assign_role>("!role db-expert Carol");
    CHECK(r.role == "db-expert");
    CHECK(r.holder.id == "carol");
    CHECK(r.holder.name == "Carol");
    CHECK(refused("!role ic").message.find("missing the person") != std::string::npos);
    CHECK(refused("!role").message == "missing role");
    CHECK(refused("!role i/c bob").message.find("not a role") != std::string::npos);
    CHECK(refused("!role ic bob carol").message.find("unexpected") != std::string::npos);

    const auto s = parsed<cmd::set_status>("!status identified");
    CHECK(s.to == model::phase::identified);
    CHECK(parsed<cmd::set_status>("!status monitoring -5m").at.at ==
          at("2026-11-21T14:25:00Z"));
    CHECK(parsed<cmd::show>("!status").what == cmd::view::summary);
    CHECK(refused("!status closed").message.find("!close") != std::string::npos);
    CHECK(refused("!status sleeping").message.find("not a phase") != std::string::npos);
}

TEST_CASE("markers: !started, !detected, !mitigated, !resolved with optional times") {
    CHECK(parsed<cmd::started>("!started @14:00").at.at == at("2026-11-21T13:00:00Z"));
    CHECK(refused("!started").message.find("missing") != std::string::npos);
    auto d = parsed<cmd::detected>("!detected");
    CHECK(d.how == model::detection::unknown);
    CHECK(d.at.at == at("2026-11-21T14:30:00Z"));
    d = parsed<cmd::detected>("!detected customer -20m");
    CHECK(d.how == model::detection::customer);
    CHECK(d.at.at == at("2026-11-21T14:10:00Z"));
    CHECK(parsed<cmd::detected>("!detected 14:50").at.at == at("2026-11-21T13:50:00Z"));
    CHECK(refused("!detected psychic").message.find("not a way") != std::string::npos);
    CHECK(refused("!detected customer soon").message.find("unexpected") != std::string::npos);
    auto m = parsed<cmd::set_status>("!mitigated @2026-11-21T14:20Z");
    CHECK(m.to == model::phase::mitigated);
    CHECK(m.at.at == at("2026-11-21T14:20:00Z"));
    CHECK(parsed<cmd::set_status>("!resolved").to == model::phase::resolved);
    CHECK(refused("!resolved tomorrow").usage == "usage: !resolved [time]");
}

TEST_CASE("!sitrep reads key lines in any order and refuses unknown keys") {
    auto s = parsed<cmd::sitrep>(
        "!sitrep\nnext update: 30m\nstatus: Investigating the firewall\nImpact: users miss "
        "transactions\nnext: talk to infra");
    CHECK(s.status == "Investigating the firewall");
    CHECK(s.impact == "users miss transactions");
    CHECK(s.next == "talk to infra");
    REQUIRE(s.next_update);
    CHECK(*s.next_update == std::chrono::minutes(30));
    s = parsed<cmd::sitrep>("!sitrep status: stable");
    CHECK(s.status == "stable");
    CHECK(refused("!sitrep").message.find("at least one") != std::string::npos);
    CHECK(refused("!sitrep\nmood: grim").message == "unknown SitRep key 'mood'");
    CHECK(refused("!sitrep\nstatus ok").message.find("key: value") != std::string::npos);
    CHECK(refused("!sitrep\nnext update: soon").message.find("not a span") != std::string::npos);
    CHECK(refused("!sitrep\nstatus:").message == "missing status");
}

TEST_CASE("postmortem material: impact, cause, fix, why, lesson, link, security") {
    CHECK(parsed<cmd::impact>("!impact 30% of users").text == "30% of users");
    auto c = parsed<cmd::cause>("!cause infrastructure port 1433 blocked");
    CHECK(c.origin == model::cause_origin::infrastructure);
    CHECK(c.text == "port 1433 blocked");
    CHECK(parsed<cmd::cause>("!cause code-change").text.empty());
    CHECK(refused("!cause gremlins").message.find("code-change|infrastructure") !=
          std::string::npos);
    auto f = parsed<cmd::fix>("!fix rollback reverted the firewall rule");
    CHECK(f.type == model::resolution_type::rollback);
    CHECK(refused("!fix").message.find("missing one of") != std::string::npos);
    CHECK(parsed<cmd::why>("!why the port was blocked").text == "the port was blocked");
    CHECK(refused("!why").message == "missing text");
    auto l = parsed<cmd::lesson>("!lesson slowed nobody knew the sync job");
    CHECK(l.kind == model::lesson_kind::slowed);
    CHECK(refused("!lesson helped").message == "missing text");
    auto k = parsed<cmd::link>("!link https://grafana.example/d/1 Sync dashboard");
    CHECK(k.url == "https://grafana.example/d/1");
    CHECK(k.label == "Sync dashboard");
    k = parsed<cmd::link>("!link <https://ci.example/42|pipeline 42>");
    CHECK(k.url == "https://ci.example/42");
    CHECK(k.label == "pipeline 42");
    CHECK(refused("!link javascript:alert(1)").message.find("not an http") != std::string::npos);
    CHECK(refused("!link").message == "missing the URL");
    CHECK(parsed<cmd::security>("!security port policy").text == "port policy");
    CHECK(parsed<cmd::dataloss>("!dataloss 12 minutes of orders").text == "12 minutes of orders");
    CHECK(parsed<cmd::dataloss>("!dataloss #3 audit rows").incident == 3);
    CHECK(parsed<cmd::title>("!title Data Sync outage").text == "Data Sync outage");
}

TEST_CASE("!action adds with one owner and optional due date, or changes status") {
    auto a = parsed<cmd::action>("!action <@U42|dana> add dependency checks due 2026-12-01");
    CHECK(a.owner.id == "U42");
    CHECK(a.owner.name == "dana");
    CHECK(a.text == "add dependency checks");
    REQUIRE(a.due);
    CHECK(*a.due == std::chrono::year{2026} / std::chrono::December / 1);
    a = parsed<cmd::action>("!action bob write the environment diagram");
    CHECK_FALSE(a.due);
    auto done = parsed<cmd::action_status>("!action done 12");
    CHECK(done.number == 12);
    CHECK(done.status == model::action_status::done);
    CHECK(parsed<cmd::action_status>("!action reopen #12").status == model::action_status::open);
    CHECK(refused("!action bob").message == "missing action text");
    CHECK(refused("!action").message == "missing the owner");
    CHECK(refused("!action done x").message.find("not an action number") != std::string::npos);
    CHECK(refused("!action bob fix due 2026-02-30").message.find("not a date") !=
          std::string::npos);
}

TEST_CASE("corrections: !edit, !retract, !undo") {
    auto e = parsed<cmd::edit>("!edit 4 port 1433, not 1443");
    CHECK(e.number == 4);
    CHECK(e.text == "port 1433, not 1443");
    CHECK(parsed<cmd::edit>("!edit #4 x").number == 4);
    CHECK(refused("!edit 4").message == "missing new text");
    CHECK(refused("!edit four x").message.find("not an entry number") != std::string::npos);
    CHECK(refused("!edit 0 x").message.find("not an entry number") != std::string::npos);
    CHECK(parsed<cmd::retract>("!retract 7").number == 7);
    CHECK(refused("!retract").message == "missing the entry number");
    CHECK(refused("!retract 7 8").message.find("unexpected") != std::string::npos);
    parsed<cmd::undo>("!undo");
    CHECK(refused("!undo 3").message.find("takes no arguments") != std::string::npos);
}

TEST_CASE("documents and lists") {
    parsed<cmd::close>("!close");
    parsed<cmd::reopen>("!reopen");
    CHECK(parsed<cmd::show>("!draft").what == cmd::view::draft);
    CHECK(parsed<cmd::show>("!agenda 12").incident_id == 12);
    CHECK(parsed<cmd::show>("!timeline").what == cmd::view::timeline);
    CHECK(parsed<cmd::show>("!incident").what == cmd::view::summary);
    CHECK(refused("!draft latest").message.find("not an incident number") != std::string::npos);
    parsed<cmd::list_incidents>("!incidents");
    parsed<cmd::list_actions>("!actions");
    CHECK(parsed<cmd::help>("!help").verb.empty());
    CHECK(parsed<cmd::help>("!help !TL").verb == "tl");
}

TEST_CASE("unknown verbs name themselves and point to help") {
    const auto e = refused("!frobnicate now");
    CHECK(e.message == "unknown command '!frobnicate'");
    CHECK(e.usage.find("!help") != std::string::npos);
}

TEST_CASE("help lists every verb and explains one") {
    const auto all = help_text("", "!");
    for (const char* verb :
         {"declare",  "tl",        "sitrep",   "sev",       "role",     "status",
          "detected", "mitigated", "resolved", "impact",    "cause",    "fix",
          "why",      "lesson",    "action",   "link",      "security", "dataloss",
          "edit",     "retract",   "undo",     "close",     "reopen",   "draft",
          "agenda",   "timeline",  "incident", "incidents", "actions",  "help"}) {
        CAPTURE(verb);
        CHECK(all.find("!" + std::string(verb)) != std::string::npos);
        CHECK_FALSE(usage_of(verb, "!").empty());
    }
    CHECK(help_text("tl", "!").find("-15m") != std::string::npos);
    CHECK(help_text("nope", "!").find("unknown") != std::string::npos);
}

TEST_CASE("mentions can be resolved to display names by the platform") {
    auto context = berlin_context();
    context.platform = "slack";
    context.resolve_mention = [](std::string_view token) -> std::optional<model::person> {
        if (token == "<@U1>") return model::person{"slack", "U1", "Alice Example"};
        return std::nullopt;
    };
    CHECK(parsed<cmd::assign_role>("!role ic <@U1>", context).holder.name == "Alice Example");
    CHECK(parsed<cmd::assign_role>("!role ic <@U2>", context).holder.name == "U2");
}

TEST_CASE("spans") {
    CHECK(parse_span("30m") == std::chrono::minutes(30));
    CHECK(parse_span("1h30m") == std::chrono::minutes(90));
    CHECK_FALSE(parse_span("30"));
    CHECK_FALSE(parse_span("m"));
    CHECK_FALSE(parse_span("0m"));
    CHECK_FALSE(parse_span("99999999m"));
}

TEST_CASE("absolute times are bounded like relative ones") {
    CHECK(refused("!tl @0001-01-01T00:00Z x").message.find("30 days") != std::string::npos);
    CHECK(refused("!detected @2026-10-01T10:00").message.find("30 days") != std::string::npos);
    CHECK(refused("!tl @2026-11-21T14:32Z x").message.find("future") != std::string::npos);
    // A clock running a minute ahead is not the future.
    CHECK(parsed<cmd::timeline>("!tl @2026-11-21T14:30:50Z x").at.at == at("2026-11-21T14:30:50Z"));
    CHECK(parsed<cmd::timeline>("!tl -30d x").at.at == at("2026-10-22T14:30:00Z"));
}

TEST_CASE("local times the clocks skipped are refused, those shown twice say which was taken") {
    auto context = berlin_context();
    context.now = at("2026-03-29T06:00:00Z");  // 08:00 in Berlin, the morning clocks went forward
    const auto skipped = refused("!tl @02:30 x", context);
    CHECK(skipped.message.find("did not exist on 2026-03-29") != std::string::npos);
    CHECK(refused("!detected @2026-03-29T02:30", context).message.find("did not exist") !=
          std::string::npos);

    context.now = at("2026-10-25T06:00:00Z");  // the morning they went back
    const auto twice = parsed<cmd::timeline>("!tl @02:30 x", context);
    CHECK(twice.at.at == at("2026-10-25T00:30:00Z"));
    CHECK(twice.at.note.find("happened twice") != std::string::npos);
    CHECK(twice.at.note.find("@2026-10-25T02:30+01:00") != std::string::npos);
    // Only the first had happened yet: no choice to explain.
    context.now = at("2026-10-25T01:10:00Z");  // 02:10, second time round
    const auto once = parsed<cmd::timeline>("!tl @02:30 x", context);
    CHECK(once.at.at == at("2026-10-25T00:30:00Z"));
    CHECK(once.at.note.empty());
}

TEST_CASE("names with spaces are quoted, mentions with labels stay whole") {
    auto r = parsed<cmd::assign_role>("!role ic \"Ann Lee\"");
    CHECK(r.holder.name == "Ann Lee");
    CHECK(r.holder.id == "ann lee");
    r = parsed<cmd::assign_role>("!role comms \u201CAnn Lee\u201D");
    CHECK(r.holder.name == "Ann Lee");
    r = parsed<cmd::assign_role>("!role scribe <@U42|ann lee>");
    CHECK(r.holder.id == "U42");
    CHECK(r.holder.name == "ann lee");
    auto a = parsed<cmd::action>("!action 'Ann Lee' add an alert on port 1433 due 2026-12-01");
    CHECK(a.owner.name == "Ann Lee");
    CHECK(a.text == "add an alert on port 1433");
    REQUIRE(a.due);
    a = parsed<cmd::action>("!action O'Brien rotate the keys");
    CHECK(a.owner.name == "O'Brien");
    CHECK(refused("!role ic Ann Lee").message.find("quotes") != std::string::npos);
}

TEST_CASE("the retro's commands name another incident with a leading #n") {
    const auto l = parsed<cmd::lesson>("!lesson #12 helped the runbook");
    CHECK(l.incident == 12);
    CHECK(l.text == "the runbook");
    CHECK(parsed<cmd::why>("!why the port was closed").incident == 0);
    CHECK(parsed<cmd::action>("!action #3 bob fix it").incident == 3);
    CHECK(parsed<cmd::assign_role>("!role #3 facilitator carol").incident == 3);
    CHECK(named_incident(parsed<cmd::impact>("!impact #4 users saw errors")) == 4);
    CHECK(refused("!why #x because").message.find("not an incident number") != std::string::npos);
    // Not for live commands: "#2" is text there.
    CHECK(parsed<cmd::timeline>("!tl #2 is the culprit").text == "#2 is the culprit");

    const auto e = parsed<cmd::edit>("!edit #3/5 port 1433");
    CHECK(e.incident == 3);
    CHECK(e.number == 5);
    CHECK(parsed<cmd::edit>("!edit #5 port 1433").incident == 0);
    const auto r = parsed<cmd::retract>("!retract 3/7");
    CHECK(r.incident == 3);
    CHECK(r.number == 7);
    const auto done = parsed<cmd::action_status>("!action done #3/5");
    CHECK(done.incident == 3);
    CHECK(done.number == 5);
    CHECK(refused("!retract 3/").message.find("not an entry number") != std::string::npos);
}

TEST_CASE("help speaks of pinning only where a message can be pinned") {
    CHECK(help_text("", "!").find("pushpin") == std::string::npos);
    CHECK(help_text("", "!", "React with :pushpin: to pin.").find(":pushpin:") !=
          std::string::npos);
    CHECK(help_text("lesson", "!").find("!lesson #12") != std::string::npos);
    auto context = berlin_context();
    context.pin_hint = "React with 📌";
    CHECK(parsed<cmd::help>("!help", context).pin_hint == "React with 📌");
}
