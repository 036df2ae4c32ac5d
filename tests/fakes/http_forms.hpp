// Decoding what HTTP clients send to the fakes: query strings, url-encoded forms, multipart bodies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scribe::fakes {

using form_fields = std::vector<std::pair<std::string, std::string>>;

// Percent-decoding with '+' as a space, as in application/x-www-form-urlencoded.
std::string url_decode(std::string_view text);
std::string url_encode(std::string_view text);

// "a=1&b=x+y" -> {{"a","1"},{"b","x y"}}; a field without '=' has an empty value.
form_fields parse_form(std::string_view body);

// "/api/chat.postMessage?x=1" -> {"/api/chat.postMessage", "x=1"}.
std::pair<std::string, std::string> split_target(std::string_view target);

// "Application/JSON; charset=utf-8" -> "application/json".
std::string media_type(std::string_view content_type);

// The value of one parameter of a Content-Type or Content-Disposition header, unquoted.
std::optional<std::string> header_param(std::string_view header, std::string_view name);

struct multipart_part {
    std::string name;                     // Content-Disposition name
    std::optional<std::string> filename;  // present for file parts
    std::string content_type;
    std::string data;
};

// A multipart/form-data body split into its parts, or nothing when it is malformed.
std::optional<std::vector<multipart_part>> parse_multipart(std::string_view body,
                                                           std::string_view content_type);

}  // namespace scribe::fakes
