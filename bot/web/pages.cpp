// Incidents, one incident, and action items: tables from the store's kept facts, one incident
// from a fold of its own log.
#include "bot/web/pages.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "bot/model/incident.hpp"
#include "bot/model/text.hpp"
#include "bot/model/time.hpp"
#include "bot/model/vocabulary.hpp"
#include "bot/render/render.hpp"

namespace scribe::web::detail {
namespace {

constexpr std::size_t rows_per_page = 100;

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

template <class Enum>
std::string optional_name(const std::optional<Enum>& value) {
    return value ? std::string(model::to_string(*value)) : std::string();
}

// One filter of the incidents table: a vocabulary word, "none" (not recorded), or empty.
template <class Enum>
struct enum_filter {
    bool active = false;
    std::optional<Enum> value;  // none with active: "not recorded"
};

render::options render_options(const view& v) {
    render::options opts;
    opts.zone = v.options.zone;
    opts.generated_at = v.now;
    opts.bar_raiser = v.options.bar_raiser;
    return opts;
}

// A <select> of the given words, the current one selected; "any" first unless `any` is false.
std::string select(const std::string& name, const std::string& label,
                   const std::vector<std::pair<std::string, std::string>>& choices,
                   const std::string& current, bool any = true) {
    std::string out = "<label>" + esc(label) + " <select name=\"" + name + "\">";
    if (any) out += "<option value=\"\">any</option>";
    for (const auto& [value, text] : choices) {
        out += "<option value=\"" + esc(value) + "\"" + (value == current ? " selected" : "") +
               ">" + esc(text) + "</option>";
    }
    return out + "</select></label>\n";
}

template <class Enum>
std::vector<std::pair<std::string, std::string>> words_of(bool with_none) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto word : model::spellings<Enum>()) {
        if (word == "unknown") continue;
        out.emplace_back(std::string(word), std::string(word));
    }
    if (with_none) out.emplace_back("none", "not recorded");
    return out;
}

struct incident_filter {
    std::optional<model::severity> level;
    std::string status;  // "", "open", "closed" or a phase
    enum_filter<model::cause_origin> origin;
    enum_filter<model::resolution_type> resolution;
    enum_filter<model::detection> detected_by;
    std::optional<std::chrono::year_month_day> from;
    std::optional<std::chrono::year_month_day> to;
    std::string text;  // lower case
    std::size_t page = 1;
    std::vector<std::string> problems;  // parameters that were not understood
};

template <class Enum>
enum_filter<Enum> read_enum(const target& t, const std::string& name, incident_filter& f) {
    const auto text = t.param(name);
    if (text.empty()) return {};
    if (text == "none") return {true, std::nullopt};
    if (const auto value = model::parse_enum<Enum>(text)) return {true, value};
    f.problems.push_back("unknown " + name + " \"" + text + "\"");
    return {};
}

incident_filter read_filter(const target& t) {
    incident_filter f;
    if (const auto sev = t.param("sev"); !sev.empty()) {
        f.level = model::parse_enum<model::severity>(sev);
        if (!f.level) f.problems.push_back("unknown severity \"" + sev + "\"");
    }
    if (const auto status = t.param("status"); !status.empty()) {
        if (status == "open" || status == "closed" || model::parse_enum<model::phase>(status)) {
            f.status = lower(status);
        } else {
            f.problems.push_back("unknown status \"" + status + "\"");
        }
    }
    f.origin = read_enum<model::cause_origin>(t, "origin", f);
    f.resolution = read_enum<model::resolution_type>(t, "resolution", f);
    f.detected_by = read_enum<model::detection>(t, "detection", f);
    for (const auto& [name, field] : {std::pair{"from", &f.from}, std::pair{"to", &f.to}}) {
        const auto text = t.param(name);
        if (text.empty()) continue;
        *field = model::parse_date(text);
        if (!*field) {
            f.problems.push_back(std::string(name) + " \"" + text +
                                 "\" is not a date like 2026-03-29");
        }
    }
    f.text = lower(t.param("q"));
    if (const auto page = t.param("page"); !page.empty()) {
        char* end = nullptr;
        const auto n = std::strtoul(page.c_str(), &end, 10);
        if (end == page.c_str() + page.size() && n >= 1 && n < 1000000) f.page = n;
    }
    return f;
}

