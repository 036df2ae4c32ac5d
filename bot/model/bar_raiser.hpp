// The bar raiser: what a facilitator holds the draft to before the retro. Whether the incident
// needs a postmortem at all, which action items will not get done as written, and where the
// analysis stopped short.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bot/model/incident.hpp"

namespace scribe::model {

struct bar_raiser_policy {
    // Impact past either of these (read from the `!impact` text: "3,400 users", "12%") calls
    // for a postmortem.
    std::int64_t impact_count = 100;
    double impact_percent = 1.0;
    // Resolution slower than this, per severity, calls for a postmortem.
    std::map<severity, duration> resolution_tolerance{{severity::sev1, std::chrono::hours{1}},
                                                      {severity::sev2, std::chrono::hours{4}},
                                                      {severity::sev3, std::chrono::hours{24}},
                                                      {severity::sev4, std::chrono::hours{72}}};
    // An action item due later than this after it was recorded is too big to get done.
    duration action_window = std::chrono::days{14};
    // Words of habit, not of change ("be careful next time"): lessons, not action items.
    std::vector<std::string> habitual{"be careful",         "be more careful", "remember to",
                                      "pay more attention", "pay attention",   "double-check",
                                      "double check",       "don't forget",    "do not forget",
                                      "try harder",         "be vigilant",     "take more care"};
    // Where a chain of whys that ends there has stopped too early.
    std::vector<std::string> human_error{"human error",      "someone forgot", "operator error",
                                         "operator mistake", "user error",     "forgot to",
                                         "careless",         "fat finger",     "fat-finger",
                                         "didn't notice",    "did not notice", "should have known"};
    // Words in `!impact` that say data was lost.
    std::vector<std::string> data_loss{"data loss", "data lost",    "lost data",    "data was lost",
                                       "rows lost", "records lost", "lost records", "lost rows",
                                       "corrupted", "unrecoverable"};
};

// One action item and why it will not get done as written.
struct flagged_action {
    std::int64_t number = 0;
    std::string owner;
    std::string text;
    std::vector<std::string> reasons;
};

// Something the draft lacks, and the command that records it.
struct missing_material {
    std::string what;
    std::string command;  // without the prefix: "impact <text>"
};

struct bar_raiser_review {
    // Why a postmortem is needed (seed criteria that matched); empty when none did.
    std::vector<std::string> needed_because;
    std::vector<flagged_action> actions;
    // The last why, when the chain ends at human error: keep digging.
    std::optional<std::string> stops_at_human_error;
    std::vector<missing_material> missing;
};

// Pure: the incident as folded, the policy, `now`, and the day it is where the team works (for
// due dates, which are days there).
bar_raiser_review review(const incident& state, const bar_raiser_policy& policy, timestamp now,
                         std::chrono::year_month_day today);

// The largest count and the largest percentage a text names ("3,400 users", "2.5k requests",
// "12% of checkouts"); 0 when it names none. Numbers that are times or dates are not counted.
struct named_amounts {
    std::int64_t count = 0;
    double percent = 0;
};
named_amounts amounts_in(std::string_view text);

}  // namespace scribe::model
