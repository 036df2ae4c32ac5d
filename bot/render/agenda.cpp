// The retro agenda the facilitator sends the day before: the meeting's flow with time boxes,
// the timeline, and the questions the log leaves open.
#include "bot/render/detail.hpp"
#include "bot/render/render.hpp"

namespace scribe::render {
namespace {

using detail::context;

std::string check_in(const context&) {
    return "Everyone says briefly how they arrive. Always assume good intent: defensiveness "
           "kills retrospection.\n";
}

std::string summary_part(const context& ctx) {
    if (const auto lead = detail::most_involved(ctx)) {
        return "**" + escape_markdown(detail::display_name(lead->who)) +
               "**, the most involved responder (" +
               detail::counted(lead->entries, "timeline entry", "timeline entries") +
               "), gives a brief summary of what happened. Then read the room: is everyone "
               "engaged?\n";
    }
    return "The incident commander gives a brief summary of what happened.\n";
}

std::string impact_part(const context& ctx) {
    return detail::impact_section(ctx) +
           "\nBe compassionate for our customers: what did this mean for them?\n";
}

std::string timeline_part(const context& ctx) {
    std::string out =
        "Walk through what happened; add what is missing, correct what is wrong. Edits and "
        "retracted entries are in the postmortem draft.\n\n";
    detail::time_column when(ctx.opts.zone);
    for (const auto* entry : ctx.timeline) {
        if (!detail::is_live(*entry)) continue;
        out += "- **" + when(entry->happened_at) + "** " +
               escape_markdown(detail::display_name(entry->author)) + ": " +
               detail::entry_markdown(ctx, *entry, false) + " (#" + std::to_string(entry->number) +
               ")\n";
    }
    return out;
}

std::string discussion_part(const context& ctx) {
    const auto& inc = ctx.incident;
    const auto whys = detail::live_items(inc.whys);
    std::string out = "Pick the point to start from and dive in.";
    if (!whys.empty()) out += " For each why: is it right, and what made it possible?";
    out += "\n\n";
    for (std::size_t i = 0; i < whys.size(); ++i) {
        out += "- Why " + std::to_string(i + 1) + ": " + escape_markdown(whys[i]->text) + "\n";
    }
    for (const auto& text : detail::conflict_texts(ctx)) {
        out += "- The markers disagree: " + text + ". Which is right?\n";
    }
    for (const auto& spec : detail::marker_specs) {
        if (spec.question.empty() || inc.marks.*spec.field) continue;
        out += "- " + detail::upper_first(spec.question) + " No " +
               detail::lower_first(spec.label) + " time recorded (" + detail::code(spec.command) +
               ").\n";
    }
    if (!detail::live_item(inc.cause)) {
        out += "- What made it stop working? No cause recorded (" +
               detail::code("!cause <origin> <text>") + ").\n";
    }
    if (!detail::live_item(inc.resolution)) {
        out +=
            "- How did we fix it? No fix recorded (" + detail::code("!fix <type> <text>") + ").\n";
    }
    if (whys.empty()) {
        out +=
            "- What led to it breaking? No whys recorded (" + detail::code("!why <text>") + ").\n";
    }
    out += "- If you reach \"human error\", keep digging.\n";
    return out;
}

std::string remediation_part(const context& ctx) {
    return detail::actions_section(ctx) +
           "\nA long list of remediation items is a good sign: from \"fix a typo\" to "
           "\"re-architect the platform\". Not every one gets done, but each one kept gets "
           "exactly one owner.\n";
}

std::string check_out(const context&) {
    return "Everyone says in a sentence what they take away. The facilitator confirms the "
           "owners of the action items and when the postmortem will be shared.\n";
}

// One step of the meeting: its heading, time box and what the agenda says for it.
struct agenda_item {
    std::string_view heading;
    int minutes;
    std::string (*body)(const context&);
};

constexpr agenda_item agenda_items[] = {
    {"Check-in", 5, check_in},
    {"What happened", 5, summary_part},
    {"Customer impact", 5, impact_part},
    {"Timeline", 10, timeline_part},
    {"Discussion", 15, discussion_part},
    {"Lessons learned", 10, detail::lessons_section},
    {"Remediation items", 10, remediation_part},
    {"Bar raiser", 5, detail::bar_raiser_section},
    {"Check-out", 5, check_out},
};

}  // namespace

std::string agenda_markdown(const model::incident& incident, const options& opts) {
    const auto ctx = detail::make_context(incident, opts);
    const auto& zone = opts.zone;

    int total = 0;
    for (const auto& item : agenda_items) total += item.minutes;

    std::string facilitator;
    if (const auto it = incident.roles.find("facilitator"); it != incident.roles.end()) {
        facilitator = escape_markdown(detail::display_name(it->second));
    } else {
        facilitator = "_to be chosen_ (" + detail::code("!role facilitator <user>") + ")";
    }
    std::vector<std::string> attendees;
    for (const auto& who : incident.participants()) {
        attendees.push_back(escape_markdown(detail::display_name(who)));
    }
    std::string state =
        severity_label(incident.level) + ", " + std::string(model::to_string(incident.current));
    if (const auto& mttr = ctx.metrics.time_to_resolve) {
        state += ", resolved after " + model::format_span(*mttr);
    }

    std::string out =
        "# Retro agenda: " + escape_markdown(detail::display_title(incident)) + "\n\n";
    out += "- **Incident:** #" + std::to_string(incident.id) + " (" + state + "), impact began " +
           detail::local_date_time(zone, incident.started_at()) + "\n";
    out += "- **Date:** " + format_date(zone.local_date(opts.generated_at)) + "\n";
    out += "- **Facilitator:** " + facilitator + "\n";
    out += "- **Attendees:** " + detail::join(attendees, ", ", ", ") + "\n";
    out += "- **Length:** " + std::to_string(total) + " minutes\n\n";
    out +=
        "Read the timeline before the meeting so it can start from context. The meeting is "
        "blameless: we look for what the system allowed, not for someone to blame.\n";

    int number = 0;
    for (const auto& item : agenda_items) {
        out += "\n## " + std::to_string(++number) + ". " + std::string(item.heading) + " (" +
               std::to_string(item.minutes) + " min)\n\n" + item.body(ctx);
    }
    return out;
}

}  // namespace scribe::render