template <class Enum>
bool passes(const enum_filter<Enum>& filter, const std::optional<Enum>& value) {
    return !filter.active || filter.value == value;
}

bool matches(const view& v, const incident_filter& f, const store::incident_record& r) {
    const auto& s = r.summary;
    if (f.level && s.level != *f.level) return false;
    if (!f.status.empty()) {
        const bool closed = s.current == model::phase::closed;
        if (f.status == "open" && closed) return false;
        if (f.status == "closed" && !closed) return false;
        if (f.status != "open" && f.status != "closed" && model::to_string(s.current) != f.status) {
            return false;
        }
    }
    if (!passes(f.origin, r.facts.origin) || !passes(f.resolution, r.facts.resolution) ||
        !passes(f.detected_by, r.facts.detected_by)) {
        return false;
    }
    if (f.from || f.to) {
        const auto day = v.options.zone.local_date(s.declared_at);
        if (f.from && day < *f.from) return false;
        if (f.to && day > *f.to) return false;
    }
    if (!f.text.empty() && lower(s.title).find(f.text) == std::string::npos &&
        ("#" + std::to_string(s.id)) != f.text) {
        return false;
    }
    return true;
}

struct matched {
    std::vector<store::incident_record> records;
    std::size_t hidden = 0;  // flagged !security and not shown
};

matched matching(const view& v, const incident_filter& f) {
    matched out;
    out.records = v.store.list_incident_records();
    std::erase_if(out.records, [&](const store::incident_record& r) {
        if (!shown(v, r.facts)) {
            ++out.hidden;
            return true;
        }
        return !matches(v, f, r);
    });
    return out;
}

// The filter's parameters as a query string, for links that keep it.
std::string query_of(const target& t, const std::set<std::string>& skip) {
    std::string out;
    for (const auto& [name, value] : t.params) {
        if (value.empty() || skip.contains(name)) continue;
        out += (out.empty() ? "?" : "&") + percent_encode(name) + "=" + percent_encode(value);
    }
    return out;
}

// Links to the pages before and after `current` of `pages`, keeping the other parameters.
std::string page_links(const target& t, const std::string& path, std::size_t current,
                       std::size_t pages, const char* before, const char* after) {
    if (pages <= 1) return {};
    const auto rest = query_of(t, {"page"});
    const auto link_to = [&](std::size_t n) {
        return path + (rest.empty() ? "?" : rest + "&") + "page=" + std::to_string(n);
    };
    std::string out = "<nav class=\"pages\" aria-label=\"Pages\">";
    if (current > 1) {
        out += "<a href=\"" + esc(link_to(current - 1)) + "\" rel=\"prev\">" + before + "</a> ";
    }
    out += "page " + std::to_string(current) + " of " + std::to_string(pages);
    if (current < pages) {
        out += " <a href=\"" + esc(link_to(current + 1)) + "\" rel=\"next\">" + after + "</a>";
    }
    return out + "</nav>\n";
}

std::string status_badge(model::phase current) {
    const auto name = std::string(model::to_string(current));
    return "<span class=\"status status-" + name + "\">" + esc(name) + "</span>";
}

std::string severity_badge(model::severity level) {
    return "<span class=\"sev sev-" + std::string(model::to_string(level)) + "\">" +
           render::severity_label(level) + "</span>";
}

}  // namespace

std::string esc(std::string_view text) {
    return model::escape_entities(model::without_control_characters(text));
}

std::string chat_link(std::string_view url, std::string_view label) {
    const std::string_view shown_text = label.empty() ? url : label;
    if (!render::is_linkable(url))
        return esc(shown_text) + (label.empty() ? "" : " (" + esc(url) + ")");
    return "<a href=\"" + esc(url) + "\" rel=\"noopener noreferrer nofollow\">" + esc(shown_text) +
           "</a>";
}

std::string span_text(const std::optional<model::duration>& span) {
    return span ? model::format_span(*span) : std::string("–");
}

std::string local_time(const view& v, model::timestamp t) {
    return v.options.zone.format_date_time(t) + " " + v.options.zone.format_offset(t);
}

const std::string& person_name(const model::person& who) {
    return who.name.empty() ? who.id : who.name;
}

bool shown(const view& v, const model::incident_facts& facts) {
    return v.options.show_security || !facts.security;
}

