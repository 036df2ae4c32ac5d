// What the benchmark programs share: a workspace on the fake Slack, Scribe's environment for
// it, reading a process's memory, latencies from the fake's records, percentiles.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fakes/fake_slack.hpp"

namespace scribe::bench {

// A fake Slack with alice in `channels` incident channels named "<prefix>0", "<prefix>1"…,
// started, recording no envelopes and emitting no events for the bot's own API calls.
struct workspace {
    workspace(int channels, const std::string& prefix) {
        fakes::fake_slack_options options;
        options.keep_envelopes = false;
        options.emit_api_side_effect_events = false;
        slack = std::make_unique<fakes::fake_slack>(options);
        slack->add_user({"U0ALICE01", "alice", "Alice Example", "Alice"});
        for (int c = 0; c < channels; ++c) {
            ids.push_back(prefix + std::to_string(c));
            slack->add_channel({ids.back(), "inc-" + ids.back(), {"U0ALICE01"}});
        }
        slack->start();
    }

    std::unique_ptr<fakes::fake_slack> slack;
    std::vector<std::string> ids;
};

// `scribe run` against `slack`: its tokens, URL and CA, no mark reactions, warnings only.
inline std::vector<std::string> scribe_environment(const fakes::fake_slack& slack) {
    const auto& options = slack.options();
    return {"SCRIBE_SLACK_APP_TOKEN=" + options.app_token,
            "SCRIBE_SLACK_BOT_TOKEN=" + options.bot_token,
            "SCRIBE_SLACK_API_URL=" + slack.api_base_url(),
            "SCRIBE_TLS_CA_FILE=" + slack.ca_file().string(), "SCRIBE_SLACK_MARK_EMOJI=",
            "SCRIBE_LOG_LEVEL=warn"};
}

// A KiB figure of /proc/<pid>/status: "VmRSS:" now, "VmHWM:" the peak. -1 when unreadable.
inline long status_kib(pid_t pid, std::string_view field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
    }
    return -1;
}

inline double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

// Milliseconds from the fake handing each envelope to a link to the fake reading its ack, for
// the envelopes delivered from the `first_delivery`-th on.
inline std::vector<double> ack_latencies_ms(const fakes::fake_slack& slack,
                                            std::size_t first_delivery) {
    std::map<std::string, std::chrono::system_clock::time_point> delivered;
    const auto deliveries = slack.deliveries();
    for (std::size_t i = first_delivery; i < deliveries.size(); ++i) {
        delivered.emplace(deliveries[i].envelope_id, deliveries[i].at);
    }
    std::vector<double> latency;
    for (const auto& a : slack.acks()) {
        if (const auto it = delivered.find(a.envelope_id); it != delivered.end()) {
            latency.push_back(std::chrono::duration<double, std::milli>(a.at - it->second).count());
        }
    }
    return latency;
}

}  // namespace scribe::bench
