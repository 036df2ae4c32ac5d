// Slack's message markup: decoding what people wrote, escaping what the bot writes.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace scribe::adapters::slack {

// Slack text as a person reads it, for the command parser and the timeline:
//   &amp; &lt; &gt;                     -> & < >  (the only three Slack escapes)
//   <@U123>, <@U123|name>                -> kept exactly: the command parser resolves mentions
//   <#C123|name>, <#C123>                -> #name, #C123
//   <!here>, <!channel>, <!everyone>     -> @here, @channel, @everyone
//   <!subteam^S123|@oncall>, <!date^…|fallback> -> the label (@S123 for a subteam without one)
//   <https://x>, <https://x|https://x>   -> https://x
//   <http://x.io|x.io> (an auto-link)    -> http://x.io, so "!link x.io" still gets its scheme
//   <mailto:a@b.io|a@b.io>               -> a@b.io
//   <https://x|label>                    -> label (https://x)
// "label (url)" keeps both halves readable in a postmortem; `!link` wants a bare URL, which is
// what Slack sends for a typed one. A '<' without a closing '>' stays as it is.
std::string decode_markup(std::string_view text);

// & < > as Slack's three entities, so text from anywhere shows literally and cannot form a
// link or a mention.
std::string escape_markup(std::string_view text);

// Outgoing markup that quotes someone else's words: <!here>, <!channel>, <!everyone> and
// <!subteam^…> become plain "@here"…, and a zero-width space after every "@here", "@channel"
// and "@everyone" keeps them from notifying even when a message is posted with link_names.
// User mentions and links are left alone.
std::string neutralise_mass_mentions(std::string_view text);

// The name of an incident's own channel: "inc-2026-11-21-users-cant-see-transactions" from the
// UTC day it was declared and its title. Slack names are at most 80 characters of lower-case
// letters, digits, '-' and '_'; other characters become one '-' (letters outside ASCII too, as
// they may have no lower case Slack accepts).
std::string incident_channel_name(std::string_view title,
                                  std::chrono::system_clock::time_point declared);

}  // namespace scribe::adapters::slack
