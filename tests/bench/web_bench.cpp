// The web view on 10,000 incidents over three years: each page answered by the site from the
// store's kept facts, median and slowest of fifteen runs, beside folding every incident's
// log for the same trends (what the pages would cost without the facts).
#include <chrono>
#include <cstdio>
#include <vector>

#include "bot/model/trends.hpp"
#include "bot/store/import.hpp"
#include "bot/store/sqlite_store.hpp"
#include "bot/web/site.hpp"
#include "tests/support/history.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace scribe;
using bench_clock = std::chrono::steady_clock;

struct timing {
    double median = 0;
    double slowest = 0;
};

template <class Work>
timing measure(int runs, Work work) {
    std::vector<double> times;
    for (int run = 0; run < runs; ++run) {
        const auto begin = bench_clock::now();
        work();
        times.push_back(
            std::chrono::duration<double, std::milli>(bench_clock::now() - begin).count());
    }
    std::sort(times.begin(), times.end());
    return {times[times.size() / 2], times.back()};
}

}  // namespace

int main() {
    testing::temp_dir dir;
    auto store = store::sqlite_store::open((dir / "scribe.db").string());
    testing::history_options history;
    history.incidents = 10'000;
    history.to =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    history.from = history.to - std::chrono::days{3 * 365};
    const auto events = testing::generated_history(history);
    const auto imported = measure(1, [&] { store->import_events(events); });
    std::printf("%zu incidents, %zu events imported in %.0f ms\n\n", history.incidents,
                events.size(), imported.median);

    web::site site(*store, {});
    std::printf("%-34s %10s %10s %10s\n", "page", "median ms", "slowest", "KiB");
    for (const char* target :
         {"/", "/?sev=sev1&status=closed&q=checkout", "/?page=50", "/incidents.csv",
          "/incidents/5000", "/actions", "/actions?state=all", "/trends", "/trends?by=week",
          "/trends/resolve.csv"}) {
        adapters::net::incoming_request request;
        request.method = "GET";
        request.target = target;
        request.peer = "127.0.0.1";
        std::size_t size = 0;
        const auto t = measure(15, [&] { size = site.answer(request).body.size(); });
        std::printf("%-34s %10.1f %10.1f %10zu\n", target, t.median, t.slowest, size / 1024);
    }

    // The same monthly trends by folding every incident, as before the facts were kept.
    const auto folded = measure(3, [&] {
        std::vector<model::incident_facts> facts;
        std::vector<model::event> log;
        store->for_each_event([&](const model::event& e) {
            if (!log.empty() && log.front().incident_id != e.incident_id) {
                facts.push_back(model::facts_of(model::fold(log)));
                log.clear();
            }
            log.push_back(e);
        });
        facts.push_back(model::facts_of(model::fold(log)));
        (void)model::trends(facts, model::trend_period::month,
                            [](model::timestamp t) { return model::zone::utc().local_date(t); });
    });
    std::printf("\ntrends by folding every incident: %.1f ms median\n", folded.median);
    return 0;
}
