// Small text helpers shared by the Matrix parsers: ASCII case-insensitive comparison, trimming.
#pragma once

#include <algorithm>
#include <string_view>

namespace scribe::adapters::matrix::detail {

inline constexpr std::string_view whitespace = " \t\r\n";

// Host names and our own name in a mention compare case-insensitively, and only in ASCII:
// folding other scripts would need Unicode tables, and neither needs them.
inline bool iequal_ascii(std::string_view a, std::string_view b) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [&](char x, char y) { return lower(x) == lower(y); });
}

inline std::string_view trim_left(std::string_view text) {
    const auto start = text.find_first_not_of(whitespace);
    return start == std::string_view::npos ? std::string_view{} : text.substr(start);
}

inline std::string_view trim(std::string_view text) {
    text = trim_left(text);
    return text.substr(0, text.find_last_not_of(whitespace) + 1);
}

}  // namespace scribe::adapters::matrix::detail
