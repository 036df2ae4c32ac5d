// Markdown to HTML: a standalone page, GFM tables, and no way for user text to inject HTML.
#include <doctest/doctest.h>

#include "bot/render/render.hpp"
#include "tests/render/fixtures.hpp"

namespace scribe::render::test {

namespace p = model::payload;

TEST_CASE("markdown_to_html makes a page with an escaped title and GFM tables") {
    const auto html = markdown_to_html(
        "---\ntitle: \"x\"\n---\n\n# Heading\n\n| a | b |\n|---|---|\n| 1 | ~~2~~ |\n",
        "Q&A <draft>");
    CHECK(html.starts_with("<!DOCTYPE html>\n"));
    CHECK(html.find("<title>Q&amp;A &lt;draft&gt;</title>") != std::string::npos);
    CHECK(html.find("<h1>Heading</h1>") != std::string::npos);
    CHECK(html.find("<table>") != std::string::npos);
    CHECK(html.find("<td><del>2</del></td>") != std::string::npos);
    CHECK(html.find("title: ") == std::string::npos);  // the front matter is not body text
    CHECK(html.ends_with("</body>\n</html>\n"));
}

TEST_CASE("the checkout draft renders its tables, links and struck-through retractions") {
    const auto incident = checkout_story().fold();
    const auto html =
        markdown_to_html(postmortem_markdown(incident, berlin_options()), incident.title);
    CHECK(html.find("<title>Checkout returns 502 for EU customers</title>") != std::string::npos);
    CHECK(html.find("<h2>Timeline</h2>") != std::string::npos);
    CHECK(html.find("<th>What</th>") != std::string::npos);
    CHECK(html.find("<del>Cache flushed on payments-db</del>") != std::string::npos);
    CHECK(
        html.find(
            "<a "
            "href=\"https://grafana.acme.example/d/checkout?orgId=1&amp;var-region=eu-west-1\">") !=
        std::string::npos);
    CHECK(html.find("mttd_seconds") == std::string::npos);
}

TEST_CASE("raw HTML and unsafe links in Markdown are not passed through") {
    const auto html = markdown_to_html(
        "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n",
        "t");
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("javascript:") == std::string::npos);
}

TEST_CASE("the postmortem of a hostile incident renders to harmless HTML") {
    const std::string evil =
        "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>";
    auto log = event_log(9);
    log.add(ana(), "2026-11-21T14:05:00Z", p::declared{evil, model::severity::sev1})
        .add(ana(), "2026-11-21T14:06:00Z",
             p::entry_added{model::entry_type::link, evil, {}, "javascript:alert(1)", {}})
        .add(ana(), "2026-11-21T14:07:00Z", p::impact_set{evil});
    const auto incident = log.fold();
    const auto html =
        markdown_to_html(postmortem_markdown(incident, utc_options()), incident.title);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("href=\"javascript") == std::string::npos);
    CHECK(html.find("&lt;script&gt;") != std::string::npos);
    CHECK(html.find("<h2>Timeline</h2>") != std::string::npos);
}

}  // namespace scribe::render::test
