// Internals shared by the documents: escaping, names, local times, the markers behind the
// metrics, and the postmortem's section bodies that the agenda and templates reuse.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/model/conflicts.hpp"
#include "bot/model/incident.hpp"
#include "bot/render/render.hpp"

namespace scribe::render::detail {

// ---- escaping (escape.cpp) ----

// A YAML double-quoted scalar: quotes, backslashes, control characters and line breaks
// escaped, invalid UTF-8 replaced, so user text stays one value on one line.
std::string yaml_quote(std::string_view text);

// A Markdown link to `url` labelled with `label` (escaped), or both as plain escaped text
// when the URL is not linkable.
std::string markdown_link(std::string_view url, std::string_view label);

// User text for chat replies: one line, control characters as spaces, trimmed.
std::string one_line(std::string_view text);

// ---- words, names and times (common.cpp) ----

std::string code(std::string_view command);          // "`!why <text>`"
std::string not_recorded(std::string_view command);  // "not recorded — `!mitigated [time]`"
std::string lower_first(std::string_view text);
std::string upper_first(std::string_view text);
std::string upper(std::string_view text);
std::string counted(std::size_t n, std::string_view singular, std::string_view plural);
// "a, b and c" with separator ", " and last_separator " and ".
std::string join(const std::vector<std::string>& parts, std::string_view separator,
                 std::string_view last_separator);

// A person as documents name them: the display name, else the platform id.
std::string display_name(const model::person& who);

// "Incident commander" for "ic"; custom roles as their own name.
std::string role_label(std::string_view role);

// The roles every incident should have, in the order documents list them.
inline constexpr std::array<std::string_view, 4> standard_roles{"ic", "comms", "scribe",
                                                                "facilitator"};

// The lesson groups of the retro, in the order it discusses them.
inline constexpr std::array<model::lesson_kind, 4> lesson_kinds{
    model::lesson_kind::helped, model::lesson_kind::slowed, model::lesson_kind::differently,
    model::lesson_kind::learned};

std::int64_t whole_seconds(model::duration d);             // truncated toward zero

// A local time with its UTC offset, so DST changes and backdating stay unambiguous:
// "2026-03-29 01:38 +01:00".
std::string local_date_time(const model::zone& zone, model::timestamp t);
// The same, without the date when it falls on the same local day as `reference`.
std::string local_time_near(const model::zone& zone, model::timestamp t,
                            model::timestamp reference);

// Times down a column or list: the date only where the local day changes, the offset always.
class time_column {
public:
    explicit time_column(const model::zone& zone) : zone_(zone) {}
    std::string operator()(model::timestamp t) {
        std::string out =
            previous_ ? local_time_near(zone_, t, *previous_) : local_date_time(zone_, t);
        previous_ = t;
        return out;
    }

private:
    const model::zone& zone_;
    std::optional<model::timestamp> previous_;
};

// ---- markers and metrics ----

// One marker behind the metrics: its name (front matter key `<name>_at`), how documents
// label it, the command that records it, and what the retro asks while it is missing.
// Commands carry no `|`: it would split a Markdown table cell even inside a code span.
struct marker_spec {
    std::string_view name;
    std::string_view label;
    std::string_view command;
    std::string_view question;
    std::optional<model::marker> model::markers::*field;
};

inline constexpr std::array<marker_spec, 5> marker_specs{{
    {"started", "Started", "!started <time>", "did impact begin before the declaration?",
     &model::markers::started},
    {"detected", "Detected", "!detected <how> [time]", "when and how did we first notice?",
     &model::markers::detected},
    {"mitigated", "Mitigated", "!mitigated [time]", "when did the impact on users stop?",
     &model::markers::mitigated},
    {"resolved", "Resolved", "!resolved [time]", "when was it fully resolved?",
     &model::markers::resolved},
    {"closed", "Closed", "!close", "", &model::markers::closed},
}};

// One metric: its key (front matter and JSON `<key>_seconds`), label, and the marker it needs.
struct metric_spec {
    std::string_view key;
    std::string_view label;
    const marker_spec* needs;
    std::optional<model::duration> model::metrics::*field;
};

inline constexpr std::array<metric_spec, 3> metric_specs{{
    {"mttd", "Time to detect (MTTD)", &marker_specs[1], &model::metrics::time_to_detect},
    {"mttm", "Time to mitigate", &marker_specs[2], &model::metrics::time_to_mitigate},
    {"mttr", "Time to resolve (MTTR)", &marker_specs[3], &model::metrics::time_to_resolve},
}};

// ---- what the documents read (common.cpp) ----

bool is_live(const model::recorded_item& item);

// The live items of a list, in recording order.
template <class Item>
std::vector<const Item*> live_items(const std::vector<Item>& items) {
    std::vector<const Item*> out;
    for (const auto& item : items) {
        if (is_live(item)) out.push_back(&item);
    }
    return out;
}

// The item unless it is missing or retracted.
const model::text_item* live_item(const std::optional<model::text_item>& item);

// The classifications a document may state: each only while the item or marker behind it
// stands (a retracted cause leaves no origin).
std::optional<model::cause_origin> origin_of(const model::incident& incident);
std::optional<model::resolution_type> resolution_of(const model::incident& incident);
std::optional<model::detection> detection_of(const model::incident& incident);

// Everything a document needs, derived once from the incident.
struct context {
    const model::incident& incident;
    const options& opts;
    model::metrics metrics;
    // By happened_at, ties by number; retracted entries included.
    std::vector<const model::timeline_entry*> timeline;
    model::impact_start start;
    std::vector<model::conflict> conflicts;
};

// How the impact start was found, for a reader: "the declaration", "the detection (#2), the
// earliest marker", "`!started` (#5)".
std::string start_basis(const context& ctx);

// Each conflict in words, with local times near the impact start.
std::vector<std::string> conflict_texts(const context& ctx);

// Why a metric has no figure: its marker is missing, or contradicts the start.
std::string missing_metric(const context& ctx, const metric_spec& spec);

context make_context(const model::incident& incident, const options& opts);

std::string display_title(const model::incident& incident);  // "Incident #42" when untitled

std::size_t live_entry_count(const context& ctx);
std::size_t open_action_count(const context& ctx);

// The participant with the most live timeline entries (first in order of appearance on a
// tie): the one who summarises the incident at the retro.
struct involvement {
    model::person who;
    std::size_t entries = 0;
};
std::optional<involvement> most_involved(const context& ctx);

// ---- Markdown building blocks (postmortem.cpp) ----

// What an empty section says: that nothing is there, what to bring, and the command.
std::string ask(std::string_view what, std::string_view command = {});
// The same request where there is material, but not yet enough.
std::string bring(std::string_view what, std::string_view command = {});

// A timeline entry's text as Markdown: escaped text, links, and, when `corrections`, its
// edit history and retraction.
std::string entry_markdown(const context& ctx, const model::timeline_entry& entry,
                           bool corrections);

// " _(#12, Ben Okafor)_": where a recorded item came from, so the retro knows whom to ask.
std::string provenance(const model::recorded_item& item);

// The YAML front matter, `---` to `---`.
std::string front_matter(const context& ctx);

// One section of the postmortem: its template key, heading and Markdown body.
struct section {
    std::string_view key;
    std::string_view heading;
    std::string body;
};

// Every section of the draft in order; Security only when the incident is flagged.
std::vector<section> postmortem_sections(const context& ctx);

// Section bodies the agenda reuses.
std::string impact_section(const context& ctx);
std::string lessons_section(const context& ctx);
std::string actions_section(const context& ctx);
// Whether a postmortem is needed, which action items will not get done, where the analysis
// stopped short (model/bar_raiser.hpp).
std::string bar_raiser_section(const context& ctx);

}  // namespace scribe::render::detail
