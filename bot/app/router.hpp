// The router: messages from any adapter go through the command language to the store, and
// confirmations and documents go back. One channel's messages are handled one at a time, in
// order; different channels proceed side by side while their appends share group commits.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "adapters/message.hpp"
#include "bot/model/incident.hpp"
#include "bot/model/zone.hpp"
#include "bot/store/event_store.hpp"
#include "commands/parser.hpp"
#include "commands/planner.hpp"

namespace scribe::app {

struct router_options {
    std::string prefix = "!";
    model::zone zone = model::zone::utc();
    model::severity default_severity = model::severity::sev3;
    std::size_t max_text = 4000;
    std::string postmortem_template;  // Mustache text; empty for the built-in draft
    std::function<model::timestamp()> clock;
};

class router {
public:
    using reply_sink = std::function<void(adapters::outbound_reply)>;
    // Runs a continuation on the router's own thread; the store's callbacks come back via it.
    using executor = std::function<void(std::function<void()>)>;
    // Turns a platform mention into a person with a display name (may be empty).
    using mention_resolver = std::function<std::optional<model::person>(std::string_view)>;

    router(store::event_store& store, router_options options, executor post);

    // Handles one message: ignored without the prefix, otherwise exactly one reply through
    // `reply` once the message's events are committed (none for a redelivered message).
    void handle(adapters::inbound_message message, reply_sink reply,
                mention_resolver resolve = {});

    // No message waiting or in flight.
    bool idle() const { return in_flight_ == 0; }

    // The documents of one incident, as files, for `!close`, `!draft` and the CLI.
    adapters::attachment postmortem_file(const model::incident& incident) const;
    adapters::attachment agenda_file(const model::incident& incident) const;

private:
    struct pending {
        adapters::inbound_message message;
        commands::parse_result command;  // or the error to answer with
        reply_sink reply;
    };
    struct channel_state {
        bool loaded = false;
        bool busy = false;
        std::optional<std::int64_t> open;
        std::optional<std::int64_t> latest;
        std::deque<pending> queue;
    };

    void process_next(const std::string& channel_key);
    void finish(const std::string& channel_key);
    void load_channel(channel_state& channel, const model::source_key& where);
    const model::incident* incident(std::int64_t id);
    void on_committed(const std::string& channel_key, pending item,
                      std::vector<model::event> events, store::append_result result);
    void show(const pending& item, const commands::cmd::show& what);
    std::string list_incidents() const;
    std::string list_actions() const;
    void send(const pending& item, std::string text, std::vector<adapters::attachment> files = {});

    store::event_store& store_;
    router_options options_;
    executor post_;
    std::map<std::string, channel_state> channels_;
    std::map<std::int64_t, model::incident> incidents_;  // open ones and each channel's latest
    std::size_t in_flight_ = 0;
};

}  // namespace scribe::app
