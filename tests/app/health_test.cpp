// Readiness and the Prometheus text the health listener serves.
#include "bot/app/health.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace scribe;
using namespace std::chrono_literals;

namespace {

app::health_snapshot sample(const app::router_stats& router) {
    app::health_snapshot now;
    adapters::adapter_stats slack;
    slack.received = 7;
    slack.acked = 6;
    slack.reconnects = 1;
    slack.ack_latency.observe(800us);
    slack.ack_latency.observe(3ms);
    adapters::link_status up;
    up.connected = true;
    up.since = std::chrono::system_clock::time_point{std::chrono::hours(493'000)};
    adapters::link_status down;
    down.since = up.since;
    down.problem = "connect to matrix.example.org:443: Connection refused";
    down.outages = 3;
    now.platforms.push_back({"slack", up, slack});
    now.platforms.push_back({"matrix", down, {}});
    now.router = router;
    now.router.open_incidents = 2;
    return now;
}

}  // namespace

TEST_CASE("metrics in the Prometheus text format, per platform") {
    app::router_stats router;
    router.recorded["slack"] = 5;
    router.deduplicated["slack"] = 1;
    router.commit_latency.observe(2ms);
    const auto text = app::metrics_text(sample(router));
    CHECK(text.find("# TYPE scribe_events_received_total counter\n") != std::string::npos);
    CHECK(text.find("scribe_events_received_total{platform=\"slack\"} 7\n") != std::string::npos);
    CHECK(text.find("scribe_events_received_total{platform=\"matrix\"} 0\n") != std::string::npos);
    CHECK(text.find("scribe_events_acked_total{platform=\"slack\"} 6\n") != std::string::npos);
    CHECK(text.find("scribe_events_recorded_total{platform=\"slack\"} 5\n") != std::string::npos);
    CHECK(text.find("scribe_events_deduplicated_total{platform=\"slack\"} 1\n") !=
          std::string::npos);
    CHECK(text.find("scribe_reconnects_total{platform=\"slack\"} 1\n") != std::string::npos);
    CHECK(text.find("scribe_platform_connected{platform=\"matrix\"} 0\n") != std::string::npos);
    // Buckets are cumulative and end in +Inf, which equals the count.
    CHECK(text.find("scribe_ack_latency_seconds_bucket{platform=\"slack\",le=\"0.0005\"} 0\n") !=
          std::string::npos);
    CHECK(text.find("scribe_ack_latency_seconds_bucket{platform=\"slack\",le=\"0.001\"} 1\n") !=
          std::string::npos);
    CHECK(text.find("scribe_ack_latency_seconds_bucket{platform=\"slack\",le=\"0.005\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("scribe_ack_latency_seconds_bucket{platform=\"slack\",le=\"+Inf\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("scribe_ack_latency_seconds_count{platform=\"slack\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("scribe_store_commit_seconds_count 1\n") != std::string::npos);
    CHECK(text.find("scribe_open_incidents 2\n") != std::string::npos);
}

TEST_CASE("readiness names what is not ready") {
    app::router_stats router;
    auto now = sample(router);
    auto answer = app::answer_probe("/readyz", now);
    CHECK(answer.status == 503);
    auto body = nlohmann::json::parse(answer.body);
    CHECK(body.at("ready") == false);
    const auto& matrix = body.at("platforms").at("matrix");
    CHECK(matrix.at("state") == "not connected");
    CHECK(matrix.at("since") == "2026-03-29T16:00:00.000Z");
    CHECK(matrix.at("problem") == "connect to matrix.example.org:443: Connection refused");
    CHECK(matrix.at("outages") == 3);
    CHECK(body.at("platforms").at("slack").at("state") == "connected");
    CHECK_FALSE(body.at("platforms").at("slack").contains("problem"));
    CHECK(body.at("store") == "ok");
    CHECK(app::metrics_text(now).find("scribe_platform_outages_total{platform=\"matrix\"} 3\n") !=
          std::string::npos);

    now.platforms[1].link.connected = true;
    CHECK(app::answer_probe("/readyz", now).status == 200);
    now.store_problem = "disk full";
    answer = app::answer_probe("/readyz", now);
    CHECK(answer.status == 503);
    CHECK(nlohmann::json::parse(answer.body).at("store") == "disk full");

    CHECK(app::answer_probe("/healthz", now).status == 200);
    CHECK(app::answer_probe("/metrics?x=1", now).content_type.find("version=0.0.4") !=
          std::string::npos);
    CHECK(app::answer_probe("/admin", now).status == 404);
}
