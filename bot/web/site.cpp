// Routing, admission, the login form, the page frame and the style sheet. Answers carry a
// Content-Security-Policy that allows only Scribe's own style sheet and forms: no script,
// no frame, no request to another host.
#include "bot/web/site.hpp"

#include <charconv>

#include "bot/web/pages.hpp"

namespace scribe::web {
namespace {

using adapters::net::http_answer;
using adapters::net::incoming_request;

constexpr const char* security_policy =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

constexpr const char* style_sheet = R"css(:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1b1b1b;
  background: #ffffff; line-height: 1.45; }
header { background: #1f2a44; padding: 0.5rem 1rem; }
header nav { display: flex; gap: 1.25rem; align-items: center; max-width: 90rem; margin: 0 auto; }
header a { color: #ffffff; text-decoration: none; font-weight: 600; }
header a:hover, header a:focus { text-decoration: underline; }
header .brand { margin-right: 1rem; }
header form { margin-left: auto; }
main { max-width: 90rem; margin: 1rem auto 3rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.92rem; }
th, td { border: 1px solid #c8ccd4; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: #eef0f4; }
tbody tr:nth-child(even) { background: #f8f9fb; }
.filters { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end; margin-bottom: 1rem;
  padding: 0.75rem; background: #f4f5f8; border: 1px solid #dde0e6; }
.filters label { display: flex; flex-direction: column; font-size: 0.85rem; }
.problem { background: #fff1e6; border-left: 4px solid #d55e00; padding: 0.5rem 0.75rem; }
.sev, .status, .flag { display: inline-block; padding: 0 0.4rem; border-radius: 0.25rem;
  font-size: 0.85rem; font-weight: 600; }
.sev-sev1 { background: #d55e00; color: #ffffff; }
.sev-sev2 { background: #e69f00; color: #1b1b1b; }
.sev-sev3 { background: #0072b2; color: #ffffff; }
.sev-sev4 { background: #009e73; color: #ffffff; }
.status { background: #e4e7ee; }
.flag { background: #cc79a7; color: #1b1b1b; }
td.overdue, tr.overdue td:last-child { color: #a33c00; font-weight: 600; }
tr.retracted td { color: #6b6b6b; }
.corrections { margin: 0.25rem 0 0; padding-left: 1.2rem; font-size: 0.85rem; color: #4a4a4a; }
.document { border-top: 1px solid #dde0e6; margin-top: 1.5rem; }
.metrics { display: flex; gap: 0.25rem 1rem; flex-wrap: wrap; }
.metrics dt { font-weight: 600; }
.metrics dd { margin: 0 1rem 0 0; }
figure.trend { margin: 1rem 0 2.5rem; max-width: 60rem; }
svg.chart { width: 100%; height: auto; border: 1px solid #dde0e6; }
figcaption { font-size: 0.9rem; margin-top: 0.25rem; }
details summary { cursor: pointer; margin: 0.5rem 0; }
.login { max-width: 24rem; }
.login label { display: block; margin: 0.5rem 0; }
@media print {
  header, .filters, .downloads, nav.sections, nav.pages { display: none; }
  details > table { display: table; }
  a { color: inherit; text-decoration: none; }
}
)css";

// A page with a pen stroke on it: the tab's icon.
constexpr const char* icon =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" "
    "height=\"16\" rx=\"3\" fill=\"#1f2a44\"/><path d=\"M4 4h8M4 8h8M4 12h5\" "
    "stroke=\"#ffffff\" stroke-width=\"1.5\"/></svg>\n";

http_answer html_answer(unsigned status, std::string body) {
    return {status, "text/html; charset=utf-8", std::move(body), {}};
}

http_answer with_headers(http_answer answer) {
    answer.headers.emplace_back("Content-Security-Policy", security_policy);
    answer.headers.emplace_back("X-Content-Type-Options", "nosniff");
    answer.headers.emplace_back("Referrer-Policy", "no-referrer");
    answer.headers.emplace_back("X-Frame-Options", "DENY");
    answer.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
    return answer;
}

std::string frame(const detail::page& p, bool signed_in) {
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>" +
        detail::esc(p.title) +
        " · Scribe</title>\n"
        "<link rel=\"stylesheet\" href=\"/static/scribe.css\">\n"
        "<link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">\n</head>\n<body>\n"
        "<header><nav aria-label=\"Scribe\"><a class=\"brand\" href=\"/\">Scribe</a>"
        "<a href=\"/\">Incidents</a><a href=\"/actions\">Action items</a>"
        "<a href=\"/trends\">Trends</a>";
    if (signed_in) {
        out +=
            "<form method=\"post\" action=\"/logout\"><button type=\"submit\">Sign "
            "out</button></form>";
    }
    out += "</nav></header>\n<main>\n" + p.body + "</main>\n</body>\n</html>\n";
    return out;
}

// Where a login may send its user on: a path of this site, never another host.
std::string local_path(const std::string& next) {
    if (next.empty() || next[0] != '/' || next.starts_with("//") || next.starts_with("/\\")) {
        return "/";
    }
    for (const char c : next) {
        if (static_cast<unsigned char>(c) < 0x20) return "/";
    }
    return next;
}

detail::page login_page(const std::string& next, const std::string& problem) {
    detail::page p;
    p.title = "Sign in";
    p.body = "<h1>Sign in</h1>\n";
    if (!problem.empty()) {
        p.body += "<p class=\"problem\" role=\"alert\">" + detail::esc(problem) + "</p>\n";
    }
    p.body +=
        "<form class=\"login\" method=\"post\" action=\"/login\">\n"
        "<input type=\"hidden\" name=\"next\" value=\"" +
        detail::esc(local_path(next)) +
        "\">\n<label>Access token <input type=\"password\" name=\"token\" "
        "autocomplete=\"current-password\" required autofocus></label>\n"
        "<button type=\"submit\">Sign in</button>\n</form>\n";
    return p;
}

detail::page not_found(const std::string& what) {
    return {404, "Not found", "<h1>Not found</h1>\n<p>" + detail::esc(what) + "</p>\n"};
}

std::optional<std::int64_t> number_in(std::string_view text) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n <= 0) return std::nullopt;
    return n;
}

http_answer download_answer(detail::download d) {
    http_answer answer{200, d.content_type, std::move(d.body), {}};
    answer.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"" + d.file_name + "\"");
    return answer;
}

}  // namespace

struct site::parts {
    parts(store::event_store& s, site_options o)
        : store(s), options(std::move(o)), guard(options.access) {}
    store::event_store& store;
    site_options options;
    access_guard guard;

    http_answer route(const target& t, const detail::view& v, bool signed_in);
    http_answer log_in(const incoming_request& request, std::chrono::system_clock::time_point now);
};

site::site(store::event_store& store, site_options options)
    : parts_(std::make_unique<parts>(store, std::move(options))) {}

site::~site() = default;

http_answer site::answer(const incoming_request& request) {
    return answer(request, std::chrono::system_clock::now());
}

http_answer site::answer(const incoming_request& request,
                         std::chrono::system_clock::time_point now) {
    auto& guard = parts_->guard;
    if (guard.open() && !loopback_host(request.header("host"))) {
        return with_headers({421,
                             "text/plain; charset=utf-8",
                             "this web view answers to localhost names only; to serve it under "
                             "another name, set web.token or web.proxy_header\n",
                             {}});
    }
    const auto t = parse_target(request.target);
    if (t.path == "/static/scribe.css") {
        return with_headers({200, "text/css; charset=utf-8", style_sheet, {}});
    }
    if (t.path == "/static/icon.svg" || t.path == "/favicon.ico") {
        return with_headers({200, "image/svg+xml", icon, {}});
    }
    if (t.path == "/login") {
        if (request.method == "POST") return with_headers(parts_->log_in(request, now));
        if (!guard.has_login()) {
            return with_headers(html_answer(404, frame(not_found("This Scribe has no login form; "
                                                                 "sign in through its proxy."),
                                                       false)));
        }
        return with_headers(html_answer(200, frame(login_page(t.param("next"), ""), false)));
    }
    if (t.path == "/logout" && request.method == "POST") {
        guard.close_session(request);
        http_answer answer{303, "text/plain; charset=utf-8", "signed out\n", {}};
        answer.headers.emplace_back("Location", guard.has_login() ? "/login" : "/");
        answer.headers.emplace_back("Set-Cookie", std::string(session_cookie) +
                                                      "=; Path=/; Max-Age=0; HttpOnly; Secure; "
                                                      "SameSite=Strict");
        return with_headers(std::move(answer));
    }
    const auto who = guard.admit(request, now);
    if (!who) {
        // A browser is sent to the form; a script or a download gets a plain refusal.
        const bool wants_page = request.header("accept").find("text/html") != std::string::npos;
        if (wants_page && guard.has_login() && request.method != "POST") {
            http_answer answer{303, "text/plain; charset=utf-8", "sign in first\n", {}};
            answer.headers.emplace_back("Location",
                                        "/login?next=" + percent_encode(request.target));
            return with_headers(std::move(answer));
        }
        http_answer answer{401,
                           "text/plain; charset=utf-8",
                           "authentication required: a bearer token, the login form's session, "
                           "or a trusted proxy's user header\n",
                           {}};
        answer.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"scribe\"");
        return with_headers(std::move(answer));
    }
    if (request.method == "POST") {
        http_answer answer{405, "text/plain; charset=utf-8", "the web view is read-only\n", {}};
        answer.headers.emplace_back("Allow", "GET, HEAD");
        return with_headers(std::move(answer));
    }
    const auto instant = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
    const detail::view v{parts_->store, parts_->options, instant,
                         parts_->options.zone.local_date(instant)};
    return with_headers(parts_->route(t, v, *who == "session"));
}

http_answer site::parts::route(const target& t, const detail::view& v, bool signed_in) {
    const auto page_answer = [&](const detail::page& p) {
        return html_answer(p.status, frame(p, signed_in));
    };
    const auto& path = t.path;
    if (path == "/" || path == "/incidents") return page_answer(detail::incidents_page(v, t));
    if (path == "/incidents.csv") return download_answer(detail::incidents_csv(v, t));
    if (path == "/actions") return page_answer(detail::actions_page(v, t));
    if (path == "/trends") return page_answer(detail::trends_page(v, t));
    constexpr std::string_view trends_prefix = "/trends/";
    if (path.starts_with(trends_prefix) && path.ends_with(".csv")) {
        const auto id = std::string_view(path).substr(trends_prefix.size(),
                                                      path.size() - trends_prefix.size() - 4);
        if (auto d = detail::trends_csv(v, t, id)) return download_answer(std::move(*d));
        return page_answer(not_found("There is no chart \"" + std::string(id) + "\"."));
    }
    constexpr std::string_view incident_prefix = "/incidents/";
    if (path.starts_with(incident_prefix)) {
        const auto rest = std::string_view(path).substr(incident_prefix.size());
        const auto slash = rest.find('/');
        const auto id = number_in(rest.substr(0, slash));
        const auto missing =
            not_found("There is no incident " + std::string(rest.substr(0, slash)) + " to show.");
        if (!id) return page_answer(missing);
        if (slash == std::string_view::npos) {
            if (auto p = detail::incident_page(v, *id)) return page_answer(*p);
            return page_answer(missing);
        }
        if (auto d = detail::incident_download(v, *id, rest.substr(slash + 1))) {
            return download_answer(std::move(*d));
        }
        return page_answer(missing);
    }
    return page_answer(not_found("Nothing is at " + path + "."));
}

http_answer site::parts::log_in(const incoming_request& request,
                                std::chrono::system_clock::time_point now) {
    const auto form = parse_form(request.body);
    const auto field = [&](const char* name) {
        const auto it = form.find(name);
        return it == form.end() ? std::string() : it->second;
    };
    const auto next = local_path(field("next"));
    if (!guard.has_login()) {
        return html_answer(404, frame(not_found("This Scribe has no login form."), false));
    }
    if (guard.login_locked(request.peer, now)) {
        auto answer = html_answer(
            429, frame(login_page(next,
                                  "Too many wrong tokens from this address; try again in "
                                  "a minute."),
                       false));
        answer.headers.emplace_back("Retry-After",
                                    std::to_string(access_guard::login_window.count()));
        return answer;
    }
    if (!guard.token_matches(field("token"))) {
        guard.login_failed(request.peer, now);
        return html_answer(200, frame(login_page(next, "That is not the access token."), false));
    }
    http_answer answer{303, "text/plain; charset=utf-8", "signed in\n", {}};
    answer.headers.emplace_back("Location", next);
    answer.headers.emplace_back(
        "Set-Cookie", std::string(session_cookie) + "=" + guard.open_session(now) +
                          "; Path=/; Max-Age=" + std::to_string(guard.session_length().count()) +
                          "; HttpOnly; Secure; SameSite=Strict");
    return answer;
}

}  // namespace scribe::web
