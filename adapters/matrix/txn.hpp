// Transaction ids for what the bot sends, derived from what it answers, so retries dedupe.
#pragma once

#include <string>
#include <string_view>

namespace scribe::adapters::matrix {

// The txn id of part `part` (0, 1, … for the text and each file) of the bot's answer to the
// event `origin` (an inbound event id, or any other stable key of why the bot speaks):
// "scribe-" + origin with every byte but [A-Za-z0-9] written as "_XX" + "-" + part.
//
// Why derived and not random: a send can time out after the homeserver stored the event, and
// the bot can crash between sending a reply and committing the sync position, after which the
// same inbound event is processed again. The homeserver treats a PUT with the same txn id on
// the same path from the same device as a retransmission and answers with the original
// event_id (protocols.md §3.1), so a deterministic id turns both cases into no double post.
// The escape is injective, so two origins never share an id. The dedupe is per device: the
// adapter must keep one device (a long-lived token), since a new login makes a new device,
// for which the same id is a new message.
std::string txn_id(std::string_view origin, int part = 0);

}  // namespace scribe::adapters::matrix