page incidents_page(const view& v, const target& t) {
    const auto f = read_filter(t);
    const auto [records, hidden] = matching(v, f);

    page p;
    p.title = "Incidents";
    std::string& out = p.body;
    out += "<h1>Incidents</h1>\n";
    if (!f.problems.empty()) {
        p.status = 400;
        out += "<p class=\"problem\" role=\"alert\">Not filtered by what was not understood: ";
        for (std::size_t i = 0; i < f.problems.size(); ++i) {
            out += (i ? "; " : "") + esc(f.problems[i]);
        }
        out += ".</p>\n";
    }
    out += "<form class=\"filters\" method=\"get\" action=\"/\">\n";
    out += select("sev", "Severity", words_of<model::severity>(false), t.param("sev"));
    auto statuses = words_of<model::phase>(false);
    statuses.insert(statuses.begin(), {"open", "open (not closed)"});
    out += select("status", "Status", statuses, t.param("status"));
    out += select("origin", "Origin", words_of<model::cause_origin>(true), t.param("origin"));
    out +=
        select("resolution", "Fix", words_of<model::resolution_type>(true), t.param("resolution"));
    out += select("detection", "Detection", words_of<model::detection>(true), t.param("detection"));
    out += "<label>From <input type=\"date\" name=\"from\" value=\"" + esc(t.param("from")) +
           "\"></label>\n";
    out += "<label>To <input type=\"date\" name=\"to\" value=\"" + esc(t.param("to")) +
           "\"></label>\n";
    out += "<label>Text <input type=\"search\" name=\"q\" value=\"" + esc(t.param("q")) +
           "\"></label>\n";
    out += "<button type=\"submit\">Filter</button> <a href=\"/\">Clear</a>\n</form>\n";

    const auto pages =
        std::max<std::size_t>(1, (records.size() + rows_per_page - 1) / rows_per_page);
    const auto current = std::min(f.page, pages);
    const auto first = (current - 1) * rows_per_page;
    const auto last = std::min(records.size(), first + rows_per_page);
    out += "<p class=\"count\">" + std::to_string(records.size()) +
           (records.size() == 1 ? " incident" : " incidents") + " match";
    if (records.size() > rows_per_page) {
        out += "; " + std::to_string(first + 1) + " to " + std::to_string(last) + " shown";
    }
    out += ". <a href=\"/incidents.csv" + esc(query_of(t, {"page"})) +
           "\" download>Download as CSV</a></p>\n";
    if (hidden > 0) {
        out += "<p class=\"hidden-note\">" + std::to_string(hidden) +
               (hidden == 1 ? " incident is" : " incidents are") +
               " flagged with !security and not shown here (web.show_security).</p>\n";
    }
    if (records.empty()) {
        out += "<p>No incident matches.</p>\n";
        return p;
    }
    out +=
        "<table class=\"incidents\">\n<thead><tr><th scope=\"col\">#</th><th scope=\"col\">"
        "Title</th><th scope=\"col\">Severity</th><th scope=\"col\">Status</th><th "
        "scope=\"col\">Declared</th><th scope=\"col\">MTTD</th><th scope=\"col\">To "
        "mitigate</th><th scope=\"col\">MTTR</th><th scope=\"col\">Origin</th><th "
        "scope=\"col\">Fix</th><th scope=\"col\">Detection</th><th scope=\"col\">Actions "
        "open</th></tr></thead>\n<tbody>\n";
    for (std::size_t i = first; i < last; ++i) {
        const auto& r = records[i];
        const auto& s = r.summary;
        // Every live action item is opened once and, while done, done once.
        const auto total = r.facts.actions_opened.size();
        const auto open = total - r.facts.actions_done.size();
        const auto id = std::to_string(s.id);
        out += "<tr><td>" + id + "</td><td><a href=\"/incidents/" + id + "\">" +
               esc(s.title.empty() ? "Incident #" + id : s.title) + "</a>" +
               (r.facts.security ? " <span class=\"flag\">security</span>" : "") +
               (r.facts.data_lost ? " <span class=\"flag\">data lost</span>" : "") + "</td><td>" +
               severity_badge(s.level) + "</td><td>" + status_badge(s.current) + "</td><td>" +
               esc(local_time(v, s.declared_at)) + "</td><td>" + span_text(r.facts.time_to_detect) +
               "</td><td>" + span_text(r.facts.time_to_mitigate) + "</td><td>" +
               span_text(r.facts.time_to_resolve) + "</td><td>" +
               esc(optional_name(r.facts.origin)) + "</td><td>" +
               esc(optional_name(r.facts.resolution)) + "</td><td>" +
               esc(optional_name(r.facts.detected_by)) + "</td><td>" + std::to_string(open) +
               " of " + std::to_string(total) + "</td></tr>\n";
    }
    out += "</tbody>\n</table>\n";
    out += page_links(t, "/", current, pages, "Newer", "Older");
    return p;
}

