// Documents made from an incident: the postmortem draft, the retro agenda, the JSON export,
// and the short texts the bot replies with in chat.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bot/model/bar_raiser.hpp"
#include "bot/model/incident.hpp"
#include "bot/model/time.hpp"
#include "bot/model/zone.hpp"

namespace scribe::render {

// A user template that does not parse, or names something that is not there.
class template_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct options {
    model::zone zone = model::zone::utc();
    model::timestamp generated_at{};  // passed in: rendering reads no clock
    model::bar_raiser_policy bar_raiser;
};

// The postmortem draft in Markdown: YAML front matter, then every section of DESIGN.md;
// empty sections say what to bring to the retro.
std::string postmortem_markdown(const model::incident& incident, const options& opts);

// The same draft through a team's Mustache template (see docs/templates.md for the fields).
std::string postmortem_from_template(const model::incident& incident, std::string_view tmpl,
                                     const options& opts);

// The retro agenda in Markdown.
std::string agenda_markdown(const model::incident& incident, const options& opts);

// The whole incident (events and folded state) as JSON, schema in docs/json-export.md.
std::string incident_json(const model::incident& incident, std::span<const model::event> events,
                          const options& opts);

// A Markdown document as a standalone HTML page (GitHub-flavoured tables).
std::string markdown_to_html(std::string_view markdown, std::string_view title);
// The same document's body only, for a page of its own (the web view); raw HTML and unsafe
// link schemes suppressed as in the page.
std::string markdown_body_html(std::string_view markdown);

// Chat-sized texts: the timeline so far, and a summary of the incident.
std::string timeline_text(const model::incident& incident, const options& opts);
std::string summary_text(const model::incident& incident, const options& opts);

// The metrics in one line for the answer to `!close`: "MTTD 12m 00s, time to mitigate …".
std::string metrics_line(const model::incident& incident);

// One incident of a list across incidents, as the store lists them.
struct listed_incident {
    std::int64_t id = 0;
    std::string title;
    model::severity level = model::severity::sev3;
    model::phase current = model::phase::investigating;
    std::string channel;
    model::timestamp declared_at{};
};

// One open action item of a list across incidents.
struct listed_action {
    std::int64_t incident_id = 0;
    std::string incident_title;
    std::int64_t number = 0;
    std::string owner;
    std::string text;
    std::optional<std::chrono::year_month_day> due;
};

// `!incidents` and `!actions` in chat: newest incidents first, at most `limit` of them;
// actions past their due date (in the zone, on `today`) marked overdue.
std::string incident_list_text(std::span<const listed_incident> incidents, const options& opts,
                               std::string_view prefix, std::size_t limit = 50);
std::string action_list_text(std::span<const listed_action> actions, const options& opts);

// Words documents use: "SEV2", a timeline entry's kind ("note", "sitrep"), "2026-03-29".
std::string severity_label(model::severity level);
std::string_view kind_label(model::timeline_kind kind);
using model::format_date;

// Whether a URL from chat may become a link target: http, https and mailto only, so a
// `javascript:` or `data:` URL is shown as text and never made clickable.
bool is_linkable(std::string_view url);

// User text made safe for Markdown: it cannot open a heading, list, table cell, code block,
// HTML tag or link of its own. One line; newlines become spaces.
std::string escape_markdown(std::string_view text);

}  // namespace scribe::render
