// The web view's pages and rules, answered by the site over a real SQLite store: filters,
// escaping, hidden incidents, downloads, trends, and who is let in.
#include "bot/web/site.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "bot/store/import.hpp"
#include "bot/store/sqlite_store.hpp"
#include "tests/support/events.hpp"
#include "tests/support/history.hpp"
#include "tests/support/temp_dir.hpp"

namespace scribe::web {
namespace {

using adapters::net::http_answer;
using adapters::net::incoming_request;
using namespace std::chrono;
using testing::at;
namespace p = model::payload;

const model::person alice{"slack", "U1", "Alice Example"};
const model::person bob{"slack", "U2", "Bob"};

// Two incidents by hand: #1 a closed SEV1 with markers, cause, fix and actions; #2 an open SEV3
// with markup in its title and a javascript: link. #3 is flagged !security.
std::vector<model::event> hand_made() {
    std::vector<model::event> out;
    const auto log = [&](std::int64_t id) {
        return [&out, id](const char* when, model::person who, model::event_payload data) {
            model::event e;
            e.incident_id = id;
            e.sequence = 1;
            for (const auto& other : out) {
                if (other.incident_id == id) ++e.sequence;
            }
            e.occurred_at = e.recorded_at = at(when);
            e.actor = std::move(who);
            e.source = {"slack", "C" + std::to_string(id), "m" + std::to_string(e.sequence), 0};
            e.data = std::move(data);
            out.push_back(std::move(e));
        };
    };
    auto one = log(1);
    one("2026-10-05T10:00:00Z", alice, p::declared{"Checkout down", model::severity::sev1});
    one("2026-10-05T10:05:00Z", alice, p::detected{model::detection::customer});
    one("2026-10-05T10:30:00Z", alice, p::status_changed{model::phase::mitigated});
    one("2026-10-05T11:00:00Z", alice, p::status_changed{model::phase::resolved});
    one("2026-10-05T11:05:00Z", alice, p::cause_noted{model::cause_origin::config, "bad TTL"});
    one("2026-10-05T11:06:00Z", alice,
        p::resolution_noted{model::resolution_type::rollback, "v41"});
    one("2026-10-05T11:07:00Z", alice,
        p::action_added{bob, "alert on TTL changes", year{2026} / October / 20});  // #7
    one("2026-10-05T11:08:00Z", alice,
        p::action_added{alice, "be careful with TTLs", year{2026} / October / 12});  // #8
    one("2026-10-06T09:00:00Z", bob, p::action_updated{7, model::action_status::done});
    one("2026-10-05T11:09:00Z", alice,
        p::entry_added{model::entry_type::note, "typo", {}, {}, {}, {}});
    one("2026-10-05T11:10:00Z", alice, p::entry_edited{10, "fixed the typo"});
    one("2026-10-05T13:00:00Z", alice, p::status_changed{model::phase::closed});
    auto two = log(2);
    two("2026-11-20T08:00:00Z", bob,
        p::declared{"Search <script>alert(1)</script> slow", model::severity::sev3});
    two("2026-11-20T08:01:00Z", bob,
        p::entry_added{
            model::entry_type::link, "dash<b>board</b>", {}, "javascript:alert(1)", {}, {}});
    two("2026-11-20T08:02:00Z", bob,
        p::entry_added{
            model::entry_type::link, "runbook", {}, "https://wiki.example.com/run", {}, {}});
    two("2026-11-20T08:03:00Z", bob,
        p::action_added{bob, "<img src=x onerror=alert(1)>", std::nullopt});
    auto three = log(3);
    three("2026-11-21T08:00:00Z", alice, p::declared{"Leaked keys", model::severity::sev2});
    three("2026-11-21T08:01:00Z", alice, p::security_flagged{"keys in a public repo"});
    three("2026-11-21T08:02:00Z", alice, p::action_added{alice, "rotate the keys", std::nullopt});
    return out;
}

struct fixture {
    testing::temp_dir dir;
    std::unique_ptr<store::sqlite_store> store;
    fixture() {
        store = store::sqlite_store::open((dir / "scribe.db").string());
        store->import_events(hand_made());
    }
};

const auto now = system_clock::time_point{sys_days{year{2026} / November / 25} + hours{12}};

incoming_request get(std::string target) {
    incoming_request r;
    r.method = "GET";
    r.target = std::move(target);
    r.peer = "127.0.0.1";
    return r;
}

std::string header(const http_answer& a, const std::string& name) {
    for (const auto& [n, v] : a.headers) {
        if (n == name) return v;
    }
    return {};
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the incidents page lists each incident with its metrics, and hides !security ones") {
    fixture f;
    site s(*f.store, {});
    const auto a = s.answer(get("/"), now);
    CHECK(a.status == 200);
    CHECK(has(a.content_type, "text/html"));
    CHECK(has(a.body, "Checkout down"));
    CHECK(has(a.body, "/incidents/1"));
    CHECK(has(a.body, "30m"));  // time to mitigate
    CHECK_FALSE(has(a.body, "Leaked keys"));
    CHECK(has(a.body, "1 incident is flagged with !security"));
    CHECK(s.answer(get("/incidents/3"), now).status == 404);
    CHECK(s.answer(get("/incidents/3/postmortem.md"), now).status == 404);
    CHECK_FALSE(has(s.answer(get("/actions?state=all"), now).body, "rotate the keys"));

    site_options shows;
    shows.show_security = true;
    site open(*f.store, shows);
    CHECK(has(open.answer(get("/"), now).body, "Leaked keys"));
    CHECK(open.answer(get("/incidents/3"), now).status == 200);
}

TEST_CASE("incident filters narrow the table, and one not understood is said and changes nothing") {
    fixture f;
    site s(*f.store, {});
    const auto body = [&](const std::string& target) { return s.answer(get(target), now).body; };
    CHECK(has(body("/?sev=sev1"), "Checkout down"));
    CHECK_FALSE(has(body("/?sev=sev1"), "Search"));
    CHECK(has(body("/?status=open"), "Search"));
    CHECK_FALSE(has(body("/?status=open"), "Checkout down"));
    CHECK(has(body("/?origin=config&resolution=rollback&detection=customer"), "Checkout down"));
    CHECK(has(body("/?origin=none"), "Search"));
    CHECK_FALSE(has(body("/?origin=none"), "Checkout down"));
    CHECK(has(body("/?from=2026-11-01&to=2026-11-30"), "Search"));
    CHECK_FALSE(has(body("/?from=2026-11-01&to=2026-11-30"), "Checkout down"));
    CHECK(has(body("/?q=CHECKOUT"), "Checkout down"));
    CHECK(has(body("/?q=nothing+like+it"), "No incident matches"));

    const auto bad = s.answer(get("/?sev=sev9&from=yesterday"), now);
    CHECK(bad.status == 400);
    CHECK(has(bad.body, "unknown severity &quot;sev9&quot;"));
    CHECK(has(bad.body, "is not a date"));
    CHECK(has(bad.body, "Checkout down"));

    const auto csv = s.answer(get("/incidents.csv?sev=sev1"), now);
    CHECK(has(header(csv, "Content-Disposition"), "attachment"));
    CHECK(has(csv.body,
              "1,Checkout down,sev1,closed,2026-10-05T10:00:00.000Z,300,1800,3600,config,"
              "rollback,customer,false,false"));
}

TEST_CASE("user text reaches the page escaped, and only safe links are links") {
    fixture f;
    site s(*f.store, {});
    for (const auto* target : {"/", "/incidents/2", "/actions", "/actions?state=all"}) {
        CAPTURE(target);
        const auto body = s.answer(get(target), now).body;
        CHECK_FALSE(has(body, "<script>"));
        CHECK_FALSE(has(body, "<img src=x"));
    }
    const auto page = s.answer(get("/incidents/2"), now).body;
    CHECK(has(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    CHECK_FALSE(has(page, "href=\"javascript:"));
    CHECK(has(page, "javascript:alert(1)"));  // shown as text
    CHECK(has(page, "href=\"https://wiki.example.com/run\""));
}

TEST_CASE("an incident's page holds the draft, the corrected timeline, SitReps and the agenda") {
    fixture f;
    site s(*f.store, {});
    const auto a = s.answer(get("/incidents/1"), now);
    REQUIRE(a.status == 200);
    CHECK(has(a.body, "id=\"draft\""));
    CHECK(has(a.body, "Bar raiser"));
    CHECK(has(a.body, "id=\"timeline\""));
    CHECK(has(a.body, "fixed the typo"));
    CHECK(has(a.body, "it said: typo"));
    CHECK(has(a.body, "id=\"agenda\""));
    for (const auto* name : {"postmortem.md", "postmortem.html", "agenda.md", "incident.json"}) {
        CAPTURE(name);
        const auto d = s.answer(get(std::string("/incidents/1/") + name), now);
        CHECK(d.status == 200);
        CHECK(has(header(d, "Content-Disposition"), "incident-1-"));
        CHECK(d.body.size() > 500);
    }
    CHECK(s.answer(get("/incidents/1/secrets.txt"), now).status == 404);
    CHECK(s.answer(get("/incidents/99"), now).status == 404);
    CHECK(s.answer(get("/incidents/abc"), now).status == 404);
}

TEST_CASE("action items are shown open, overdue and done, by owner and by incident") {
    fixture f;
    site s(*f.store, {});
    const auto open = s.answer(get("/actions"), now).body;
    CHECK(has(open, "be careful with TTLs"));
    CHECK(has(open, "class=\"overdue\""));           // due 2026-10-12, open on 2026-11-25
    CHECK_FALSE(has(open, "alert on TTL changes"));  // done
    CHECK(has(s.answer(get("/actions?state=done"), now).body, "alert on TTL changes"));
    const auto alice_only = s.answer(get("/actions?state=all&owner=Alice+Example"), now).body;
    CHECK(has(alice_only, "be careful with TTLs"));
    CHECK_FALSE(has(alice_only, "alert on TTL changes"));
    CHECK(has(open, "By owner"));
    CHECK(has(open, "By incident"));
    CHECK(s.answer(get("/actions?state=lost"), now).status == 400);
}

TEST_CASE("the trends page draws every chart with a text alternative, a table and its CSV") {
    testing::temp_dir dir;
    auto store = store::sqlite_store::open((dir / "scribe.db").string());
    testing::history_options history;
    history.incidents = 120;
    history.from = sys_days{year{2025} / January / 10};
    history.to = sys_days{year{2026} / November / 10};
    store->import_events(testing::generated_history(history));
    site s(*store, {});
    const auto a = s.answer(get("/trends"), now);
    REQUIRE(a.status == 200);
    for (const auto* id : {"severity", "sev1-sev2-share", "detect", "mitigate", "resolve",
                           "origins", "resolutions", "detections", "action-items"}) {
        CAPTURE(id);
        CHECK(has(a.body, std::string("<figure class=\"trend\" id=\"") + id + "\""));
        CHECK(has(a.body, std::string("aria-labelledby=\"") + id + "-title " + id + "-desc\""));
        CHECK(has(a.body, std::string("/trends/") + id + ".csv?by=month"));
        const auto csv = s.answer(get(std::string("/trends/") + id + ".csv"), now);
        CHECK(csv.status == 200);
        CHECK(has(csv.body, "2025-01"));
        CHECK(has(csv.body, "2026-11"));
    }
    CHECK(has(a.body, "<table class=\"figures\">"));
    const auto weekly = s.answer(get("/trends?by=week"), now);
    CHECK(has(weekly.body, "2026-W45"));
    CHECK(s.answer(get("/trends?by=decade"), now).status == 400);
    CHECK(s.answer(get("/trends/nothing.csv"), now).status == 404);
}

TEST_CASE("every answer carries a strict Content-Security-Policy, and the view is read-only") {
    fixture f;
    site s(*f.store, {});
    for (const auto* target : {"/", "/incidents/1", "/actions", "/trends", "/static/scribe.css",
                               "/nowhere", "/incidents.csv"}) {
        CAPTURE(target);
        const auto a = s.answer(get(target), now);
        CHECK(has(header(a, "Content-Security-Policy"), "default-src 'none'"));
        CHECK_FALSE(has(header(a, "Content-Security-Policy"), "script-src"));
        CHECK(header(a, "X-Content-Type-Options") == "nosniff");
    }
    auto post = get("/");
    post.method = "POST";
    CHECK(s.answer(post, now).status == 405);
}

TEST_CASE("open on loopback, the view answers to loopback names only (no DNS rebinding)") {
    fixture f;
    site s(*f.store, {});
    auto request = get("/incidents.csv");
    request.headers["host"] = "attacker.example.com";
    const auto refused = s.answer(request, now);
    CHECK(refused.status == 421);
    CHECK(has(header(refused, "Content-Security-Policy"), "default-src 'none'"));
    request.headers["host"] = "127.0.0.1:8080";
    CHECK(s.answer(request, now).status == 200);
    request.headers["host"] = "localhost:8080";
    CHECK(s.answer(request, now).status == 200);
}

TEST_CASE("an incident whose facts are not kept yet is hidden like a !security one") {
    fixture f;
    f.store.reset();
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((f.dir / "scribe.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "DELETE FROM incident_facts WHERE incident_id = 2", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(db);
    const auto reader = store::sqlite_store::open_read_only((f.dir / "scribe.db").string());
    site s(*reader, {});
    const auto list = s.answer(get("/"), now).body;
    CHECK(has(list, "Checkout down"));
    CHECK_FALSE(has(list, "Search"));
    CHECK(has(list, "2 incidents are flagged"));
    CHECK_FALSE(has(s.answer(get("/actions?state=all"), now).body, "onerror"));
}

TEST_CASE("beyond loopback a request needs the token, the login session or a trusted proxy") {
    fixture f;
    site_options o;
    o.access.open = false;
    o.access.token = "a-long-enough-token-0123";
    o.access.proxy_header = "X-Forwarded-User";
    o.access.trusted_proxies = {"10.0.0.5"};
    site s(*f.store, o);

    auto plain = get("/incidents/1");
    CHECK(s.answer(plain, now).status == 401);
    CHECK(s.answer(get("/incidents.csv"), now).status == 401);
    auto browser = plain;
    browser.headers["accept"] = "text/html,application/xhtml+xml";
    const auto sent = s.answer(browser, now);
    CHECK(sent.status == 303);
    CHECK(header(sent, "Location") == "/login?next=%2Fincidents%2F1");
    CHECK(s.answer(get("/login"), now).status == 200);
    CHECK(s.answer(get("/static/scribe.css"), now).status == 200);

    auto bearer = plain;
    bearer.headers["authorization"] = "Bearer a-long-enough-token-0123";
    CHECK(s.answer(bearer, now).status == 200);
    bearer.headers["authorization"] = "Bearer a-long-enough-token-0124";
    CHECK(s.answer(bearer, now).status == 401);

    auto login = get("/login");
    login.method = "POST";
    login.body = "token=wrong&next=%2Factions";
    const auto wrong = s.answer(login, now);
    CHECK(has(wrong.body, "not the access token"));
    CHECK(header(wrong, "Set-Cookie").empty());
    login.body = "token=a-long-enough-token-0123&next=%2F%2Fevil.example.com";
    const auto in = s.answer(login, now);
    REQUIRE(in.status == 303);
    CHECK(header(in, "Location") == "/");  // never another host
    const auto cookie = header(in, "Set-Cookie");
    CHECK(has(cookie, "HttpOnly"));
    CHECK(has(cookie, "Secure"));
    CHECK(has(cookie, "SameSite=Strict"));
    auto with_session = plain;
    with_session.headers["cookie"] = "theme=dark; " + cookie.substr(0, cookie.find(';'));
    CHECK(s.answer(with_session, now).status == 200);
    CHECK(s.answer(with_session, now + hours{13}).status == 401);  // the session ran out

    auto proxied = plain;
    proxied.headers["x-forwarded-user"] = "carol@example.com";
    CHECK(s.answer(proxied, now).status == 401);  // not from the proxy
    proxied.peer = "::ffff:10.0.0.5";
    CHECK(s.answer(proxied, now).status == 200);
    proxied.headers.erase("x-forwarded-user");
    CHECK(s.answer(proxied, now).status == 401);
}

TEST_CASE("ten wrong tokens in a minute lock an address out of the login form for the minute") {
    fixture f;
    site_options o;
    o.access.open = false;
    o.access.token = "a-long-enough-token-0123";
    site s(*f.store, o);
    auto login = get("/login");
    login.method = "POST";
    login.peer = "10.1.1.1";
    login.body = "token=guess";
    for (int i = 0; i < 10; ++i) CHECK(s.answer(login, now).status == 200);
    login.body = "token=a-long-enough-token-0123";
    const auto locked = s.answer(login, now + seconds{5});
    CHECK(locked.status == 429);
    CHECK(header(locked, "Retry-After") == "60");
    auto elsewhere = login;
    elsewhere.peer = "10.1.1.2";
    CHECK(s.answer(elsewhere, now + seconds{5}).status == 303);
    CHECK(s.answer(login, now + seconds{61}).status == 303);
}

TEST_CASE("signing out ends the session") {
    fixture f;
    site_options o;
    o.access.open = false;
    o.access.token = "a-long-enough-token-0123";
    site s(*f.store, o);
    auto login = get("/login");
    login.method = "POST";
    login.body = "token=a-long-enough-token-0123";
    const auto cookie = header(s.answer(login, now), "Set-Cookie");
    auto page = get("/");
    page.headers["cookie"] = cookie.substr(0, cookie.find(';'));
    CHECK(has(s.answer(page, now).body, "Sign out"));
    auto logout = page;
    logout.method = "POST";
    logout.target = "/logout";
    CHECK(has(header(s.answer(logout, now), "Set-Cookie"), "Max-Age=0"));
    CHECK(s.answer(page, now).status == 401);
}

}  // namespace scribe::web
