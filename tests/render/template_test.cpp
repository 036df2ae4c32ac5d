// Team templates: the documented example, escaping, errors, and reuse of built-in sections.
#include <doctest/doctest.h>

#include <kainjow/mustache.hpp>

#include "bot/render/render.hpp"
#include "tests/render/fixtures.hpp"
#include "tests/render/golden.hpp"

namespace scribe::render::test {

namespace p = model::payload;

TEST_CASE("the example template of docs/templates.md renders the checkout story") {
    const auto tmpl = read_source_file("tests/golden/example_template.mustache");
    check_golden("example_template_checkout.md",
                 postmortem_from_template(checkout_story().fold(), tmpl, berlin_options()));
}

TEST_CASE("the example template asks for what a bare incident lacks, without stray blank lines") {
    const auto tmpl = read_source_file("tests/golden/example_template.mustache");
    const auto out = postmortem_from_template(bare_story().fold(), tmpl, utc_options());
    CHECK(out.starts_with("---\nid: 7\n"));
    CHECK(out.find("; not resolved yet.") != std::string::npos);
    CHECK(out.find("## What led to the system breaking?\n\n_To be written at the retro._\n\n## ") !=
          std::string::npos);
    CHECK(out.find("\n\n\n") == std::string::npos);
}

TEST_CASE("docs/templates.md shows the example template as tested") {
    const auto tmpl = read_source_file("tests/golden/example_template.mustache");
    CHECK(read_source_file("docs/templates.md").find("```mustache\n" + tmpl + "```\n") !=
          std::string::npos);
}

TEST_CASE("template values are escaped for Markdown, and triple braces insert them raw") {
    auto log = event_log(9);
    log.add(ana(), "2026-11-21T14:05:00Z",
            p::declared{"# <b>bold</b> | [x](javascript:alert(1))", model::severity::sev1});
    const auto incident = log.fold();
    CHECK(postmortem_from_template(incident, "# {{title}}", utc_options()) ==
          "# \\# &lt;b&gt;bold&lt;/b&gt; \\| \\[x\\](javascript:alert(1))");
    CHECK(postmortem_from_template(incident, "{{{title}}}", utc_options()) ==
          "# <b>bold</b> | [x](javascript:alert(1))");
}

TEST_CASE("a template that does not parse raises template_error with the library's message") {
    const std::string broken = "# {{title}}\n{{#timeline}}\n- {{text}}\n";
    const std::string expected = kainjow::mustache::mustache(broken).error_message();
    REQUIRE_FALSE(expected.empty());
    CHECK_THROWS_WITH_AS(postmortem_from_template(bare_story().fold(), broken, utc_options()),
                         expected.c_str(), template_error);
    CHECK_THROWS_AS(postmortem_from_template(bare_story().fold(), "{{#a}}{{/b}}", utc_options()),
                    template_error);
}

TEST_CASE("a template naming an unknown field or partial raises template_error") {
    CHECK_THROWS_WITH_AS(
        postmortem_from_template(bare_story().fold(), "# {{titel}}", utc_options()),
        "unknown field 'titel'", template_error);
    CHECK_THROWS_WITH_AS(
        postmortem_from_template(bare_story().fold(), "{{> header}}", utc_options()),
        "unknown partial 'header'", template_error);
}

TEST_CASE("missing material is false, so inverted sections can ask for it") {
    const auto incident = bare_story().fold();
    CHECK(postmortem_from_template(
              incident,
              "{{^mitigated}}no mitigation{{/mitigated}} {{^mttr}}no MTTR{{/mttr}} "
              "{{^impact}}no impact{{/impact}} {{^actions}}no actions{{/actions}} "
              "{{^security}}not flagged{{/security}} "
              "{{^sections.security}}none{{/sections.security}} "
              "{{#started.declaration}}started at the declaration{{/started.declaration}}",
              utc_options()) ==
          "no mitigation no MTTR no impact no actions not flagged none "
          "started at the declaration");
}

TEST_CASE("templates can reuse the built-in draft's sections") {
    const auto incident = checkout_story().fold();
    const auto draft = postmortem_markdown(incident, berlin_options());
    const auto timeline =
        postmortem_from_template(incident, "{{{sections.timeline}}}", berlin_options());
    CHECK(timeline.starts_with("| Time | # | Who | Kind | What |"));
    CHECK(draft.find(timeline) != std::string::npos);

    // The wrapper docs/templates.md shows: the built-in draft without its intro line.
    const auto wrapped = postmortem_from_template(
        incident,
        "{{{front_matter}}}\n\n# {{title}}\n{{#section_list}}\n\n## {{heading}}\n\n"
        "{{{body}}}\n{{/section_list}}\n",
        berlin_options());
    const auto intro = draft.find("\n_Blameless postmortem draft");
    REQUIRE(intro != std::string::npos);
    const auto without_intro =
        draft.substr(0, intro) + draft.substr(draft.find('\n', intro + 1) + 1);
    CHECK(wrapped == without_intro);

    const auto headings = postmortem_from_template(
        incident, "{{#section_list}}\n## {{heading}}\n{{/section_list}}\n", berlin_options());
    CHECK(headings ==
          "## At a glance\n## Summary\n## Roles\n## Impact\n## What stopped working\n"
          "## Why it stopped working\n## How we fixed it\n## What led to it breaking\n"
          "## Timeline\n## SitReps\n## Lessons learned\n## Action items\n## Bar raiser\n");
}

}  // namespace scribe::render::test
