// What every adapter carries: messages in from a chat platform, replies out to it.
#pragma once

#include <string>
#include <vector>

#include "bot/model/event.hpp"

namespace scribe::adapters {

// A message someone wrote, as the platform delivered it (markup already decoded).
struct inbound_message {
    model::person author;
    model::source_key source;  // platform, channel, the platform's message id
    std::string text;
    model::timestamp sent_at{};
};

// A document posted along with a reply (the postmortem draft, the agenda).
struct attachment {
    std::string filename;
    std::string media_type;  // "text/markdown"
    std::string content;
};

struct outbound_reply {
    std::string platform;
    std::string channel;
    std::string in_reply_to;  // the message id the reply answers, if any
    std::string text;
    std::vector<attachment> files;
};

}  // namespace scribe::adapters
