// SVG charts drawn from numbers alone: a fixed canvas, a y axis from zero to a round maximum,
// at most ten period labels, a legend under the plot, and a title on every mark for pointers.
#include "bot/web/chart.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "bot/model/text.hpp"
#include "bot/web/text.hpp"

namespace scribe::web {
namespace {

using model::escape_entities;

constexpr double width = 760;
constexpr double height = 330;
constexpr double left = 64;
constexpr double right = 16;
constexpr double top = 16;
constexpr double plot_bottom = 260;  // the x axis
constexpr double plot_width = width - left - right;
constexpr double plot_height = plot_bottom - top;
constexpr std::size_t most_labels = 10;

// Okabe and Ito's palette: told apart with every common colour-vision deficiency.
constexpr std::array<const char*, 8> palette{"#D55E00", "#E69F00", "#0072B2", "#009E73",
                                             "#CC79A7", "#56B4E9", "#999933", "#000000"};

const char* colour(std::size_t series) { return palette[series % palette.size()]; }

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    return text;
}

// 1, 2 or 5 times a power of ten, at least `value`.
double round_up(double value) {
    if (!(value > 0)) return 1;
    const double power = std::pow(10.0, std::floor(std::log10(value)));
    for (const double step : {1.0, 2.0, 5.0, 10.0}) {
        if (step * power >= value * (1 - 1e-9)) return step * power;
    }
    return 10 * power;
}

double highest(const chart& c) {
    double most = 0;
    for (std::size_t i = 0; i < c.categories.size(); ++i) {
        double sum = 0;
        for (const auto& s : c.series) {
            const double v = i < s.values.size() ? s.values[i].value_or(0) : 0;
            if (c.shape == chart::style::stacked_bars) {
                sum += std::max(v, 0.0);
            } else {
                most = std::max(most, v);
            }
        }
        most = std::max(most, sum);
    }
    return most;
}

std::optional<double> value_at(const chart_series& s, std::size_t i) {
    return i < s.values.size() ? s.values[i] : std::nullopt;
}

std::string mark_title(const chart& c, const chart_series& s, std::size_t i, double v) {
    return "<title>" +
           escape_entities(c.categories[i] + ", " + s.name + ": " + format_figure(v) + " " +
                           c.unit) +
           "</title>";
}

}  // namespace

