// The Data Sync story from "Learning From Failures: Leveraging Postmortems for Good", told
// as a live incident: a firewall change blocks port 1433 and users stop seeing transactions.
#include "bot/app/demo_story.hpp"

#include <array>

namespace scribe::app {

std::span<const demo_message> data_sync_story() {
    static constexpr std::array<demo_message, 46> story{{
        {"2026-11-21T09:15:00Z", "Priya", "!declare Users unable to see latest transactions sev2"},
        {"2026-11-21T09:15:30Z", "Priya", "!role ic Priya"},
        {"2026-11-21T09:15:45Z", "Priya", "!role comms Dana"},
        {"2026-11-21T09:16:00Z", "Priya", "!detected customer -4m"},
        {"2026-11-21T09:16:20Z", "Priya",
         "!tl -4m Support escalates: several customers report their latest transactions are "
         "missing after login"},
        {"2026-11-21T09:18:00Z", "Marco",
         "!tl Data Sync logs show connection timeouts to the UserHistory database"},
        {"2026-11-21T09:19:00Z", "Marco",
         "!link https://grafana.example.com/d/data-sync Data Sync dashboard"},
        {"2026-11-21T09:21:00Z", "Marco", "!tl Suspect the last Data Sync deploy; checking"},
        {"2026-11-21T09:24:00Z", "Marco", "!retract {last}"},
        {"2026-11-21T09:24:30Z", "Marco",
         "!tl No Data Sync deploy since last week; the deploy is ruled out"},
        {"2026-11-21T09:25:00Z", "Dana",
         "!sitrep\nstatus: Investigating; Data Sync cannot reach the UserHistory database\n"
         "impact: Users logging in do not see transactions made since about 08:40 UTC\n"
         "next: Checking recent infrastructure changes with the Infrastructure team\n"
         "next update: 30m"},
        {"2026-11-21T09:34:00Z", "Marco",
         "!tl @2026-11-21T09:30Z Data Sync health check still green: it only checks that the "
         "app is up, not that it reaches its database"},
        {"2026-11-21T09:40:00Z", "Sam",
         "!tl Infrastructure change INFRA-2291 blocked port 1433 on the database servers at "
         "08:40 as part of the default-port hardening"},
        {"2026-11-21T09:40:30Z", "Priya", "!started @2026-11-21T08:40Z"},
        {"2026-11-21T09:42:00Z", "Priya", "!status identified"},
        {"2026-11-21T09:43:00Z", "Priya", "!role scribe Marco"},
        {"2026-11-21T09:50:00Z", "Sam", "!tl Reverting the firewall rule for port 1433"},
        {"2026-11-21T09:55:00Z", "Sam", "!tl Firewall rule reverted; port 1433 reachable again"},
        {"2026-11-21T09:55:30Z", "Priya", "!mitigated"},
        {"2026-11-21T09:58:00Z", "Marco",
         "!tl Data Sync reconnected; backlog of 1443 batches draining"},
        {"2026-11-21T09:59:00Z", "Marco",
         "!edit {last} Data Sync reconnected; backlog of 1,433 sync batches draining"},
        {"2026-11-21T10:00:00Z", "Dana",
         "!sitrep\nstatus: Mitigated; the firewall change was reverted and Data Sync is "
         "catching up\nimpact: New transactions appear again; older ones arrive as the backlog "
         "drains\nnext: Watching the backlog until it is empty\nnext update: 30m"},
        {"2026-11-21T10:02:00Z", "Priya", "!status monitoring"},
        {"2026-11-21T10:18:00Z", "Marco", "!tl Backlog empty; transaction history current"},
        {"2026-11-21T10:20:00Z", "Priya", "!resolved"},
        {"2026-11-21T10:21:00Z", "Priya",
         "!impact Users who logged in between 08:40 and 10:18 UTC did not see transactions made "
         "after 08:40; about 12% of daily active users. No data was lost."},
        {"2026-11-21T10:22:00Z", "Priya",
         "!cause infrastructure An infrastructure change blocked port 1433, the default SQL "
         "Server port, so no application could reach the UserHistory database"},
        {"2026-11-21T10:22:30Z", "Priya", "!fix rollback The firewall port change was reverted"},
        {"2026-11-21T10:23:00Z", "Sam",
         "!why Why could Data Sync not reach UserHistory? The port it uses, 1433, was blocked "
         "by the firewall"},
        {"2026-11-21T10:23:30Z", "Sam",
         "!why Why was the port blocked? A security initiative blocks default ports so that "
         "intruders cannot guess their way to a database"},
        {"2026-11-21T10:24:00Z", "Sam",
         "!why Why was that an initiative? Our firewall cannot allow-list dynamic IP addresses, "
         "and scanners probe default ports"},
        {"2026-11-21T10:24:30Z", "Marco",
         "!why Why did staging not show it? Lower environments run several databases per "
         "server, none on port 1433"},
        {"2026-11-21T10:25:00Z", "Marco",
         "!why Why did monitoring not catch it? The Data Sync health check does not check its "
         "dependencies, and nothing else watches it"},
        {"2026-11-21T10:25:30Z", "Dana",
         "!lesson helped Support escalated within minutes of the first customer report"},
        {"2026-11-21T10:26:00Z", "Marco",
         "!lesson slowed Few of us knew the Data Sync process, and its health check stayed "
         "green"},
        {"2026-11-21T10:26:30Z", "Sam",
         "!lesson differently Compare lower environments with production before an "
         "infrastructure change"},
        {"2026-11-21T10:27:00Z", "Sam",
         "!lesson learned Lower environments do not use default ports; production does"},
        {"2026-11-21T10:27:30Z", "Priya",
         "!action Sam Check the differences between lower environments and production before "
         "infrastructure changes due 2026-12-05"},
        {"2026-11-21T10:28:00Z", "Priya",
         "!action Marco Add dependency checks and monitoring for the Data Sync process due "
         "2026-12-12"},
        {"2026-11-21T10:28:20Z", "Priya",
         "!action Lee Create an architecture diagram of the Data Sync process"},
        {"2026-11-21T10:28:40Z", "Priya",
         "!action Lee Create an environment diagram of the databases Data Sync uses"},
        {"2026-11-21T10:29:00Z", "Priya",
         "!action Sam Work with Security on securing the database without blocking its port"},
        {"2026-11-21T10:29:20Z", "Sam",
         "!security The outage came from a security hardening change (blocking default ports); "
         "review the approach with the Security team"},
        {"2026-11-21T10:29:40Z", "Priya", "!role facilitator Lee"},
        {"2026-11-21T10:29:50Z", "Priya", "!timeline"},
        {"2026-11-21T10:30:00Z", "Priya", "!close"},
    }};
    return story;
}

demo_markers data_sync_markers() {
    return {"2026-11-21T08:40:00Z", "2026-11-21T09:12:00Z", "2026-11-21T09:55:30Z",
            "2026-11-21T10:20:00Z"};
}

}  // namespace scribe::app
