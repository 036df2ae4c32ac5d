// The terminal as a chat channel: each line of input is a message from the local user, replies
// are printed, attached documents are written to a folder.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "adapters/message.hpp"

namespace scribe::adapters::console {

struct console_options {
    std::string user = "you";       // --as NAME
    std::string channel = "console";
    std::string prefix = "!";
    std::filesystem::path output_dir = ".";  // where attachments are written
};

class console_adapter {
public:
    console_adapter(std::istream& in, std::ostream& out, console_options options);

    // The next message, or nullopt at end of input. A line that is only "!sitrep" starts a
    // block: the lines after it, up to an empty line, belong to the same message; so does a
    // line ending in a backslash with the one after it.
    std::optional<inbound_message> next(model::timestamp now);

    // Prints the reply and writes its attachments, naming the files written.
    void deliver(const outbound_reply& reply);

    const console_options& options() const { return options_; }

private:
    std::optional<std::string> read_message();

    std::istream& in_;
    std::ostream& out_;
    console_options options_;
    std::string session_;  // makes message ids unique across runs on the same store
    long long count_ = 0;
};

}  // namespace scribe::adapters::console
