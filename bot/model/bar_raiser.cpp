// The bar raiser's rules: seed 000's criteria for a postmortem, seed 001's for action items,
// and the "keep digging" rule for a chain of whys.
#include "bot/model/bar_raiser.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "bot/model/text.hpp"
#include "bot/model/time.hpp"

namespace scribe::model {
namespace {

std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The first of `phrases` the text holds, case-insensitively, as the list spells it.
std::optional<std::string> phrase_in(std::string_view text,
                                     const std::vector<std::string>& phrases) {
    const std::string haystack = lowered(text);
    for (const auto& phrase : phrases) {
        if (!phrase.empty() && haystack.find(lowered(phrase)) != std::string::npos) return phrase;
    }
    return std::nullopt;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Words after a number that make it a time, not an amount of impact.
bool time_unit(std::string_view word) {
    static constexpr std::array<std::string_view, 16> units{
        "s",      "sec",     "secs", "second", "seconds", "m",    "min",   "mins",
        "minute", "minutes", "h",    "hr",     "hrs",     "hour", "hours", "ms"};
    if (std::find(units.begin(), units.end(), word) != units.end()) return true;
    return word == "day" || word == "days" || word == "am" || word == "pm" || word == "utc";
}

// Recorded and not withdrawn.
bool live(const std::optional<text_item>& item) { return item && !item->retracted; }

void needed(bar_raiser_review& r, const incident& state, const bar_raiser_policy& policy,
            timestamp now) {
    if (live(state.resolution)) {
        r.needed_because.push_back("the fix was an intervention (" +
                                   std::string(to_string(state.resolution_kind)) + ")");
    }
    if (live(state.impact)) {
        const auto named = amounts_in(state.impact->text);
        if (named.count >= policy.impact_count) {
            r.needed_because.push_back("the impact names " + std::to_string(named.count) +
                                       ", past the threshold of " +
                                       std::to_string(policy.impact_count));
        }
        if (named.percent >= policy.impact_percent) {
            char text[96];
            std::snprintf(text, sizeof text, "the impact names %g%%, past the threshold of %g%%",
                          named.percent, policy.impact_percent);
            r.needed_because.emplace_back(text);
        }
        if (const auto lost = phrase_in(state.impact->text, policy.data_loss);
            lost && !state.data_lost()) {
            r.needed_because.push_back("data was lost (the impact says \"" + *lost + "\")");
        }
    }
    for (const auto& note : state.data_loss_notes) {
        if (note.retracted) continue;
        r.needed_because.push_back("data was lost (recorded with !dataloss: \"" + note.text +
                                   "\")");
        break;
    }
    const auto tolerance = policy.resolution_tolerance.find(state.level);
    if (tolerance != policy.resolution_tolerance.end()) {
        const std::string limit =
            format_span(tolerance->second) + " for " + std::string(to_string(state.level));
        if (const auto took = compute_metrics(state).time_to_resolve) {
            if (*took > tolerance->second) {
                r.needed_because.push_back("resolution took " + format_span(*took) +
                                           ", longer than the tolerance of " + limit);
            }
        } else if (!state.marks.resolved && now - state.started_at() > tolerance->second) {
            r.needed_because.push_back("unresolved after " + format_span(now - state.started_at()) +
                                       ", longer than the tolerance of " + limit);
        }
    }
}

void check_actions(bar_raiser_review& r, const incident& state, const bar_raiser_policy& policy,
                   std::chrono::year_month_day today) {
    for (const auto& action : state.actions) {
        if (action.retracted) continue;
        flagged_action flagged{action.number, action.owner.name, action.text, {}};
        const bool open = action.status == action_status::open;
        if (open && !action.due) flagged.reasons.push_back("no due date");
        if (open && action.due) {
            // In whole days: the due date is a day where the team works, the record a UTC time.
            const auto recorded = std::chrono::floor<std::chrono::days>(action.recorded_at);
            if (std::chrono::sys_days(*action.due) - recorded > policy.action_window) {
                flagged.reasons.push_back(
                    "due " + format_date(*action.due) + ", more than " +
                    std::to_string(
                        std::chrono::floor<std::chrono::days>(policy.action_window).count()) +
                    " days after it was recorded: split it, or have a lead own the exception");
            }
            if (*action.due < today) {
                flagged.reasons.push_back("overdue since " + format_date(*action.due));
            }
        }
        if (const auto habit = phrase_in(action.text, policy.habitual)) {
            flagged.reasons.push_back("habitual (\"" + *habit +
                                      "\"): a lesson to keep, not an action item to do");
        }
        if (!flagged.reasons.empty()) r.actions.push_back(std::move(flagged));
    }
}

void check_analysis(bar_raiser_review& r, const incident& state, const bar_raiser_policy& policy) {
    const text_item* last_why = nullptr;
    for (const auto& why : state.whys) {
        if (!why.retracted) last_why = &why;
    }
    if (last_why && phrase_in(last_why->text, policy.human_error)) {
        r.stops_at_human_error = last_why->text;
    }
    const auto lacks = [&](bool missing, std::string what, std::string command) {
        if (missing) r.missing.push_back({std::move(what), std::move(command)});
    };
    lacks(!live(state.impact), "the impact on users", "impact <what users saw>");
    lacks(!live(state.cause), "why it stopped working", "cause <origin> <text>");
    lacks(!live(state.resolution), "how it was fixed", "fix <type> <text>");
    lacks(!state.marks.detected, "when it was detected", "detected [how] [time]");
    lacks(!state.marks.mitigated, "when impact was mitigated", "mitigated [time]");
    lacks(!state.marks.resolved, "when it was resolved", "resolved [time]");
    lacks(!last_why, "what led to it (the whys)", "why <text>");
}

}  // namespace

named_amounts amounts_in(std::string_view text) {
    named_amounts found;
    std::size_t i = 0;
    while (i < text.size()) {
        if (!is_digit(text[i]) ||
            (i > 0 && (is_alnum(text[i - 1]) || text[i - 1] == '.' || text[i - 1] == ':' ||
                       text[i - 1] == '-' || text[i - 1] == '/' || text[i - 1] == '#'))) {
            ++i;
            continue;
        }
        double value = 0;
        double fraction = 0;
        std::size_t j = i;
        for (; j < text.size(); ++j) {
            if (is_digit(text[j])) {
                if (fraction > 0) {
                    value += (text[j] - '0') * fraction;
                    fraction /= 10;
                } else {
                    value = value * 10 + (text[j] - '0');
                }
            } else if (text[j] == ',' && fraction == 0 && j + 3 < text.size() &&
                       is_digit(text[j + 1]) && is_digit(text[j + 2]) && is_digit(text[j + 3]) &&
                       (j + 4 == text.size() || !is_digit(text[j + 4]))) {
                continue;  // a thousands separator
            } else if (text[j] == '.' && fraction == 0 && j + 1 < text.size() &&
                       is_digit(text[j + 1])) {
                fraction = 0.1;
            } else {
                break;
            }
        }
        std::size_t k = j;
        if (k < text.size() &&
            (text[k] == 'k' || text[k] == 'K' || text[k] == 'm' || text[k] == 'M') &&
            (k + 1 == text.size() || !is_alnum(text[k + 1]))) {
            value *= (text[k] == 'k' || text[k] == 'K') ? 1e3 : 1e6;
            ++k;
        }
        if (k < text.size() && text[k] == '%') {
            found.percent = std::max(found.percent, value);
            i = k + 1;
            continue;
        }
        if (k < text.size() && (text[k] == ':' || text[k] == '-' || text[k] == '/')) {
            i = k + 1;  // a time or a date
            continue;
        }
        std::size_t word_start = k;
        while (word_start < text.size() && text[word_start] == ' ') ++word_start;
        std::size_t word_end = word_start;
        while (word_end < text.size() && is_alnum(text[word_end])) ++word_end;
        const std::string word = lowered(text.substr(word_start, word_end - word_start));
        if (!word.empty() && !time_unit(word)) {
            // Capped well inside an int64: a typed number may be any length.
            constexpr double largest = 1e15;
            found.count =
                std::max(found.count, static_cast<std::int64_t>(std::min(value, largest)));
        }
        i = k;
    }
    return found;
}

bar_raiser_review review(const incident& state, const bar_raiser_policy& policy, timestamp now,
                         std::chrono::year_month_day today) {
    bar_raiser_review r;
    needed(r, state, policy, now);
    check_actions(r, state, policy, today);
    check_analysis(r, state, policy);
    return r;
}

}  // namespace scribe::model
