// Slack's message markup: decoding incoming text, escaping and defusing outgoing text.
#include "adapters/slack/markup.hpp"

#include "bot/model/text.hpp"

#include <cctype>
#include <cstdio>
#include <array>
#include <utility>

namespace scribe::adapters::slack {

namespace {

constexpr std::array<std::pair<std::string_view, char>, 3> entities = {
    {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}}};

constexpr std::array<std::string_view, 3> mass_mentions = {"here", "channel", "everyone"};

constexpr std::string_view zero_width_space = "\xE2\x80\x8B";

void append_unescaped(std::string& out, std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto amp = text.find('&', i);
        out.append(text.substr(i, amp - i));
        if (amp == std::string_view::npos) break;
        i = amp + 1;
        char c = '&';
        for (const auto& [entity, replacement] : entities) {
            if (text.substr(amp, entity.size()) == entity) {
                c = replacement;
                i = amp + entity.size();
                break;
            }
        }
        out += c;
    }
}

std::string unescaped(std::string_view text) {
    std::string out;
    append_unescaped(out, text);
    return out;
}

bool is_mass_mention(std::string_view name) {
    for (const auto m : mass_mentions) {
        if (name == m) return true;
    }
    return false;
}

// "<!name^id|label>" split into its parts.
struct special {
    std::string_view name;
    std::string_view id;
    std::string_view label;
};

special split_special(std::string_view inner) {
    special s;
    const auto bar = inner.find('|');
    if (bar != std::string_view::npos) s.label = inner.substr(bar + 1);
    const auto head = inner.substr(0, bar);
    const auto caret = head.find('^');
    s.name = head.substr(0, caret);
    if (caret != std::string_view::npos) s.id = head.substr(caret + 1);
    return s;
}

// `token` is "!name^id|label", without the angle brackets.
std::string decode_special(std::string_view token) {
    const special s = split_special(token.substr(1));
    if (is_mass_mention(s.name)) return "@" + std::string(s.name);
    if (!s.label.empty()) return unescaped(s.label);
    if (s.name == "subteam" && !s.id.empty()) return "@" + std::string(s.id);
    return "<" + std::string(token) + ">";
}

std::string decode_link(std::string_view target, std::string_view label) {
    std::string url = unescaped(target);
    std::string text = unescaped(label);
    if (text.empty() || text == url) return url;
    // An auto-link: Slack wrapped something typed without a scheme and labelled it as typed.
    if (url.size() > text.size() && url.ends_with(text)) {
        const std::string_view scheme(url.data(), url.size() - text.size());
        if (scheme == "http://" || scheme == "https://") return url;
        if (scheme == "mailto:" || scheme == "tel:") return text;
    }
    return text + " (" + url + ")";
}

std::string decode_token(std::string_view token) {
    const auto bar = token.find('|');
    const auto target = token.substr(0, bar);
    const auto label = bar == std::string_view::npos ? std::string_view{} : token.substr(bar + 1);
    if (target.empty()) return "<" + unescaped(token) + ">";
    switch (target.front()) {
        case '@':
            return "<" + std::string(token) + ">";
        case '#':
            return "#" + (label.empty() ? std::string(target.substr(1)) : unescaped(label));
        case '!':
            return decode_special(token);
        default:
            return decode_link(target, label);
    }
}

bool iequals_prefix(std::string_view text, std::string_view lower_word) {
    if (text.size() < lower_word.size()) return false;
    for (std::size_t i = 0; i < lower_word.size(); ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != lower_word[i]) return false;
    }
    return true;
}

// The "<!…>" token at the start of `text` as defused text and its length, or length 0 when
// it is not a mass mention.
std::pair<std::string, std::size_t> defuse_token(std::string_view text) {
    // Stopping at the next '<' keeps a run of unclosed "<!" linear.
    const auto close = text.find_first_of("<>", 2);
    if (close == std::string_view::npos || text[close] != '>') return {{}, 0};
    const special s = split_special(text.substr(2, close - 2));
    std::string name;
    if (is_mass_mention(s.name)) {
        name = s.name;
    } else if (s.name == "subteam") {
        name = s.label.empty() ? s.id : s.label;
        if (!name.empty() && name.front() == '@') name.erase(0, 1);
    } else {
        return {{}, 0};
    }
    return {"@" + std::string(zero_width_space) + name, close + 1};
}

}  // namespace

std::string decode_markup(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    std::size_t close = 0;  // the first '>' after the current '<', kept while still ahead
    while (i < text.size()) {
        const auto open = text.find('<', i);
        if (open != std::string_view::npos && close <= open) close = text.find('>', open);
        if (open == std::string_view::npos || close == std::string_view::npos) {
            append_unescaped(out, text.substr(i));
            break;
        }
        // Slack escapes every literal '<', so one inside a token means the first was literal.
        const auto token = text.substr(open + 1, close - open - 1);
        if (const auto inner = token.find('<'); inner != std::string_view::npos) {
            append_unescaped(out, text.substr(i, open + 1 + inner - i));
            i = open + 1 + inner;
            continue;
        }
        append_unescaped(out, text.substr(i, open - i));
        out += decode_token(token);
        i = close + 1;
    }
    return out;
}

std::string escape_markup(std::string_view text) {
    return model::escape_entities(text, model::quotes::keep);
}

std::string neutralise_mass_mentions(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto at = text.find_first_of("<@", i);
        out.append(text.substr(i, at - i));
        if (at == std::string_view::npos) break;
        const auto rest = text.substr(at);
        if (rest.starts_with("<!")) {
            if (auto [defused, length] = defuse_token(rest); length > 0) {
                out += defused;
                i = at + length;
                continue;
            }
        }
        out += rest.front();
        i = at + 1;
        if (rest.front() != '@') continue;
        for (const auto m : mass_mentions) {
            if (iequals_prefix(rest.substr(1), m)) {
                out += zero_width_space;
                break;
            }
        }
    }
    return out;
}

std::string incident_channel_name(std::string_view title,
                                  std::chrono::system_clock::time_point declared) {
    const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(declared)};
    char date[16];
    std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(day.year()),
                  static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
    std::string name = std::string("inc-") + date;
    bool dash = true;  // the name ends in a separator
    std::string slug;
    for (const char c : title) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) && u < 0x80) {
            slug += static_cast<char>(std::tolower(u));
            dash = false;
        } else if (c == '\'') {
            continue;  // "can't" reads better as "cant" than "can-t"
        } else if (!dash) {
            slug += '-';
            dash = true;
        }
    }
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
    if (!slug.empty()) name += "-" + slug;
    if (name.size() > 80) name.resize(80);
    while (name.back() == '-') name.pop_back();
    return name;
}

}  // namespace scribe::adapters::slack