download incidents_csv(const view& v, const target& t) {
    const auto records = matching(v, read_filter(t)).records;
    std::string out =
        "id,title,severity,status,declared_at,mttd_seconds,mttm_seconds,mttr_seconds,origin,"
        "resolution,detection,security,data_lost\r\n";
    const auto seconds = [](const std::optional<model::duration>& d) {
        return d ? std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*d).count())
                 : std::string();
    };
    for (const auto& r : records) {
        const auto& s = r.summary;
        out += std::to_string(s.id) + "," + csv_field(s.title) + "," +
               std::string(model::to_string(s.level)) + "," +
               std::string(model::to_string(s.current)) + "," + model::format_utc(s.declared_at) +
               "," + seconds(r.facts.time_to_detect) + "," + seconds(r.facts.time_to_mitigate) +
               "," + seconds(r.facts.time_to_resolve) + "," + optional_name(r.facts.origin) + "," +
               optional_name(r.facts.resolution) + "," + optional_name(r.facts.detected_by) + "," +
               (r.facts.security ? "true" : "false") + "," +
               (r.facts.data_lost ? "true" : "false") + "\r\n";
    }
    return {"text/csv; charset=utf-8", "incidents.csv", std::move(out)};
}

namespace {

struct loaded {
    std::vector<model::event> events;
    model::incident state;
};

std::optional<loaded> load_shown(const view& v, std::int64_t id) {
    auto events = v.store.load_incident(id);
    if (events.empty()) return std::nullopt;
    auto state = model::fold(events);
    if (state.security_flagged() && !v.options.show_security) return std::nullopt;
    return loaded{std::move(events), std::move(state)};
}

std::string entry_text(const model::timeline_entry& e) {
    std::string text =
        e.kind == model::timeline_kind::link ? chat_link(e.url, e.text) : esc(e.text);
    if (!e.permalink.empty()) text += " " + chat_link(e.permalink, "(in chat)");
    if (e.retracted) text = "<del>" + text + "</del>";
    return text;
}

std::string corrections(const view& v, const model::recorded_item& item) {
    std::string out;
    for (const auto& r : item.history) {
        out += "<li>Edited " + esc(local_time(v, r.at)) + " by " + esc(person_name(r.by)) +
               "; it said: " + esc(r.previous_text) + "</li>";
    }
    if (item.retracted) {
        out += "<li>Retracted " + esc(local_time(v, item.retracted->at)) + " by " +
               esc(person_name(item.retracted->by)) + "</li>";
    }
    return out.empty() ? out : "<ul class=\"corrections\">" + out + "</ul>";
}

}  // namespace

