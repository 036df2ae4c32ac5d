// The short plain texts the bot answers `!timeline` and `!incident` with in chat.
#include "bot/render/detail.hpp"
#include "bot/render/render.hpp"

namespace scribe::render {
namespace {

std::string heading(const model::incident& incident) {
    return "#" + std::to_string(incident.id) + " " +
           detail::one_line(detail::display_title(incident));
}

std::string entry_line(const model::timeline_entry& e, const std::string& when) {
    std::string text = detail::one_line(e.text);
    if (!e.url.empty()) text += (text.empty() ? "" : " ") + detail::one_line(e.url);
    if (!e.history.empty()) text += " (edited)";
    return "#" + std::to_string(e.number) + " " + when + " " +
           detail::one_line(detail::display_name(e.author)) + ": " + text;
}

}  // namespace

std::string timeline_text(const model::incident& incident, const options& opts) {
    const auto ctx = detail::make_context(incident, opts);
    const auto& zone = opts.zone;
    std::string out = "Timeline of " + heading(incident) + " (" + zone.name();
    if (!ctx.timeline.empty()) {
        out += ", from " + detail::format_date(zone.local_date(ctx.timeline.front()->happened_at));
    }
    out += ")\n";
    std::optional<model::timestamp> previous;
    for (const auto* e : ctx.timeline) {
        if (!detail::is_live(*e)) continue;
        // HH:MM, with the date only when a line starts a new local day.
        const bool new_day =
            previous && zone.local_date(*previous) != zone.local_date(e->happened_at);
        const std::string when =
            new_day ? zone.format_date_time(e->happened_at) : zone.format_time(e->happened_at);
        out += entry_line(*e, when) + "\n";
        previous = e->happened_at;
    }
    return out;
}

std::string summary_text(const model::incident& incident, const options& opts) {
    const auto ctx = detail::make_context(incident, opts);
    const auto& zone = opts.zone;
    std::string out = heading(incident) + "\n";

    out += detail::severity_label(incident.level) + " · " +
           std::string(model::to_string(incident.current)) + " · ";
    if (incident.roles.empty()) {
        out += "no roles assigned yet (!role ic <user>)";
    } else {
        std::vector<std::string> roles;
        for (const auto& [role, holder] : incident.roles) {
            roles.push_back(detail::lower_first(detail::role_label(role)) + ": " +
                            detail::one_line(detail::display_name(holder)));
        }
        out += detail::join(roles, ", ", ", ");
    }
    out += "\n";

    const auto start = incident.started_at();
    std::vector<std::string> marks{"started " + detail::local_date_time(zone, start)};
    std::vector<std::string> missing;
    for (const auto& spec : detail::metric_specs) {
        const auto& mark = incident.marks.*(spec.needs->field);
        const auto& value = ctx.metrics.*spec.field;
        if (!mark) {
            missing.push_back(std::string(spec.needs->command));
            continue;
        }
        if (!value) {
            marks.push_back(detail::lower_first(spec.needs->label) + " " +
                            detail::local_time_near(zone, mark->at, start) +
                            " (before the start: no " + detail::upper(spec.key) + ")");
            continue;
        }
        marks.push_back(detail::lower_first(spec.needs->label) + " " +
                        detail::local_time_near(zone, mark->at, start) + " (" +
                        detail::upper(spec.key) + " " + model::format_span(*value) + ")");
    }
    out += detail::upper_first(detail::join(marks, " · ", " · ")) + "\n";
    if (!missing.empty()) out += "Not recorded yet: " + detail::join(missing, ", ", ", ") + "\n";
    for (const auto& text : detail::conflict_texts(ctx)) out += "Conflict: " + text + "\n";

    const auto actions = detail::live_items(incident.actions);
    out += detail::counted(detail::live_entry_count(ctx), "timeline entry", "timeline entries") +
           " · " +
           detail::counted(detail::live_items(incident.sitreps).size(), "SitRep", "SitReps") +
           " · " + detail::counted(actions.size(), "action item", "action items") + " (" +
           std::to_string(detail::open_action_count(ctx)) + " open)\n";
    return out;
}

}  // namespace scribe::render
