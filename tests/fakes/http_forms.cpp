// Decoding query strings, url-encoded forms and multipart bodies for the fake servers.
#include "tests/fakes/http_forms.hpp"

#include <algorithm>
#include <cctype>

namespace scribe::fakes {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

}  // namespace

std::string url_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::string url_encode(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += digits[u >> 4];
            out += digits[u & 0x0f];
        }
    }
    return out;
}

form_fields parse_form(std::string_view body) {
    form_fields fields;
    while (!body.empty()) {
        const auto amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) {
            fields.emplace_back(url_decode(pair), std::string{});
        } else {
            fields.emplace_back(url_decode(pair.substr(0, eq)), url_decode(pair.substr(eq + 1)));
        }
    }
    return fields;
}

std::pair<std::string, std::string> split_target(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return {std::string(target), {}};
    return {std::string(target.substr(0, q)), std::string(target.substr(q + 1))};
}

std::string media_type(std::string_view content_type) {
    return lower(trim(content_type.substr(0, content_type.find(';'))));
}

std::optional<std::string> header_param(std::string_view header, std::string_view name) {
    std::size_t pos = header.find(';');
    while (pos != std::string_view::npos) {
        std::string_view rest = header.substr(pos + 1);
        const auto next = rest.find(';');
        std::string_view item = trim(rest.substr(0, next));
        pos = next == std::string_view::npos ? next : pos + 1 + next;
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) continue;
        if (lower(trim(item.substr(0, eq))) != lower(name)) continue;
        std::string_view value = trim(item.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        return std::string(value);
    }
    return std::nullopt;
}

std::optional<std::vector<multipart_part>> parse_multipart(std::string_view body,
                                                           std::string_view content_type) {
    const auto boundary = header_param(content_type, "boundary");
    if (!boundary || boundary->empty()) return std::nullopt;
    const std::string delimiter = "--" + *boundary;

    std::vector<multipart_part> parts;
    std::size_t pos = body.find(delimiter);
    if (pos == std::string_view::npos) return std::nullopt;
    for (;;) {
        pos += delimiter.size();
        if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter
        if (body.substr(pos, 2) != "\r\n") return std::nullopt;
        pos += 2;
        const auto headers_end = body.find("\r\n\r\n", pos);
        if (headers_end == std::string_view::npos) return std::nullopt;
        const auto data_end = body.find("\r\n" + delimiter, headers_end + 4);
        if (data_end == std::string_view::npos) return std::nullopt;

        multipart_part part;
        std::string_view headers = body.substr(pos, headers_end - pos);
        while (!headers.empty()) {
            const auto eol = headers.find("\r\n");
            const std::string_view line = headers.substr(0, eol);
            headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
            const auto colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            const std::string field = lower(trim(line.substr(0, colon)));
            const std::string_view value = trim(line.substr(colon + 1));
            if (field == "content-disposition") {
                part.name = header_param(value, "name").value_or("");
                part.filename = header_param(value, "filename");
            } else if (field == "content-type") {
                part.content_type = std::string(value);
            }
        }
        part.data = std::string(body.substr(headers_end + 4, data_end - headers_end - 4));
        parts.push_back(std::move(part));
        pos = data_end + 2;
    }
}

}  // namespace scribe::fakes