std::string format_figure(double value) {
    if (std::abs(value - std::round(value)) < 1e-9) {
        char text[32];
        std::snprintf(text, sizeof text, "%.0f", value);
        return text;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    return text;
}

std::string chart_summary(const chart& c) {
    if (c.categories.empty()) return c.title + ": no incidents yet.";
    std::string out =
        c.title + ", in " + c.unit + ", " +
        (c.categories.size() == 1 ? "for " + c.categories.front()
                                  : "from " + c.categories.front() + " to " + c.categories.back()) +
        ".";
    for (const auto& s : c.series) {
        std::optional<std::size_t> latest;
        std::optional<std::size_t> top_at;
        for (std::size_t i = 0; i < c.categories.size(); ++i) {
            const auto v = value_at(s, i);
            if (!v) continue;
            latest = i;
            if (!top_at || *v > *value_at(s, *top_at)) top_at = i;
        }
        out += " " + s.name + ": ";
        if (!latest) {
            out += "no figures.";
            continue;
        }
        out += "latest " + format_figure(*value_at(s, *latest)) + " (" + c.categories[*latest] +
               "), highest " + format_figure(*value_at(s, *top_at)) + " (" + c.categories[*top_at] +
               ").";
    }
    return out;
}

std::string chart_svg(const chart& c) {
    const double scale_top = round_up(highest(c));
    const double step = round_up(scale_top / 5);
    const double axis_top = std::max(step, std::ceil(scale_top / step - 1e-9) * step);
    const auto y_of = [&](double v) { return plot_bottom - v / axis_top * plot_height; };
    const std::size_t n = std::max<std::size_t>(c.categories.size(), 1);
    const double slot = plot_width / static_cast<double>(n);
    const auto x_centre = [&](std::size_t i) {
        return left + slot * (static_cast<double>(i) + 0.5);
    };

    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 " +
                      number(width) + " " + number(height) + "\" role=\"img\" aria-labelledby=\"" +
                      c.id + "-title " + c.id + "-desc\">\n";
    out += "<title id=\"" + c.id + "-title\">" + escape_entities(c.title) + "</title>\n";
    out += "<desc id=\"" + c.id + "-desc\">" + escape_entities(chart_summary(c)) + "</desc>\n";
    out += "<rect x=\"0\" y=\"0\" width=\"" + number(width) + "\" height=\"" + number(height) +
           "\" fill=\"#ffffff\"/>\n";

    // The y axis: gridlines and their figures, and the unit.
    for (double v = 0; v <= axis_top + step / 2; v += step) {
        const auto y = number(y_of(v));
        out += "<line x1=\"" + number(left) + "\" x2=\"" + number(width - right) + "\" y1=\"" + y +
               "\" y2=\"" + y + "\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>\n";
        out += "<text x=\"" + number(left - 6) + "\" y=\"" + number(y_of(v) + 4) +
               "\" text-anchor=\"end\" font-size=\"12\" fill=\"#222222\">" + format_figure(v) +
               "</text>\n";
    }
    out += "<text transform=\"translate(14 " + number(top + plot_height / 2) +
           ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" fill=\"#222222\">" +
           escape_entities(c.unit) + "</text>\n";
    out += "<line x1=\"" + number(left) + "\" x2=\"" + number(width - right) + "\" y1=\"" +
           number(plot_bottom) + "\" y2=\"" + number(plot_bottom) +
           "\" stroke=\"#222222\" stroke-width=\"1\"/>\n";

    // The x axis: at most ten period labels, evenly spaced.
    const std::size_t every = (c.categories.size() + most_labels - 1) / most_labels;
    for (std::size_t i = 0; i < c.categories.size(); i += std::max<std::size_t>(every, 1)) {
        out += "<text x=\"" + number(x_centre(i)) + "\" y=\"" + number(plot_bottom + 18) +
               "\" text-anchor=\"middle\" font-size=\"12\" fill=\"#222222\">" +
               escape_entities(c.categories[i]) + "</text>\n";
    }

    // The marks.
    const double bar_room = slot * 0.8;
    for (std::size_t i = 0; i < c.categories.size(); ++i) {
        double stacked = 0;
        for (std::size_t k = 0; k < c.series.size(); ++k) {
            const auto& s = c.series[k];
            const auto v = value_at(s, i);
            if (!v || c.shape == chart::style::lines) continue;
            double x = x_centre(i) - bar_room / 2;
            double w = bar_room;
            double base = 0;
            if (c.shape == chart::style::grouped_bars) {
                w = bar_room / static_cast<double>(c.series.size());
                x += w * static_cast<double>(k);
            } else {
                base = stacked;
                stacked += std::max(*v, 0.0);
            }
            const double y = y_of(base + std::max(*v, 0.0));
            out += "<rect x=\"" + number(x) + "\" y=\"" + number(y) + "\" width=\"" +
                   number(std::max(w - 1, 1.0)) + "\" height=\"" + number(y_of(base) - y) +
                   "\" fill=\"" + colour(k) + "\">" + mark_title(c, s, i, *v) + "</rect>\n";
        }
    }
    if (c.shape == chart::style::lines) {
        for (std::size_t k = 0; k < c.series.size(); ++k) {
            const auto& s = c.series[k];
            std::string points;  // the current unbroken run
            const auto flush = [&] {
                if (points.find(' ') != std::string::npos) {
                    out += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" +
                           colour(k) + "\" stroke-width=\"2\"/>\n";
                }
                points.clear();
            };
            for (std::size_t i = 0; i < c.categories.size(); ++i) {
                const auto v = value_at(s, i);
                if (!v) {
                    flush();
                    continue;
                }
                if (!points.empty()) points += ' ';
                points += number(x_centre(i)) + "," + number(y_of(*v));
            }
            flush();
            for (std::size_t i = 0; i < c.categories.size(); ++i) {
                const auto v = value_at(s, i);
                if (!v) continue;
                out += "<circle cx=\"" + number(x_centre(i)) + "\" cy=\"" + number(y_of(*v)) +
                       "\" r=\"3\" fill=\"" + colour(k) + "\">" + mark_title(c, s, i, *v) +
                       "</circle>\n";
            }
        }
    }

    // The legend, one row under the axis labels.
    double x = left;
    for (std::size_t k = 0; k < c.series.size(); ++k) {
        const auto y = plot_bottom + 44;
        out += "<rect x=\"" + number(x) + "\" y=\"" + number(y - 10) +
               "\" width=\"12\" height=\"12\" fill=\"" + colour(k) + "\"/>\n";
        out += "<text x=\"" + number(x + 16) + "\" y=\"" + number(y) +
               "\" font-size=\"12\" fill=\"#222222\">" + escape_entities(c.series[k].name) +
               "</text>\n";
        x += 28 + 7 * static_cast<double>(c.series[k].name.size());
    }
    out += "</svg>\n";
    return out;
}

std::string chart_table(const chart& c) {
    std::string out = "<table class=\"figures\">\n<caption>" + escape_entities(c.title) + " (" +
                      escape_entities(c.unit) +
                      ")</caption>\n<thead><tr><th scope=\"col\">Period</th>";
    for (const auto& s : c.series) out += "<th scope=\"col\">" + escape_entities(s.name) + "</th>";
    out += "</tr></thead>\n<tbody>\n";
    for (std::size_t i = 0; i < c.categories.size(); ++i) {
        out += "<tr><th scope=\"row\">" + escape_entities(c.categories[i]) + "</th>";
        for (const auto& s : c.series) {
            const auto v = value_at(s, i);
            out += "<td>" + (v ? format_figure(*v) : std::string("–")) + "</td>";
        }
        out += "</tr>\n";
    }
    return out + "</tbody>\n</table>\n";
}

std::string chart_csv(const chart& c) {
    std::string out = "period";
    for (const auto& s : c.series) out += "," + csv_field(s.name);
    out += "\r\n";
    for (std::size_t i = 0; i < c.categories.size(); ++i) {
        out += csv_field(c.categories[i]);
        for (const auto& s : c.series) {
            const auto v = value_at(s, i);
            out += "," + (v ? format_figure(*v) : std::string());
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace scribe::web
