// The closed vocabularies of an incident (severity, phase, roles' kinds of material) and
// their one spelling each, shared by commands, store and documents.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace scribe::model {

enum class severity { sev1 = 1, sev2, sev3, sev4 };
enum class phase { investigating, identified, monitoring, mitigated, resolved, closed };
enum class detection { unknown, monitoring, customer, internal };
enum class entry_type { note, pinned, link };
enum class cause_origin { code_change, infrastructure, external_dependency, config, capacity, other };
enum class resolution_type { rollback, fix_forward, scaling, config, other };
enum class lesson_kind { helped, slowed, differently, learned };
enum class action_status { open, done };
enum class reminder_kind { sitrep, close };

std::string_view to_string(severity v);  // "sev1"
std::string_view to_string(phase v);     // "investigating"
std::string_view to_string(detection v);
std::string_view to_string(entry_type v);
std::string_view to_string(cause_origin v);  // "code-change"
std::string_view to_string(resolution_type v);
std::string_view to_string(lesson_kind v);
std::string_view to_string(action_status v);
std::string_view to_string(reminder_kind v);

// What a person reads in a document: "Code change", "What helped".
std::string_view describe(cause_origin v);
std::string_view describe(resolution_type v);
std::string_view describe(detection v);
std::string_view describe(lesson_kind v);

// Parsing is case-insensitive and takes exactly the spellings to_string writes.
template <class Enum>
std::optional<Enum> parse_enum(std::string_view text);

// Every spelling of an enum, in order, for usage lines and errors.
template <class Enum>
std::span<const std::string_view> spellings();

}  // namespace scribe::model
