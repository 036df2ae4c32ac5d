// Documents made from an incident: the postmortem draft, the retro agenda, the JSON export,
// and the short texts the bot replies with in chat.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bot/model/incident.hpp"
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

// Chat-sized texts: the timeline so far, and a summary of the incident.
std::string timeline_text(const model::incident& incident, const options& opts);
std::string summary_text(const model::incident& incident, const options& opts);

// User text made safe for Markdown: it cannot open a heading, list, table cell, code block,
// HTML tag or link of its own. One line; newlines become spaces.
std::string escape_markdown(std::string_view text);

}  // namespace scribe::render
