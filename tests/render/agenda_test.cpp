// The retro agenda: golden file, facilitator, attendees, who summarises, discussion prompts.
#include <doctest/doctest.h>

#include "bot/render/render.hpp"
#include "tests/render/fixtures.hpp"
#include "tests/render/golden.hpp"

namespace scribe::render::test {

namespace p = model::payload;

TEST_CASE("agenda of the checkout story matches its golden file") {
    check_golden("agenda_checkout.md", agenda_markdown(checkout_story().fold(), berlin_options()));
}

TEST_CASE("the agenda names date, facilitator, attendees and who gives the summary") {
    const auto agenda = agenda_markdown(checkout_story().fold(), berlin_options());
    CHECK(agenda.starts_with("# Retro agenda: Checkout returns 502 for EU customers\n"));
    CHECK(agenda.find("- **Date:** 2026-03-30\n") != std::string::npos);
    CHECK(agenda.find("- **Facilitator:** Erik Sand\n") != std::string::npos);
    CHECK(agenda.find("- **Attendees:** Ana Lopez, Chen Wei, Erik Sand, Ben Okafor, Dana Kim\n") !=
          std::string::npos);
    // Ana wrote the declaration, roles and markers: 10 live entries to Ben's 5.
    CHECK(agenda.find("**Ana Lopez**, the most involved responder (10 timeline entries)") !=
          std::string::npos);
    for (const auto* step :
         {"## 1. Check-in (5 min)", "## 2. What happened (5 min)", "## 3. Customer impact (5 min)",
          "## 4. Timeline (10 min)", "## 5. Discussion (15 min)", "## 6. Lessons learned (10 min)",
          "## 7. Remediation items (10 min)", "## 8. Bar raiser (5 min)",
          "## 9. Check-out (5 min)"}) {
        CAPTURE(step);
        CHECK(agenda.find(step) != std::string::npos);
    }
    CHECK(agenda.find("Cache flushed") == std::string::npos);  // retracted
}

TEST_CASE("discussion prompts: one per why, then what the log leaves open") {
    const auto full = agenda_markdown(checkout_story().fold(), berlin_options());
    CHECK(full.find("- Why 1: The release set the payment client's pool size to 5 "
                    "connections.\n") != std::string::npos);
    CHECK(full.find("- Why 3: ") != std::string::npos);
    CHECK(full.find("- If you reach \"human error\", keep digging.") != std::string::npos);
    CHECK(full.find("No cause recorded") == std::string::npos);

    const auto bare = agenda_markdown(bare_story().fold(), utc_options());
    CHECK(bare.find("- **Facilitator:** _to be chosen_ (`!role facilitator <user>`)") !=
          std::string::npos);
    CHECK(bare.find("- When and how did we first notice? No detected time recorded "
                    "(`!detected <how> [time]`).") != std::string::npos);
    CHECK(bare.find("- When did the impact on users stop? No mitigated time recorded") !=
          std::string::npos);
    CHECK(bare.find("- What made it stop working? No cause recorded") != std::string::npos);
    CHECK(bare.find("- How did we fix it? No fix recorded") != std::string::npos);
    CHECK(bare.find("- What led to it breaking? No whys recorded") != std::string::npos);
    CHECK(bare.find("- If you reach \"human error\", keep digging.") != std::string::npos);
    CHECK(bare.find("**Ana Lopez**, the most involved responder (1 timeline entry)") !=
          std::string::npos);
}

TEST_CASE("the agenda's date is the generation day in the configured zone") {
    auto opts = berlin_options();
    opts.generated_at = utc("2026-03-30T22:30:00Z");  // already the 31st in Berlin
    CHECK(agenda_markdown(checkout_story().fold(), opts).find("- **Date:** 2026-03-31\n") !=
          std::string::npos);
}

}  // namespace scribe::render::test
