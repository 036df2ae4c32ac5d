// Making user text safe for Markdown, YAML, HTML and link targets.
#include <cstdint>
#include <cstdio>

#include "bot/render/detail.hpp"
#include "bot/render/render.hpp"

namespace scribe::render {
namespace {

bool is_space_or_control(unsigned char c) { return c <= ' ' || c == 0x7f; }

// Line breaks, tabs and other control characters become spaces; the ends are trimmed so
// leading spaces cannot make an indented code block.
std::string flatten(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        out += is_space_or_control(static_cast<unsigned char>(c)) ? ' ' : c;
    }
    const auto first = out.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

// The length of a UTF-8 sequence starting at `i` and its code point, or 0 when invalid.
std::size_t decode_utf8(std::string_view s, std::size_t i, std::uint32_t& code_point) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    std::uint32_t min = 0;
    if (lead < 0x80) {
        code_point = lead;
        return 1;
    }
    if ((lead & 0xe0) == 0xc0) {
        length = 2;
        code_point = lead & 0x1fu;
        min = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
        length = 3;
        code_point = lead & 0x0fu;
        min = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
        length = 4;
        code_point = lead & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + length > s.size()) return 0;
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return 0;
        code_point = (code_point << 6) | (byte(i + k) & 0x3fu);
    }
    const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
    if (code_point < min || code_point > 0x10ffff || surrogate) return 0;
    return length;
}

}  // namespace

std::string escape_markdown(std::string_view text) {
    const std::string line = flatten(text);
    std::string out;
    out.reserve(line.size() + line.size() / 4);

    // A leading "1." or "1)" would start an ordered list wherever the text begins a line.
    std::size_t digits = 0;
    while (digits < line.size() && digits < 10 && line[digits] >= '0' && line[digits] <= '9') {
        ++digits;
    }
    const bool ordered_list_marker = digits > 0 && digits < 10 && digits < line.size() &&
                                     (line[digits] == '.' || line[digits] == ')');

    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        switch (c) {
            // As entities, so no tag, comment, autolink or block quote can open.
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            // Everything that opens emphasis, code, links, table cells or headings.
            case '\\':
            case '`':
            case '*':
            case '_':
            case '~':
            case '[':
            case ']':
            case '|':
            case '#':
                out += '\\';
                out += c;
                break;
            case '!':
                // Only "![" starts an image; a lone "!" stays readable.
                if (i + 1 < line.size() && line[i + 1] == '[') out += '\\';
                out += c;
                break;
            case '-':
            case '+':
            case '=':
                // List items and setext underlines only start a line.
                if (i == 0) out += '\\';
                out += c;
                break;
            case '.':
            case ')':
                if (ordered_list_marker && i == digits) out += '\\';
                out += c;
                break;
            default:
                out += c;
        }
    }
    return out;
}

bool is_linkable(std::string_view url) {
    const auto colon = url.find(':');
    if (colon == std::string_view::npos) return false;
    std::string scheme;
    for (const char c : url.substr(0, colon)) {
        scheme += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return scheme == "http" || scheme == "https" || scheme == "mailto";
}

namespace detail {

std::string yaml_quote(std::string_view text) {
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size();) {
        std::uint32_t cp = 0;
        const std::size_t length = decode_utf8(text, i, cp);
        if (length == 0) {
            out += "\\uFFFD";  // invalid UTF-8 would make the whole document unreadable
            ++i;
            continue;
        }
        switch (cp) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case 0x2028:
                out += "\\L";
                break;  // YAML reads these as line breaks
            case 0x2029:
                out += "\\P";
                break;
            default:
                if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(cp));
                    out += buf;
                } else {
                    out.append(text.substr(i, length));
                }
        }
        i += length;
    }
    out += '"';
    return out;
}

std::string markdown_link(std::string_view url, std::string_view label) {
    const std::string text = escape_markdown(label.empty() ? url : label);
    if (!is_linkable(url)) {
        return label.empty() || label == url ? text : text + " (" + escape_markdown(url) + ")";
    }
    // Percent-encoding whatever could end the destination or a table cell keeps the link
    // one token; everything else passes through as the user wrote it.
    std::string target;
    for (const char c : url) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= ' ' || u == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == '"' ||
            c == '\\' || c == '|' || c == '`' || c == '{' || c == '}' || c == '^') {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned>(u));
            target += buf;
        } else {
            target += c;
        }
    }
    return "[" + text + "](" + target + ")";
}

std::string one_line(std::string_view text) { return flatten(text); }

}  // namespace detail
}  // namespace scribe::render
