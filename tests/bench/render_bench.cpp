// Time to fold and render large incidents: the postmortem draft, the agenda and the JSON
// export of 1,000, 10,000 and 100,000 timeline entries; medians of five runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bot/model/incident.hpp"
#include "bot/render/render.hpp"

namespace {

using namespace scribe;
using bench_clock = std::chrono::steady_clock;

std::vector<model::event> incident_with(std::size_t entries) {
    const model::timestamp start{std::chrono::milliseconds{1'763'712'000'000}};
    std::vector<model::event> events;
    events.reserve(entries + 8);
    auto add = [&](model::timestamp at, model::person who, model::event_payload data) {
        model::event e;
        e.incident_id = 1;
        e.sequence = static_cast<std::int64_t>(events.size()) + 1;
        e.occurred_at = at;
        e.recorded_at = at;
        e.actor = std::move(who);
        e.source = {"slack", "C1", std::to_string(e.sequence), 0};
        e.data = std::move(data);
        events.push_back(std::move(e));
    };
    const std::vector<model::person> people{{"slack", "U1", "Ana Lopez"},
                                            {"slack", "U2", "Ben Okafor"},
                                            {"slack", "U3", "Chen Wei"},
                                            {"slack", "U4", "Dana Kim"}};
    add(start, people[0], model::payload::declared{"Checkout returns 502", model::severity::sev2});
    for (std::size_t i = 0; i < entries; ++i) {
        // Every tenth entry is backdated, so the timeline has to be sorted.
        const auto offset = std::chrono::seconds(static_cast<long>(i) * 3 - (i % 10 == 0 ? 600 : 0));
        add(start + offset, people[i % people.size()],
            model::payload::entry_added{model::entry_type::note,
                                        "Entry " + std::to_string(i) +
                                            ": error rate on checkout-api at 38% | eu-west-1 <pods>",
                                        {}, {}, {}});
    }
    add(start + std::chrono::hours(100), people[0],
        model::payload::status_changed{model::phase::mitigated});
    add(start + std::chrono::hours(101), people[0],
        model::payload::status_changed{model::phase::closed});
    return events;
}

template <class Work>
double median_ms(Work work) {
    std::vector<double> times;
    for (int run = 0; run < 5; ++run) {
        const auto begin = bench_clock::now();
        work();
        times.push_back(std::chrono::duration<double, std::milli>(bench_clock::now() - begin).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

}  // namespace

int main() {
    const render::options opts{*model::zone::locate("Europe/Berlin"),
                               model::timestamp{std::chrono::milliseconds{1'764'000'000'000}}};
    std::printf("%10s %10s %12s %10s %10s %10s %10s\n", "entries", "fold ms", "postmortem",
                "agenda", "json ms", "draft KiB", "json KiB");
    for (const std::size_t entries : {1'000u, 10'000u, 100'000u}) {
        const auto events = incident_with(entries);
        model::incident state;
        const double fold = median_ms([&] { state = model::fold(events); });
        std::size_t size = 0;
        const double draft = median_ms([&] { size = render::postmortem_markdown(state, opts).size(); });
        const double agenda = median_ms([&] { (void)render::agenda_markdown(state, opts); });
        std::size_t json_size = 0;
        const double json =
            median_ms([&] { json_size = render::incident_json(state, events, opts).size(); });
        std::printf("%10zu %10.1f %12.1f %10.1f %10.1f %10zu %10zu\n", entries, fold, draft, agenda,
                    json, size / 1024, json_size / 1024);
    }
    return 0;
}