std::optional<page> incident_page(const view& v, std::int64_t id) {
    const auto found = load_shown(v, id);
    if (!found) return std::nullopt;
    const auto& inc = found->state;
    const auto opts = render_options(v);
    const auto number = std::to_string(id);
    page p;
    p.title = "#" + number + " " + (inc.title.empty() ? "Incident" : inc.title);
    std::string& out = p.body;
    out += "<h1>" + esc(p.title) + "</h1>\n";
    out += "<p class=\"facts\">" + severity_badge(inc.level) + " " + status_badge(inc.current) +
           " declared " + esc(local_time(v, inc.declared_at)) + " by " +
           esc(person_name(inc.declared_by)) + " in " + esc(model::room_label(inc.channel)) +
           (inc.security_flagged() ? " <span class=\"flag\">security</span>" : "") +
           (inc.data_lost() ? " <span class=\"flag\">data lost</span>" : "") + "</p>\n";
    const auto metrics = model::compute_metrics(inc);
    out += "<dl class=\"metrics\"><dt>MTTD</dt><dd>" + span_text(metrics.time_to_detect) +
           "</dd><dt>To mitigate</dt><dd>" + span_text(metrics.time_to_mitigate) +
           "</dd><dt>MTTR</dt><dd>" + span_text(metrics.time_to_resolve) + "</dd></dl>\n";
    const auto base = "/incidents/" + number + "/";
    out += "<p class=\"downloads\">Download: <a href=\"" + base +
           "postmortem.md\" download>draft (Markdown)</a> · <a href=\"" + base +
           "postmortem.html\" download>draft (HTML)</a> · <a href=\"" + base +
           "agenda.md\" download>retro agenda (Markdown)</a> · <a href=\"" + base +
           "incident.json\" download>everything (JSON)</a></p>\n";
    out +=
        "<nav class=\"sections\" aria-label=\"Sections\"><a href=\"#draft\">Draft</a> · <a "
        "href=\"#timeline\">Timeline</a> · <a href=\"#sitreps\">SitReps</a> · <a "
        "href=\"#agenda\">Retro agenda</a></nav>\n";

    out += "<section id=\"draft\" class=\"document\">\n" +
           render::markdown_body_html(render::postmortem_markdown(inc, opts)) + "</section>\n";

    out += "<section id=\"timeline\">\n<h2>Timeline, with every correction</h2>\n";
    std::vector<const model::timeline_entry*> entries;
    for (const auto& e : inc.timeline) entries.push_back(&e);
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto* a, const auto* b) { return a->happened_at < b->happened_at; });
    if (entries.empty())
        out += "<p>Nothing on the timeline.</p>\n";
    else {
        out +=
            "<table class=\"timeline\"><thead><tr><th scope=\"col\">#</th><th "
            "scope=\"col\">When</th><th scope=\"col\">What</th><th scope=\"col\">Who</th><th "
            "scope=\"col\">Entry</th></tr></thead>\n<tbody>\n";
        for (const auto* e : entries) {
            out += std::string("<tr") + (e->retracted ? " class=\"retracted\"" : "") + "><td>" +
                   std::to_string(e->number) + "</td><td>" + esc(local_time(v, e->happened_at)) +
                   "</td><td>" + esc(render::kind_label(e->kind)) + "</td><td>" +
                   esc(person_name(e->author.id.empty() && e->author.name.empty() ? e->recorded_by
                                                                                  : e->author)) +
                   "</td><td>" + entry_text(*e) + corrections(v, *e) + "</td></tr>\n";
        }
        out += "</tbody></table>\n";
    }
    out += "</section>\n";

    out += "<section id=\"sitreps\">\n<h2>SitReps</h2>\n";
    if (inc.sitreps.empty())
        out += "<p>No SitRep was posted.</p>\n";
    else {
        out +=
            "<table class=\"sitreps\"><thead><tr><th scope=\"col\">#</th><th "
            "scope=\"col\">When</th><th scope=\"col\">By</th><th scope=\"col\">Status</th><th "
            "scope=\"col\">Impact</th><th scope=\"col\">Next</th><th scope=\"col\">Next "
            "update</th></tr></thead>\n<tbody>\n";
        for (const auto& s : inc.sitreps) {
            const auto cell = [&](const std::string& text) {
                return "<td>" + (s.retracted ? "<del>" + esc(text) + "</del>" : esc(text)) +
                       "</td>";
            };
            out += "<tr><td>" + std::to_string(s.number) + "</td><td>" +
                   esc(local_time(v, s.happened_at)) + "</td><td>" +
                   esc(person_name(s.recorded_by)) + "</td>" + cell(s.status) + cell(s.impact) +
                   cell(s.next) + "<td>" +
                   (s.next_update ? esc(model::format_span(*s.next_update)) : "–") +
                   corrections(v, s) + "</td></tr>\n";
        }
        out += "</tbody></table>\n";
    }
    out += "</section>\n";

    out += "<section id=\"agenda\" class=\"document\">\n" +
           render::markdown_body_html(render::agenda_markdown(inc, opts)) + "</section>\n";
    return p;
}

