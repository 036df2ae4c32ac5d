// What the web view reads from requests and writes into answers: targets and forms decoded,
// links encoded, CSV fields quoted.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace scribe::web {

// "/incidents?sev=sev1&q=db%20pool" as its path and its decoded parameters (the last of a
// repeated name wins; '+' is a space).
struct target {
    std::string path;
    std::map<std::string, std::string> params;

    std::string param(const std::string& name) const;
};

target parse_target(std::string_view raw);

// application/x-www-form-urlencoded, as a browser posts a form.
std::map<std::string, std::string> parse_form(std::string_view body);

// %XX decoding; a malformed escape is kept as it is.
std::string percent_decode(std::string_view text, bool plus_is_space);

// A query value for a link: everything but unreserved characters %-encoded.
std::string percent_encode(std::string_view text);

// A CSV field: quoted when it holds a comma, quote or line break; a field a spreadsheet would
// take for a formula (=, +, -, @ first) starts with an apostrophe.
std::string csv_field(std::string_view text);

}  // namespace scribe::web
