// Charts of the trends page, drawn on the server as SVG: bars (stacked or side by side) or
// lines over periods, with axes, labels, a title and a text alternative, readable in print
// and by a screen reader. The same data as an HTML table and as CSV.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace scribe::web {

struct chart_series {
    std::string name;
    std::vector<std::optional<double>> values;  // one per category; none: no figure
};

struct chart {
    enum class style { stacked_bars, grouped_bars, lines };

    std::string id;  // unique on the page, [a-z0-9-]; names the CSV download too
    std::string title;
    std::string unit;  // the y axis: "incidents", "% of incidents", "hours"
    style shape = style::lines;
    std::vector<std::string> categories;  // the periods, oldest first
    std::vector<chart_series> series;
};

// The chart as an inline <svg> with role="img", <title> and <desc>.
std::string chart_svg(const chart& c);

// What the chart shows in words: its span, and each series' latest and highest figure.
std::string chart_summary(const chart& c);

// The figures as a <table> with a caption, and as CSV (a header row, then one per period).
std::string chart_table(const chart& c);
std::string chart_csv(const chart& c);

// A figure as the table and summary write it: whole numbers plain, others to one decimal.
std::string format_figure(double value);

}  // namespace scribe::web
