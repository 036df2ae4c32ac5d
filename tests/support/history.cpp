// Deterministic for a seed: the same options give the same events.
#include "tests/support/history.hpp"

#include <array>
#include <random>
#include <string>

#include "bot/model/zone.hpp"

namespace scribe::testing {
namespace {

using namespace std::chrono;
namespace p = model::payload;

constexpr std::array services{"checkout", "payments",      "search",  "login",
                              "catalog",  "notifications", "billing", "the API gateway"};
constexpr std::array symptoms{"errors", "latency",    "timeouts",
                              "outage", "stale data", "failed deploys"};
const std::array<model::person, 6> people{{{"console", "U1", "Ana Lima"},
                                           {"console", "U2", "Bo Chen"},
                                           {"console", "U3", "Carla Díaz"},
                                           {"console", "U4", "Dev Patel"},
                                           {"console", "U5", "Eli Novak"},
                                           {"console", "U6", "Fay O'Neil"}}};
constexpr std::array origins{model::cause_origin::code_change, model::cause_origin::config,
                             model::cause_origin::infrastructure,
                             model::cause_origin::external_dependency,
                             model::cause_origin::capacity};
constexpr std::array fixes{model::resolution_type::rollback, model::resolution_type::fix_forward,
                           model::resolution_type::scaling, model::resolution_type::config};
constexpr std::array detections{model::detection::monitoring, model::detection::customer,
                                model::detection::internal};

class incident_log {
  public:
    incident_log(std::int64_t id, std::vector<model::event>& out) : id_(id), out_(out) {}

    void add(model::timestamp at, const model::person& who, model::event_payload data) {
        model::event e;
        e.incident_id = id_;
        e.sequence = ++sequence_;
        e.occurred_at = at;
        e.recorded_at = std::max(at, latest_);
        latest_ = e.recorded_at;
        e.actor = who;
        e.source = {"console", "incident-" + std::to_string(id_),
                    "h" + std::to_string(id_) + "-" + std::to_string(sequence_), 0};
        e.data = std::move(data);
        out_.push_back(std::move(e));
    }
    std::int64_t last() const { return sequence_; }

  private:
    std::int64_t id_;
    std::int64_t sequence_ = 0;
    model::timestamp latest_{};
    std::vector<model::event>& out_;
};

}  // namespace

std::vector<model::event> generated_history(const history_options& options) {
    std::mt19937 random(options.seed);
    const auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
    };
    const auto chance = [&](double p) {
        return std::uniform_real_distribution<>(0, 1)(random) < p;
    };
    const auto minutes_between = [&](int low, int high) {
        return minutes{std::uniform_int_distribution<int>(low, high)(random)};
    };
    std::vector<model::event> out;
    const auto span = options.to - options.from;
    const auto n = std::max<std::size_t>(options.incidents, 1);
    for (std::size_t i = 0; i < n; ++i) {
        const double progress = n == 1 ? 1.0 : static_cast<double>(i) / static_cast<double>(n - 1);
        const auto declared = options.from + duration_cast<milliseconds>(span * progress);
        incident_log log(static_cast<std::int64_t>(i) + 1, out);
        // SEV1s and long resolutions grow rarer as the team learns.
        const double roll = std::uniform_real_distribution<>(0, 1)(random);
        const double sev1 = 0.14 - 0.09 * progress;
        const auto level = roll < sev1          ? model::severity::sev1
                           : roll < sev1 + 0.22 ? model::severity::sev2
                           : roll < 0.75        ? model::severity::sev3
                                                : model::severity::sev4;
        const auto& commander = people[pick(people.size())];
        std::string title =
            std::string(services[pick(services.size())]) + " " + symptoms[pick(symptoms.size())];
        if (i == 3) title = "Checkout <script>alert('x')</script> & \"quotes\"";
        log.add(declared, commander, p::declared{title, level});
        const auto started = declared - minutes_between(2, 40);
        log.add(started, commander, p::started_marked{});
        log.add(started + minutes_between(1, 20), commander,
                p::detected{detections[pick(detections.size())]});
        log.add(declared + minutes{1}, commander, p::role_assigned{"ic", commander});
        log.add(
            declared + minutes{3}, people[pick(people.size())],
            p::entry_added{model::entry_type::note, "Error rate up on " + title, {}, {}, {}, {}});
        if (i == 3) {
            log.add(declared + minutes{4}, commander,
                    p::entry_added{
                        model::entry_type::link, "a dashboard", {}, "javascript:alert(1)", {}, {}});
        }
        log.add(
            declared + minutes{10}, commander,
            p::sitrep_posted{"investigating", "some users see errors", "roll back", minutes{30}});
        const bool still_open = i + 3 >= n;
        if (!still_open) {
            const int slow = static_cast<int>(240 * (1.2 - progress));
            const auto mitigated = declared + minutes_between(5, 20 + slow);
            const auto resolved = mitigated + minutes_between(5, 30 + slow);
            log.add(mitigated, commander, p::status_changed{model::phase::mitigated});
            log.add(resolved, commander, p::status_changed{model::phase::resolved});
            log.add(resolved + minutes{5}, commander,
                    p::impact_set{std::to_string(50 + pick(5000)) + " users saw errors"});
            log.add(resolved + minutes{6}, commander,
                    p::cause_noted{origins[pick(origins.size())], "a change to " + title});
            log.add(resolved + minutes{7}, commander,
                    p::resolution_noted{fixes[pick(fixes.size())], "put it back"});
            log.add(resolved + minutes{8}, commander, p::why_added{"no alert on the error rate"});
            log.add(resolved + minutes{9}, commander,
                    p::lesson_added{model::lesson_kind::helped, "the runbook was current"});
            const auto day = model::zone::utc().local_date(resolved);
            const auto actions = 1 + pick(3);
            std::vector<std::int64_t> numbers;
            for (std::size_t a = 0; a < actions; ++a) {
                const auto due =
                    chance(0.1) ? std::nullopt
                                : std::optional(year_month_day(sys_days(day) + days{7 + pick(14)}));
                log.add(resolved + minutes{10 + static_cast<int>(a)}, commander,
                        p::action_added{
                            people[pick(people.size())],
                            chance(0.05) ? "be careful with deploys" : "add an alert for " + title,
                            due});
                numbers.push_back(log.last());
            }
            if (chance(0.05)) {
                log.add(resolved + minutes{20}, commander, p::security_flagged{"tokens in logs"});
            }
            if (chance(0.03))
                log.add(resolved + minutes{21}, commander, p::data_lost{"a few orders"});
            log.add(resolved + hours{2}, commander, p::status_changed{model::phase::closed});
            // Older action items are mostly done, the recent ones mostly open.
            for (const auto number : numbers) {
                if (chance(0.9 - 0.6 * progress)) {
                    log.add(resolved + days{3 + pick(20)}, commander,
                            p::action_updated{number, model::action_status::done});
                }
            }
        }
    }
    return out;
}

}  // namespace scribe::testing
