// Charts as SVG, table and CSV: the marks, the axis, the text alternative, missing figures.
#include "bot/web/chart.hpp"

#include <doctest/doctest.h>

#include "bot/web/text.hpp"

namespace scribe::web {
namespace {

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::size_t count(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

chart stacked() {
    return {"levels",
            "Incidents <per> month",
            "incidents",
            chart::style::stacked_bars,
            {"2026-01", "2026-02", "2026-03"},
            {{"SEV1", {2, 0, 1}}, {"SEV2", {3, 1, std::nullopt}}}};
}

}  // namespace

TEST_CASE("a chart is an image with a title, a description and its marks") {
    const auto svg = chart_svg(stacked());
    CHECK(has(svg, "role=\"img\""));
    CHECK(has(svg, "<title id=\"levels-title\">Incidents &lt;per&gt; month</title>"));
    CHECK(has(svg, "<desc id=\"levels-desc\">"));
    CHECK(count(svg, "<rect x=") == 1 + 5 + 2);  // background, five bars, two legend keys
    CHECK(has(svg, "2026-02, SEV2: 1 incidents"));
    // Stacked to five in January: the axis runs to five.
    CHECK(has(svg, ">5</text>"));
    CHECK_FALSE(has(svg, ">6</text>"));
}

TEST_CASE("a line chart breaks where a figure is missing") {
    chart lines{"mttr",
                "MTTR",
                "hours",
                chart::style::lines,
                {"a", "b", "c", "d"},
                {{"median", {1.5, 2, std::nullopt, 0.5}}}};
    const auto svg = chart_svg(lines);
    CHECK(count(svg, "<polyline") == 1);  // a-b; d stands alone
    CHECK(count(svg, "<circle") == 3);
    CHECK(has(chart_summary(lines), "median: latest 0.5 (d), highest 2 (b)."));
}

TEST_CASE("the summary, table and CSV say the same figures") {
    const auto c = stacked();
    CHECK(chart_summary(c) ==
          "Incidents <per> month, in incidents, from 2026-01 to 2026-03. SEV1: latest 1 "
          "(2026-03), highest 2 (2026-01). SEV2: latest 1 (2026-02), highest 3 (2026-01).");
    const auto table = chart_table(c);
    CHECK(has(table, "<caption>Incidents &lt;per&gt; month (incidents)</caption>"));
    CHECK(has(table, "<th scope=\"row\">2026-03</th><td>1</td><td>–</td>"));
    CHECK(chart_csv(c) == "period,SEV1,SEV2\r\n2026-01,2,3\r\n2026-02,0,1\r\n2026-03,1,\r\n");
    CHECK(chart_summary({"x", "Nothing", "incidents", chart::style::lines, {}, {}}) ==
          "Nothing: no incidents yet.");
}

TEST_CASE("figures are whole numbers plain and others to one decimal") {
    CHECK(format_figure(3) == "3");
    CHECK(format_figure(2.25) == "2.2");
    CHECK(format_figure(0.06) == "0.1");
}

TEST_CASE("targets, forms and cookies are decoded as browsers send them") {
    const auto t = parse_target("/incidents%2Fx?sev=sev1&q=db+pool%21&q=last&empty=&bad=%zz");
    CHECK(t.path == "/incidents/x");
    CHECK(t.param("sev") == "sev1");
    CHECK(t.param("q") == "last");
    CHECK(t.param("empty").empty());
    CHECK(t.param("bad") == "%zz");
    CHECK(t.param("missing").empty());
    const auto form = parse_form("token=a%2Bb+c&next=%2F");
    CHECK(form.at("token") == "a+b c");
    CHECK(form.at("next") == "/");
    CHECK(percent_encode("a b/ü") == "a%20b%2F%C3%BC");
    CHECK(percent_decode("%", false) == "%");
    CHECK(percent_decode("%4", false) == "%4");
}

TEST_CASE("a CSV field is quoted when it must be, and never starts a formula") {
    CHECK(csv_field("plain") == "plain");
    CHECK(csv_field("a, b") == "\"a, b\"");
    CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
    CHECK(csv_field("-1") == "'-1");
}

}  // namespace scribe::web
