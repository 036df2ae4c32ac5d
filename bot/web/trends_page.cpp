// The trends page: the figures of model/trends.hpp per month or week, as charts with their
// tables and CSV downloads. Incidents flagged !security count here too: only numbers show.
#include <set>

#include "bot/model/trends.hpp"
#include "bot/model/vocabulary.hpp"
#include "bot/render/render.hpp"
#include "bot/web/chart.hpp"
#include "bot/web/pages.hpp"

namespace scribe::web::detail {
namespace {

using model::trend_row;

chart counted(std::string id, std::string title, const std::vector<trend_row>& rows,
              const std::map<std::string, int> trend_row::*field) {
    chart c{std::move(id), std::move(title), "incidents", chart::style::stacked_bars, {}, {}};
    std::set<std::string> names;
    for (const auto& r : rows) {
        c.categories.push_back(r.period);
        for (const auto& [name, n] : r.*field) names.insert(name);
    }
    for (const auto& name : names) {
        chart_series s{name, {}};
        for (const auto& r : rows) {
            const auto it = (r.*field).find(name);
            s.values.push_back(it == (r.*field).end() ? 0.0 : it->second);
        }
        c.series.push_back(std::move(s));
    }
    return c;
}

chart timed(std::string id, std::string title, const std::vector<trend_row>& rows,
            const model::spread trend_row::*field) {
    double longest = 0;
    for (const auto& r : rows) {
        for (const auto& d : {(r.*field).median, (r.*field).p90}) {
            if (d) longest = std::max(longest, std::chrono::duration<double>(*d).count());
        }
    }
    // Hours once the figures pass three hours, minutes below.
    const bool hours = longest > 3 * 3600.0;
    const double per_unit = hours ? 3600.0 : 60.0;
    chart c{std::move(id),
            std::move(title),
            hours ? "hours" : "minutes",
            chart::style::lines,
            {},
            {{"median", {}}, {"90th percentile", {}}}};
    for (const auto& r : rows) {
        c.categories.push_back(r.period);
        const auto in_unit = [&](const std::optional<model::duration>& d) -> std::optional<double> {
            if (!d) return std::nullopt;
            return std::chrono::duration<double>(*d).count() / per_unit;
        };
        c.series[0].values.push_back(in_unit((r.*field).median));
        c.series[1].values.push_back(in_unit((r.*field).p90));
    }
    return c;
}

std::vector<chart> charts_of(const std::vector<trend_row>& rows, const std::string& per) {
    std::vector<chart> out;
    chart levels{"severity",  "Incidents per " + per + " by severity",
                 "incidents", chart::style::stacked_bars,
                 {},          {}};
    for (const auto level : {model::severity::sev1, model::severity::sev2, model::severity::sev3,
                             model::severity::sev4}) {
        chart_series s{render::severity_label(level), {}};
        for (const auto& r : rows) {
            const auto it = r.by_severity.find(level);
            s.values.push_back(it == r.by_severity.end() ? 0.0 : it->second);
        }
        levels.series.push_back(std::move(s));
    }
    chart share{"sev1-sev2-share",
                "Share of SEV1 and SEV2 incidents",
                "% of incidents",
                chart::style::lines,
                {},
                {{"SEV1 and SEV2", {}}}};
    chart actions{"action-items",
                  "Action items opened and done",
                  "action items",
                  chart::style::grouped_bars,
                  {},
                  {{"opened", {}}, {"done", {}}}};
    for (const auto& r : rows) {
        levels.categories.push_back(r.period);
        share.categories.push_back(r.period);
        actions.categories.push_back(r.period);
        share.series[0].values.push_back(r.incidents > 0 ? std::optional(r.sev1_sev2_percent)
                                                         : std::nullopt);
        actions.series[0].values.push_back(r.actions_opened);
        actions.series[1].values.push_back(r.actions_done);
    }
    out.push_back(std::move(levels));
    out.push_back(std::move(share));
    out.push_back(timed("detect", "Time to detect (MTTD)", rows, &trend_row::detect));
    out.push_back(timed("mitigate", "Time to mitigate", rows, &trend_row::mitigate));
    out.push_back(timed("resolve", "Time to resolve (MTTR)", rows, &trend_row::resolve));
    out.push_back(counted("origins", "What caused them (origin)", rows, &trend_row::origins));
    out.push_back(counted("resolutions", "How they were fixed", rows, &trend_row::resolutions));
    out.push_back(counted("detections", "How they were detected", rows, &trend_row::detections));
    out.push_back(std::move(actions));
    return out;
}

struct trend_view {
    bool weekly = false;
    std::string problem;  // a `by` that was not understood
    std::vector<chart> charts;
    std::size_t incidents = 0;
};

trend_view trends_of(const view& v, const target& t) {
    trend_view out;
    const auto by = t.param("by");
    if (by == "week")
        out.weekly = true;
    else if (!by.empty() && by != "month")
        out.problem = "unknown period \"" + by + "\"";
    std::vector<model::incident_facts> facts;
    for (auto& r : v.store.list_incident_records()) facts.push_back(std::move(r.facts));
    out.incidents = facts.size();
    const auto rows =
        model::trends(facts, out.weekly ? model::trend_period::week : model::trend_period::month,
                      [&](model::timestamp at) { return v.options.zone.local_date(at); });
    out.charts = charts_of(rows, out.weekly ? "week" : "month");
    return out;
}

}  // namespace

page trends_page(const view& v, const target& t) {
    const auto trends = trends_of(v, t);
    const std::string by = trends.weekly ? "week" : "month";
    page p;
    p.title = "Trends";
    std::string& out = p.body;
    out += "<h1>Trends</h1>\n";
    if (!trends.problem.empty()) {
        p.status = 400;
        out += "<p class=\"problem\" role=\"alert\">" + esc(trends.problem) +
               "; showing months.</p>\n";
    }
    out +=
        "<form class=\"filters\" method=\"get\" action=\"/trends\"><label>Per <select "
        "name=\"by\"><option value=\"month\"" +
        std::string(trends.weekly ? "" : " selected") + ">month</option><option value=\"week\"" +
        (trends.weekly ? " selected" : "") +
        ">ISO week</option></select></label> <button type=\"submit\">Show</button></form>\n";
    out += "<p>" + std::to_string(trends.incidents) + " incidents, each in the " + by +
           " of its declaration (" + esc(v.options.zone.name()) +
           "). Times run from the start of impact; a metric counts where its marker was "
           "recorded.</p>\n";
    if (trends.incidents == 0) {
        out += "<p>No incidents yet.</p>\n";
        return p;
    }
    for (const auto& c : trends.charts) {
        out += "<figure class=\"trend\" id=\"" + c.id + "\">\n<h2>" + esc(c.title) + "</h2>\n" +
               chart_svg(c) + "<details><summary>Figures</summary>\n" + chart_table(c) +
               "</details>\n<figcaption>" + esc(chart_summary(c)) + " <a href=\"/trends/" + c.id +
               ".csv?by=" + by + "\" download>Download CSV</a></figcaption>\n</figure>\n";
    }
    return p;
}

std::optional<download> trends_csv(const view& v, const target& t, std::string_view chart_id) {
    const auto trends = trends_of(v, t);
    for (const auto& c : trends.charts) {
        if (c.id == chart_id) {
            return download{"text/csv; charset=utf-8",
                            "trends-" + c.id + (trends.weekly ? "-weekly" : "-monthly") + ".csv",
                            chart_csv(c)};
        }
    }
    return std::nullopt;
}

}  // namespace scribe::web::detail
