// The chat replies: the timeline one line per entry, and the short summary.
#include <doctest/doctest.h>

#include "bot/render/render.hpp"
#include "tests/render/fixtures.hpp"

namespace scribe::render::test {

namespace p = model::payload;

TEST_CASE("timeline_text is one line per live entry, in order, in local time") {
    const auto text = timeline_text(checkout_story().fold(), berlin_options());
    CHECK(text.starts_with(
        "Timeline of #42 Checkout returns 502 for EU customers (Europe/Berlin, from 2026-03-29)\n"
        "#8 01:31 Ben Okafor: Deploy 2026.03.28-3 of checkout-api finished\n"
        "#4 01:38 Ana Lopez: Impact started\n"
        "#5 01:45 Ana Lopez: Detected (Monitoring alert)\n"
        "#7 01:50 Dana Kim: Support: 40+ tickets about failed payments in the last 20 minutes\n"));
    CHECK(text.find("#6 01:55 Ben Okafor: Error rate on checkout-api at 38%, only eu-west-1 pods "
                    "(edited)\n") != std::string::npos);
    CHECK(text.find("#10 03:00 Ben Okafor: Grafana: checkout-api errors by region "
                    "https://grafana.acme.example/d/checkout?orgId=1&var-region=eu-west-1\n") !=
          std::string::npos);
    CHECK(text.find("#16") == std::string::npos);  // retracted
    CHECK(text.ends_with("#34 04:10 Ana Lopez: Closed\n"));
}

TEST_CASE("timeline_text dates a line that starts a new local day") {
    auto log = bare_story();
    log.add(ben(), "2026-11-22T00:15:00Z",
            p::entry_added{model::entry_type::note, "still\nhere", {}, {}, {}});
    const auto text = timeline_text(log.fold(), utc_options());
    CHECK(text.find("#2 2026-11-22 00:15 Ben Okafor: still here\n") != std::string::npos);
}

TEST_CASE("summary_text gives state, roles, markers and counts in a few lines") {
    CHECK(summary_text(checkout_story().fold(), berlin_options()) ==
          "#42 Checkout returns 502 for EU customers\n"
          "SEV2 · closed · communications: Chen Wei, retro facilitator: Erik Sand, incident "
          "commander: Ana Lopez\n"
          "Started 2026-03-29 01:38 +01:00 · detected 01:45 +01:00 (MTTD 7m 00s) · mitigated "
          "03:26 +02:00 (MTTM 48m 00s) · resolved 03:50 +02:00 (MTTR 1h 12m)\n"
          "16 timeline entries · 2 SitReps · 3 action items (2 open)\n");

    CHECK(summary_text(bare_story().fold(), utc_options()) ==
          "#7 Payment webhooks delayed\n"
          "SEV3 · investigating · no roles assigned yet (!role ic <user>)\n"
          "Started 2026-11-21 14:05 +00:00\n"
          "Not recorded yet: !detected <how> [time], !mitigated [time], !resolved [time]\n"
          "1 timeline entry · 0 SitReps · 0 action items (0 open)\n");
}

}  // namespace scribe::render::test
