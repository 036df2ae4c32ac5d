// Escaping user text for Markdown, YAML, HTML and link targets.
#include <doctest/doctest.h>

#include "bot/model/text.hpp"
#include "bot/render/detail.hpp"
#include "bot/render/render.hpp"

namespace scribe::render::test {

TEST_CASE("escape_markdown neutralises every construct user text could open") {
    CHECK(escape_markdown("# heading") == "\\# heading");
    CHECK(escape_markdown("- item") == "\\- item");
    CHECK(escape_markdown("+ item") == "\\+ item");
    CHECK(escape_markdown("1. first") == "1\\. first");
    CHECK(escape_markdown("12) twelfth") == "12\\) twelfth");
    CHECK(escape_markdown("> quote") == "&gt; quote");
    CHECK(escape_markdown("```code```") == "\\`\\`\\`code\\`\\`\\`");
    CHECK(escape_markdown("    indented code") == "indented code");
    CHECK(escape_markdown("| a | b |") == "\\| a \\| b \\|");
    CHECK(escape_markdown("<script>&amp;") == "&lt;script&gt;&amp;amp;");
    CHECK(escape_markdown("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))");
    CHECK(escape_markdown("![img](x.png)") == "\\!\\[img\\](x.png)");
    CHECK(escape_markdown("*a* _b_ ~c~ \\d") == "\\*a\\* \\_b\\_ \\~c\\~ \\\\d");
    CHECK(escape_markdown("===") == "\\===");
}

TEST_CASE("escape_markdown keeps ordinary text readable") {
    CHECK(escape_markdown("Rollback done, error rate < 1%!") ==
          "Rollback done, error rate &lt; 1%!");
    CHECK(escape_markdown("v1.2.3 re-deployed (eu-west-1)") == "v1.2.3 re-deployed (eu-west-1)");
    CHECK(escape_markdown("2026.03.28-3 shipped") == "2026\\.03.28-3 shipped");
    CHECK(escape_markdown("Größe: 5 → 50") == "Größe: 5 → 50");
}

TEST_CASE("escape_markdown makes one line: newlines and control characters become spaces") {
    CHECK(escape_markdown("a\nb\r\nc\td") == "a b  c d");
    CHECK(escape_markdown("line\n---\n# x") == "line --- \\# x");
    CHECK(escape_markdown("\n\n  ") == "");
}

TEST_CASE("yaml_quote keeps any text one double-quoted scalar") {
    using detail::yaml_quote;
    CHECK(yaml_quote("plain") == "\"plain\"");
    CHECK(yaml_quote("a \"b\" \\c") == "\"a \\\"b\\\" \\\\c\"");
    CHECK(yaml_quote("x\n---\ny: 1") == "\"x\\n---\\ny: 1\"");
    CHECK(yaml_quote(std::string("nul\0bell\a", 9)) == "\"nul\\x00bell\\x07\"");
    CHECK(yaml_quote("sep\u2028par\u2029") == "\"sep\\Lpar\\P\"");
    CHECK(yaml_quote("bad \xff") == "\"bad \\uFFFD\"");
    CHECK(yaml_quote("ünïcode ✓") == "\"ünïcode ✓\"");
}

TEST_CASE("only http, https and mailto URLs become links") {
    using detail::markdown_link;
    CHECK(markdown_link("https://example.com/a_b?q=1&r=(2)", "Dash | board") ==
          "[Dash \\| board](https://example.com/a_b?q=1&r=%282%29)");
    CHECK(markdown_link("HTTP://example.com", "") == "[HTTP://example.com](HTTP://example.com)");
    CHECK(markdown_link("mailto:oncall@example.com", "mail") ==
          "[mail](mailto:oncall@example.com)");
    CHECK(markdown_link("javascript:alert(1)", "click") == "click (javascript:alert(1))");
    CHECK(markdown_link("data:text/html,<b>x</b>", "") == "data:text/html,&lt;b&gt;x&lt;/b&gt;");
    CHECK(markdown_link("/relative/path", "rel") == "rel (/relative/path)");
}

TEST_CASE("html_escape covers element content and attribute values") {
    CHECK(model::escape_entities("<a href=\"x\">'&'</a>") ==
          "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace scribe::render::test
