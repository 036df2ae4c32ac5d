// A user named in a command: a platform mention or a plain name.
#pragma once

#include <optional>
#include <string_view>

#include "bot/model/event.hpp"
#include "commands/parser.hpp"

namespace scribe::commands {

// "<@U123>", "<@U123|alice>" (Slack), "@alice:example.org" (Matrix), "@alice" or "alice";
// nullopt for a token that cannot be a user.
std::optional<model::person> to_person(std::string_view token, const parse_context& context);

}  // namespace scribe::commands
