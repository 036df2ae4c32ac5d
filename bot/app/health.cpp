// Readiness as JSON and metrics in the Prometheus text exposition format.
#include "bot/app/health.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "bot/model/time.hpp"

namespace scribe::app {
namespace {

using adapters::latency_histogram;

std::string number(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", value);
    return buf;
}

// Label values escape \, " and newlines (text format 0.0.4).
std::string label(const std::string& name, const std::string& value) {
    std::string out = name + "=\"";
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

struct exposition {
    std::string text;

    void family(const std::string& name, const char* type, const char* help) {
        text += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    }
    void sample(const std::string& name, const std::string& labels, double value) {
        text += name + (labels.empty() ? "" : "{" + labels + "}") + " " + number(value) + "\n";
    }
    void histogram(const std::string& name, const std::string& labels,
                   const latency_histogram& h) {
        const std::string sep = labels.empty() ? "" : labels + ",";
        for (std::size_t i = 0; i < latency_histogram::bounds.size(); ++i) {
            sample(name + "_bucket", sep + label("le", number(latency_histogram::bounds[i])),
                   static_cast<double>(h.cumulative(i)));
        }
        sample(name + "_bucket", sep + label("le", "+Inf"), static_cast<double>(h.count()));
        sample(name + "_sum", labels, h.sum());
        sample(name + "_count", labels, static_cast<double>(h.count()));
    }
};

template <class Value>
Value value_for(const std::map<std::string, Value>& by_platform, const std::string& platform) {
    const auto it = by_platform.find(platform);
    return it == by_platform.end() ? Value{} : it->second;
}

}  // namespace

std::string metrics_text(const health_snapshot& now) {
    exposition out;
    const auto per_platform = [&](const std::string& name, const char* type, const char* help,
                                  auto value) {
        out.family(name, type, help);
        for (const auto& p : now.platforms) {
            out.sample(name, label("platform", p.name), static_cast<double>(value(p)));
        }
    };
    per_platform("scribe_platform_connected", "gauge", "1 while the platform's link is up.",
                 [](const platform_health& p) { return p.link.connected ? 1 : 0; });
    per_platform("scribe_platform_outages_total", "counter",
                 "Times the platform was lost, or could not be reached.",
                 [](const platform_health& p) { return p.link.outages; });
    per_platform("scribe_events_received_total", "counter", "Events received from the platform.",
                 [](const platform_health& p) { return p.stats.received; });
    per_platform("scribe_events_acked_total", "counter",
                 "Events confirmed to the platform as durably handled.",
                 [](const platform_health& p) { return p.stats.acked; });
    const router_stats& router = now.router;
    per_platform("scribe_events_recorded_total", "counter", "Events stored in incidents.",
                 [&](const platform_health& p) { return value_for(router.recorded, p.name); });
    per_platform("scribe_events_deduplicated_total", "counter",
                 "Redelivered events recognised and stored once.",
                 [&](const platform_health& p) { return value_for(router.deduplicated, p.name); });
    per_platform("scribe_reconnects_total", "counter", "Links to the platform opened again.",
                 [](const platform_health& p) { return p.stats.reconnects; });
    per_platform("scribe_rate_limit_waits_total", "counter",
                 "Waits the platform asked for by rate limiting.",
                 [](const platform_health& p) { return p.stats.rate_limit_waits; });

    out.family("scribe_ack_latency_seconds", "histogram",
               "From an event's arrival to its acknowledgement.");
    for (const auto& p : now.platforms) {
        out.histogram("scribe_ack_latency_seconds", label("platform", p.name), p.stats.ack_latency);
    }
    out.family("scribe_reply_latency_seconds", "histogram",
               "From a command's arrival to its reply being handed to the platform.");
    for (const auto& p : now.platforms) {
        out.histogram("scribe_reply_latency_seconds", label("platform", p.name),
                      value_for(router.reply_latency, p.name));
    }
    out.family("scribe_store_commit_seconds", "histogram", "From append to durable commit.");
    out.histogram("scribe_store_commit_seconds", "", router.commit_latency);
    out.family("scribe_store_failures_total", "counter", "Appends the store could not commit.");
    out.sample("scribe_store_failures_total", "", static_cast<double>(router.store_failures));
    if (now.replica) {
        out.family("scribe_replica_active", "gauge",
                   "1 while this replica holds the store's lease, 0 while it stands by.");
        out.sample("scribe_replica_active", "", now.replica->role == "active" ? 1.0 : 0.0);
        out.family("scribe_lease_epoch", "gauge", "The lease epoch this replica took (0: none).");
        out.sample("scribe_lease_epoch", "", static_cast<double>(now.replica->epoch));
        out.family("scribe_takeovers_total", "counter",
                   "Times this replica took the lease after another one had held it.");
        out.sample("scribe_takeovers_total", "", now.replica->took_over ? 1.0 : 0.0);
        out.family("scribe_store_reconnects_total", "counter",
                   "Times the store's writer connected to PostgreSQL again after losing it.");
        out.sample("scribe_store_reconnects_total", "",
                   static_cast<double>(now.replica->store_reconnects));
    }
    out.family("scribe_open_incidents", "gauge", "Incidents declared and not closed.");
    out.sample("scribe_open_incidents", "", static_cast<double>(router.open_incidents));
    return out.text;
}

adapters::net::http_answer answer_probe(const std::string& target, const health_snapshot& now) {
    const std::string path = target.substr(0, target.find('?'));
    if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
    if (path == "/metrics") {
        return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_text(now)};
    }
    if (path == "/readyz") {
        nlohmann::json body;
        bool ready = now.store_problem.empty();
        body["store"] = ready ? "ok" : now.store_problem;
        nlohmann::json platforms = nlohmann::json::object();
        for (const auto& p : now.platforms) {
            nlohmann::json state;
            state["state"] = p.link.connected ? "connected" : "not connected";
            if (p.link.since != std::chrono::system_clock::time_point{}) {
                state["since"] = model::format_utc(
                    std::chrono::time_point_cast<std::chrono::milliseconds>(p.link.since));
            }
            if (!p.link.connected && !p.link.problem.empty()) state["problem"] = p.link.problem;
            state["outages"] = p.link.outages;
            platforms[p.name] = std::move(state);
            ready = ready && p.link.connected;
        }
        body["platforms"] = std::move(platforms);
        if (now.replica) {
            body["role"] = now.replica->role;
            body["lease_epoch"] = now.replica->epoch;
            ready = ready && now.replica->role == "active";
        }
        body["ready"] = ready;
        return {ready ? 200u : 503u, "application/json", body.dump() + "\n"};
    }
    return {404, "text/plain; charset=utf-8", "not found: try /healthz, /readyz or /metrics\n"};
}

}  // namespace scribe::app
