// What `scribe run` tells its operator over HTTP: liveness, readiness and Prometheus metrics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "adapters/net/http_server.hpp"
#include "adapters/stats.hpp"
#include "bot/app/router.hpp"

namespace scribe::app {

struct platform_health {
    std::string name;  // "slack", "matrix"
    adapters::link_status link;
    adapters::adapter_stats stats;
};

struct health_snapshot {
    std::vector<platform_health> platforms;
    router_stats router;
    std::string store_problem;  // empty when the store takes writes
};

// GET /healthz: the process is up. /readyz: 200 when the store takes writes and every
// configured platform is connected, else 503; JSON saying which part is not, since when and
// why. /metrics: the Prometheus text format (version 0.0.4).
adapters::net::http_answer answer_probe(const std::string& target, const health_snapshot& now);

std::string metrics_text(const health_snapshot& now);

}  // namespace scribe::app
