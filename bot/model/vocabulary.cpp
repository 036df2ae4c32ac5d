// One table of spellings per vocabulary; everything else is derived from it.
#include "bot/model/vocabulary.hpp"

#include <array>
#include <cstddef>

namespace scribe::model {
namespace {

template <class Enum>
struct table;

template <>
struct table<severity> {
    static constexpr std::array<std::string_view, 4> names{"sev1", "sev2", "sev3", "sev4"};
    static constexpr std::size_t index(severity v) { return static_cast<std::size_t>(v) - 1; }
    static constexpr severity at(std::size_t i) { return static_cast<severity>(i + 1); }
};
template <>
struct table<phase> {
    static constexpr std::array<std::string_view, 6> names{
        "investigating", "identified", "monitoring", "mitigated", "resolved", "closed"};
};
template <>
struct table<detection> {
    static constexpr std::array<std::string_view, 4> names{"unknown", "monitoring", "customer",
                                                           "internal"};
    static constexpr std::array<std::string_view, 4> descriptions{
        "Not recorded", "Monitoring alert", "Customer report", "Internal report"};
};
template <>
struct table<entry_type> {
    static constexpr std::array<std::string_view, 3> names{"note", "pinned", "link"};
};
template <>
struct table<cause_origin> {
    static constexpr std::array<std::string_view, 6> names{
        "code-change", "infrastructure", "external-dependency", "config", "capacity", "other"};
    static constexpr std::array<std::string_view, 6> descriptions{
        "Code change", "Infrastructure", "External dependency", "Configuration", "Capacity",
        "Other"};
};
template <>
struct table<resolution_type> {
    static constexpr std::array<std::string_view, 5> names{"rollback", "fix-forward", "scaling",
                                                           "config", "other"};
    static constexpr std::array<std::string_view, 5> descriptions{
        "Rollback", "Fix forward", "Scaling", "Configuration change", "Other"};
};
template <>
struct table<lesson_kind> {
    static constexpr std::array<std::string_view, 4> names{"helped", "slowed", "differently",
                                                           "learned"};
    static constexpr std::array<std::string_view, 4> descriptions{
        "What helped", "What slowed us down", "What we could have done differently",
        "What we know now"};
};
template <>
struct table<action_status> {
    static constexpr std::array<std::string_view, 2> names{"open", "done"};
};

template <>
struct table<reminder_kind> {
    static constexpr std::array<std::string_view, 2> names{"sitrep", "close"};
};

template <class Enum>
constexpr std::size_t index_of(Enum v) {
    if constexpr (std::is_same_v<Enum, severity>) {
        return table<severity>::index(v);
    } else {
        return static_cast<std::size_t>(v);
    }
}

template <class Enum>
constexpr Enum enum_at(std::size_t i) {
    if constexpr (std::is_same_v<Enum, severity>) {
        return table<severity>::at(i);
    } else {
        return static_cast<Enum>(i);
    }
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (x != b[i]) return false;
    }
    return true;
}

}  // namespace

template <class Enum>
std::optional<Enum> parse_enum(std::string_view text) {
    const auto& names = table<Enum>::names;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (equals_ignoring_case(text, names[i])) return enum_at<Enum>(i);
    }
    return std::nullopt;
}

template <class Enum>
std::span<const std::string_view> spellings() {
    return table<Enum>::names;
}

#define SCRIBE_VOCABULARY(Enum)                                                         \
    std::string_view to_string(Enum v) { return table<Enum>::names.at(index_of(v)); }   \
    template std::optional<Enum> parse_enum<Enum>(std::string_view);                    \
    template std::span<const std::string_view> spellings<Enum>();

SCRIBE_VOCABULARY(severity)
SCRIBE_VOCABULARY(phase)
SCRIBE_VOCABULARY(detection)
SCRIBE_VOCABULARY(entry_type)
SCRIBE_VOCABULARY(cause_origin)
SCRIBE_VOCABULARY(resolution_type)
SCRIBE_VOCABULARY(lesson_kind)
SCRIBE_VOCABULARY(action_status)
SCRIBE_VOCABULARY(reminder_kind)
#undef SCRIBE_VOCABULARY

std::string_view describe(cause_origin v) { return table<cause_origin>::descriptions.at(index_of(v)); }
std::string_view describe(resolution_type v) {
    return table<resolution_type>::descriptions.at(index_of(v));
}
std::string_view describe(detection v) { return table<detection>::descriptions.at(index_of(v)); }
std::string_view describe(lesson_kind v) { return table<lesson_kind>::descriptions.at(index_of(v)); }

}  // namespace scribe::model
