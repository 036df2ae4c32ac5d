// Chat text to a command, or a precise error with the verb's usage.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "bot/model/zone.hpp"
#include "commands/command.hpp"

namespace scribe::commands {

struct parse_context {
    model::timestamp now{};
    model::zone zone = model::zone::utc();
    std::string prefix = "!";
    std::string platform = "console";  // the platform plain user names belong to
    std::size_t max_text = 4000;       // bytes of user text in one command
    model::severity default_severity = model::severity::sev3;
    // Turns a platform mention ("<@U123>", "@alice:example.org") into a person with a display
    // name; when empty, mentions keep their id as the name.
    std::function<std::optional<model::person>(std::string_view)> resolve_mention;
    std::string pin_hint;  // for !help: how to pin a message here, if one can
};

struct parse_error {
    std::string message;
    std::string usage;  // the verb's usage line(s), or a pointer to !help
};

using parse_result = std::variant<command, parse_error>;

// nullopt when the message is not addressed to the bot (no prefix): such messages are ignored.
std::optional<parse_result> parse(std::string_view message, const parse_context& context);

// "!tl [-15m|@14:05|@2026-11-21T14:05Z] <text>" for one verb, empty for an unknown one.
std::string usage_of(std::string_view verb, std::string_view prefix);

// The command reference: every verb with its usage and what it does, or one verb in detail;
// `pin_hint` says how to pin a message on the platform asking ("React with :pushpin: …"),
// empty where there is no such thing.
std::string help_text(std::string_view verb, std::string_view prefix,
                      std::string_view pin_hint = {});

}  // namespace scribe::commands