std::optional<download> incident_download(const view& v, std::int64_t id, std::string_view name) {
    const auto found = load_shown(v, id);
    if (!found) return std::nullopt;
    const auto opts = render_options(v);
    const auto& inc = found->state;
    const auto prefix = "incident-" + std::to_string(id) + "-";
    if (name == "postmortem.md") {
        return download{"text/markdown; charset=utf-8", prefix + "postmortem.md",
                        render::postmortem_markdown(inc, opts)};
    }
    if (name == "postmortem.html") {
        const auto title = inc.title.empty() ? "Incident #" + std::to_string(id) : inc.title;
        return download{"text/html; charset=utf-8", prefix + "postmortem.html",
                        render::markdown_to_html(render::postmortem_markdown(inc, opts), title)};
    }
    if (name == "agenda.md") {
        return download{"text/markdown; charset=utf-8", prefix + "agenda.md",
                        render::agenda_markdown(inc, opts)};
    }
    if (name == "incident.json") {
        return download{"application/json", prefix + "incident.json",
                        render::incident_json(inc, found->events, opts)};
    }
    return std::nullopt;
}

page actions_page(const view& v, const target& t) {
    auto rows = v.store.list_actions(false);
    std::erase_if(
        rows, [&](const store::action_row& a) { return a.security && !v.options.show_security; });
    const auto overdue = [&](const store::action_row& a) {
        return a.status == model::action_status::open && a.due && *a.due < v.today;
    };
    const auto state_of = [&](const store::action_row& a) -> std::string {
        if (overdue(a)) return "overdue";
        return std::string(model::to_string(a.status));
    };

    page p;
    p.title = "Action items";
    std::string& out = p.body;
    out += "<h1>Action items</h1>\n";
    auto wanted = t.param("state");
    if (wanted.empty()) wanted = "open";
    const std::set<std::string> states{"open", "overdue", "done", "all"};
    if (!states.contains(wanted)) {
        p.status = 400;
        out += "<p class=\"problem\" role=\"alert\">Unknown state \"" + esc(wanted) +
               "\"; showing open items.</p>\n";
        wanted = "open";
    }
    const auto owner = t.param("owner");
    const auto keep = [&](const store::action_row& a) {
        const auto state = state_of(a);
        const bool state_ok =
            wanted == "all" || state == wanted || (wanted == "open" && state == "overdue");
        return state_ok && (owner.empty() || person_name(a.owner) == owner);
    };

    // By owner: the counts, every owner once.
    struct counts {
        int open = 0;
        int overdue = 0;
        int done = 0;
    };
    const auto add_to = [&](counts& c, const store::action_row& a) {
        const auto state = state_of(a);
        if (state == "overdue") ++c.overdue;
        if (state == "open" || state == "overdue") ++c.open;
        if (state == "done") ++c.done;
    };
    std::map<std::string, counts> by_owner;
    for (const auto& a : rows) add_to(by_owner[person_name(a.owner)], a);

    out += "<form class=\"filters\" method=\"get\" action=\"/actions\">\n";
    out += select(
        "state", "State",
        {{"open", "open (overdue too)"}, {"overdue", "overdue"}, {"done", "done"}, {"all", "all"}},
        wanted, false);
    std::vector<std::pair<std::string, std::string>> owners;
    for (const auto& [name, c] : by_owner) owners.emplace_back(name, name);
    out += select("owner", "Owner", owners, owner);
    out += "<button type=\"submit\">Show</button> <a href=\"/actions\">Clear</a>\n</form>\n";

    out += "<section id=\"owners\">\n<h2>By owner</h2>\n";
    if (by_owner.empty())
        out += "<p>No action items yet.</p>\n";
    else {
        out +=
            "<table class=\"owners\"><thead><tr><th scope=\"col\">Owner</th><th "
            "scope=\"col\">Open</th><th scope=\"col\">Overdue</th><th "
            "scope=\"col\">Done</th></tr></thead>\n<tbody>\n";
        for (const auto& [name, c] : by_owner) {
            out += "<tr><th scope=\"row\"><a href=\"/actions?state=all&amp;owner=" +
                   esc(percent_encode(name)) + "\">" + esc(name) + "</a></th><td>" +
                   std::to_string(c.open) + "</td><td" + (c.overdue ? " class=\"overdue\"" : "") +
                   ">" + std::to_string(c.overdue) + "</td><td>" + std::to_string(c.done) +
                   "</td></tr>\n";
        }
        out += "</tbody></table>\n";
    }
    out += "</section>\n";

    out += "<section id=\"items\">\n<h2>Items</h2>\n";
    std::vector<const store::action_row*> listed;
    for (const auto& a : rows) {
        if (keep(a)) listed.push_back(&a);
    }
    // The incidents of the items shown, newest first.
    std::map<std::int64_t, std::pair<std::string, counts>, std::greater<>> by_incident;
    for (const auto* a : listed) {
        auto& [title, c] = by_incident[a->incident_id];
        title = a->incident_title;
        add_to(c, *a);
    }
    std::stable_sort(listed.begin(), listed.end(), [](const auto* a, const auto* b) {
        return person_name(a->owner) < person_name(b->owner);
    });
    const auto pages =
        std::max<std::size_t>(1, (listed.size() + rows_per_page - 1) / rows_per_page);
    std::size_t current = 1;
    if (const auto page = t.param("page"); !page.empty()) {
        current = std::clamp<std::size_t>(std::strtoul(page.c_str(), nullptr, 10), 1, pages);
    }
    if (listed.size() > rows_per_page) {
        out += "<p class=\"count\">" + std::to_string(listed.size()) + " items; " +
               std::to_string((current - 1) * rows_per_page + 1) + " to " +
               std::to_string(std::min(listed.size(), current * rows_per_page)) + " shown.</p>\n";
    }
    if (listed.empty())
        out += "<p>No action item is " + esc(wanted == "all" ? "recorded" : wanted) + ".</p>\n";
    else {
        out +=
            "<table class=\"actions\"><thead><tr><th scope=\"col\">Owner</th><th "
            "scope=\"col\">Action</th><th scope=\"col\">Incident</th><th "
            "scope=\"col\">Due</th><th scope=\"col\">State</th></tr></thead>\n<tbody>\n";
        const auto first =
            listed.begin() + static_cast<std::ptrdiff_t>((current - 1) * rows_per_page);
        const auto last = listed.begin() + static_cast<std::ptrdiff_t>(
                                               std::min(listed.size(), current * rows_per_page));
        for (auto it = first; it != last; ++it) {
            const auto* a = *it;
            const auto state = state_of(*a);
            const auto id = std::to_string(a->incident_id);
            out += "<tr class=\"" + state + "\"><td>" + esc(person_name(a->owner)) + "</td><td>" +
                   esc(a->text) + " <span class=\"number\">(#" + std::to_string(a->number) +
                   ")</span></td><td><a href=\"/incidents/" + id + "\">#" + id + " " +
                   esc(a->incident_title) + "</a></td><td>" +
                   (a->due ? render::format_date(*a->due) : std::string("no due date")) +
                   "</td><td>" + esc(state) +
                   (a->done_at ? " " + render::format_date(v.options.zone.local_date(*a->done_at))
                               : std::string()) +
                   "</td></tr>\n";
        }
        out += "</tbody></table>\n";
        out += page_links(t, "/actions", current, pages, "Previous", "Next");
    }
    out += "</section>\n";

    out += "<section id=\"by-incident\">\n<h2>By incident</h2>\n";
    if (!by_incident.empty()) {
        out +=
            "<table class=\"by-incident\"><thead><tr><th scope=\"col\">Incident</th><th "
            "scope=\"col\">Open</th><th scope=\"col\">Overdue</th><th "
            "scope=\"col\">Done</th></tr></thead>\n<tbody>\n";
        std::size_t shown_rows = 0;
        for (const auto& [id, entry] : by_incident) {
            if (++shown_rows > rows_per_page) break;
            const auto& [title, c] = entry;
            out += "<tr><th scope=\"row\"><a href=\"/incidents/" + std::to_string(id) + "\">#" +
                   std::to_string(id) + " " + esc(title) + "</a></th><td>" +
                   std::to_string(c.open) + "</td><td" + (c.overdue ? " class=\"overdue\"" : "") +
                   ">" + std::to_string(c.overdue) + "</td><td>" + std::to_string(c.done) +
                   "</td></tr>\n";
        }
        out += "</tbody></table>\n";
        if (by_incident.size() > rows_per_page) {
            out += "<p class=\"count\">The newest " + std::to_string(rows_per_page) + " of " +
                   std::to_string(by_incident.size()) +
                   " incidents with such items; choose an owner or a state to see others.</p>\n";
        }
    } else {
        out += "<p>No action items yet.</p>\n";
    }
    out += "</section>\n";
    return p;
}

}  // namespace scribe::web::detail
