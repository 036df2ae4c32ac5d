// The pages of the web view, each from one or two queries of the store; what site.cpp routes
// to. Every piece of user text goes through esc() or a safe link.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/model/time.hpp"
#include "bot/store/event_store.hpp"
#include "bot/web/site.hpp"
#include "bot/web/text.hpp"

namespace scribe::web::detail {

// What every page is drawn with: the store, the options, and the time of the request.
struct view {
    store::event_store& store;
    const site_options& options;
    model::timestamp now;
    std::chrono::year_month_day today;  // in the configured zone
};

struct page {
    unsigned status = 200;
    std::string title;
    std::string body;  // inside <main>
};

// A download: its type, file name and content.
struct download {
    std::string content_type;
    std::string file_name;
    std::string body;
};

std::string esc(std::string_view text);
// A link to a URL from chat when its scheme is safe (http, https, mailto), else the URL as text.
std::string chat_link(std::string_view url, std::string_view label);
std::string span_text(const std::optional<model::duration>& span);
std::string local_time(const view& v, model::timestamp t);
const std::string& person_name(const model::person& who);

// Incidents the view shows: all, or all but those flagged !security.
bool shown(const view& v, const model::incident_facts& facts);

page incidents_page(const view& v, const target& t);
download incidents_csv(const view& v, const target& t);
// None when there is no such incident, or it is hidden.
std::optional<page> incident_page(const view& v, std::int64_t id);
// "postmortem.md", "postmortem.html", "agenda.md", "incident.json"; none when unknown.
std::optional<download> incident_download(const view& v, std::int64_t id, std::string_view name);
page actions_page(const view& v, const target& t);
page trends_page(const view& v, const target& t);
// The figures of one chart of the trends page; none when there is no such chart.
std::optional<download> trends_csv(const view& v, const target& t, std::string_view chart_id);

}  // namespace scribe::web::detail
