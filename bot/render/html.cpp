// Markdown to a standalone HTML page through cmark-gfm, with raw HTML and unsafe links
// suppressed (CMARK_OPT_DEFAULT leaves "unsafe" off).
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <memory>

#include "bot/model/text.hpp"
#include "bot/render/detail.hpp"
#include "bot/render/render.hpp"

namespace scribe::render {
namespace {

struct parser_deleter {
    void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct node_deleter {
    void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct html_deleter {
    void operator()(char* s) const { cmark_get_default_mem_allocator()->free(s); }
};

// YAML front matter is metadata for tools; as Markdown it would render as a rule and a heading.
std::string_view without_front_matter(std::string_view markdown) {
    if (!markdown.starts_with("---\n")) return markdown;
    const auto end = markdown.find("\n---\n", 3);
    if (end == std::string_view::npos) return markdown;
    return markdown.substr(end + 5);
}

std::string body_html(std::string_view markdown) {
    cmark_gfm_core_extensions_ensure_registered();
    const std::unique_ptr<cmark_parser, parser_deleter> parser(cmark_parser_new(CMARK_OPT_DEFAULT));
    // Tables for the timeline and metrics; strikethrough for retracted entries.
    for (const char* name : {"table", "strikethrough"}) {
        if (auto* extension = cmark_find_syntax_extension(name)) {
            cmark_parser_attach_syntax_extension(parser.get(), extension);
        }
    }
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    const std::unique_ptr<cmark_node, node_deleter> document(cmark_parser_finish(parser.get()));
    const std::unique_ptr<char, html_deleter> html(cmark_render_html(
        document.get(), CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(parser.get())));
    return html ? std::string(html.get()) : std::string();
}

}  // namespace

std::string markdown_to_html(std::string_view markdown, std::string_view title) {
    std::string out =
        "<!DOCTYPE html>\n"
        "<html lang=\"en\">\n"
        "<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>" +
        model::escape_entities(detail::one_line(title)) +
        "</title>\n"
        "<style>\n"
        "body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; "
        "padding: 0 1rem; line-height: 1.5; }\n"
        "table { border-collapse: collapse; margin: 1rem 0; }\n"
        "th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; "
        "vertical-align: top; }\n"
        "code { background: #f3f3f3; padding: 0 0.2rem; }\n"
        "</style>\n"
        "</head>\n"
        "<body>\n";
    out += markdown_body_html(markdown);
    out += "</body>\n</html>\n";
    return out;
}

std::string markdown_body_html(std::string_view markdown) {
    return body_html(without_front_matter(markdown));
}

}  // namespace scribe::render
