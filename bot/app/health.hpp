// What `scribe run` tells its operator over HTTP: liveness, readiness and Prometheus metrics.
#pragma once

#include <cstdint>
#include <optional>
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

// A replica on a shared (PostgreSQL) store.
struct replica_health {
    std::string role;        // "active" or "standby"
    std::int64_t epoch = 0;  // the lease's, once taken
    bool took_over = false;  // took the lease after another replica held it
    std::uint64_t store_reconnects = 0;  // times the store's writer connected again
};

struct health_snapshot {
    std::vector<platform_health> platforms;
    router_stats router;
    std::string store_problem;  // empty when the store takes writes
    std::optional<replica_health> replica;  // none on SQLite
};

// GET /healthz: the process is up. /readyz: 200 when the store takes writes, this replica is
// the active one (on a shared store) and every configured platform is connected, else 503;
// JSON saying which part is not, since when and why, and the replica's role and lease epoch.
// /metrics: the Prometheus text format (version 0.0.4).
adapters::net::http_answer answer_probe(const std::string& target, const health_snapshot& now);

std::string metrics_text(const health_snapshot& now);

}  // namespace scribe::app
