// The terminal as a chat channel: each line of input is a message from the local user, replies
// are printed, attached documents are written to a folder.
#pragma once

#include <filesystem>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "adapters/adapter.hpp"
#include "adapters/bot.hpp"
#include "adapters/message.hpp"

namespace scribe::adapters::console {

struct console_options {
    std::string user = "you";       // --as NAME
    std::string channel = "console";
    std::string prefix = "!";
    std::filesystem::path output_dir = ".";  // where attachments are written
};

// A fresh id for a run's messages: random, so two runs started at once never share one.
std::string new_session_id();

class console_adapter final : public adapter {
public:
    console_adapter(std::istream& in, std::ostream& out, console_options options, bot& to_bot);

    std::string_view platform() const override { return "console"; }
    // Hands each message to the bot and prints its answers before reading the next line;
    // returns at the end of input or after stop(). Reading blocks the loop, which has nothing
    // else to do meanwhile: the console's loop serves the console alone.
    boost::asio::awaitable<void> run() override;
    void stop() override { stopping_ = true; }
    // An answer owed since an earlier session is not printed: the terminal that asked is gone.
    void post(outbound_reply reply) override {
        if (!reply.resend) deliver(reply);
        if (reply.settled) reply.settled(true);
    }
    std::size_t pending_replies() const override { return 0; }
    adapter_stats stats() const override { return stats_; }
    std::string pin_hint() const override { return {}; }

    // The next message, or nullopt at end of input. A line that is only "!sitrep" starts a
    // block: the lines after it belong to the same message, up to an empty line or a line that
    // starts with the prefix (the next command). A line ending in a backslash goes on with the
    // one after it, inside a block too.
    std::optional<inbound_message> next(model::timestamp now);

    // Prints the reply and writes its attachments, naming the files written.
    void deliver(const outbound_reply& reply);

    const console_options& options() const { return options_; }
    // Messages the store could not record (they were answered with the reason).
    std::uint64_t not_recorded() const { return not_recorded_; }

private:
    std::optional<std::string> read_message();
    // One logical line: a physical line and those a trailing backslash joins to it.
    std::optional<std::string> read_line();

    std::istream& in_;
    std::ostream& out_;
    console_options options_;
    bot& bot_;
    // Makes message ids unique across runs and concurrent processes on the same store.
    std::string session_ = new_session_id();
    long long count_ = 0;
    std::optional<std::string> pushed_back_;  // a line read past the end of a SitRep
    adapter_stats stats_;
    std::uint64_t not_recorded_ = 0;
    bool stopping_ = false;
};

}  // namespace scribe::adapters::console
