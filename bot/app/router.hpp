// The router: messages, pins and edits from any adapter go through the command language to the
// store, and confirmations and documents go back. One channel's work is handled one item at a
// time, in order; different channels proceed side by side while their appends share group
// commits. It runs on the adapters' loop, every call but stats() and idle() made there, and
// plans from the incidents it holds in memory; what a plan finds missing (a room not seen since
// the start, an incident forgotten or changed by another writer, a list) is read and folded
// off the loop, and the plan made again, so a slow read never holds up the adapters.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "adapters/bot.hpp"
#include "adapters/bounded_map.hpp"
#include "adapters/message.hpp"
#include "adapters/stats.hpp"
#include "bot/model/bar_raiser.hpp"
#include "bot/model/incident.hpp"
#include "bot/model/reminders.hpp"
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
    model::reminder_policy reminders;
    model::bar_raiser_policy bar_raiser;
    // Posts a message that answers nothing (reminders) to reply.platform / reply.channel.
    std::function<void(adapters::outbound_reply)> announce;
    // How to pin a message, per platform, for !help ("React with :pushpin: …").
    std::map<std::string, std::string> pin_hints;
};

// What the router counts for the operator's metrics.
struct router_stats {
    std::map<std::string, std::uint64_t> recorded;      // events stored, by platform
    std::map<std::string, std::uint64_t> deduplicated;  // redelivered events recognised, by platform
    std::map<std::string, adapters::latency_histogram> reply_latency;  // message in, reply out
    adapters::latency_histogram commit_latency;  // from append to durable
    std::uint64_t store_failures = 0;
    std::string last_store_error;  // empty since the last successful commit
    std::int64_t open_incidents = 0;  // as of the last look for reminders
};

class router {
public:
    using reply_sink = adapters::bot::reply_sink;
    // Runs once per item, with what became of it, after its replies.
    using done_callback = std::function<void(adapters::delivery_result)>;
    // Runs work somewhere: on the router's loop, or where the store is read.
    using executor = std::function<void(std::function<void()>)>;

    // `post` runs work on the router's loop; the store's callbacks come back via it. `read`
    // runs the store reads and folds (a thread of their own in `scribe run`); without it they
    // are posted to the loop too.
    router(store::event_store& store, router_options options, executor post, executor read = {});

    // A message: ignored without the prefix, otherwise exactly one reply once its events are
    // committed (none for a redelivered message).
    void handle(adapters::inbound_message message, reply_sink reply, done_callback done = {});

    // A message marked for the timeline, or unmarked (which retracts its entry).
    void pin(adapters::pin_request request, reply_sink reply, done_callback done = {});
    void unpin(adapters::pin_request request, reply_sink reply, done_callback done = {});

    // An edit updates the entries the message recorded (the history is kept); a deletion
    // retracts them.
    void message_changed(adapters::message_change change, reply_sink reply,
                         done_callback done = {});

    // A room opened for an incident joins it (room_linked), as `!link-room` would.
    void link_room(adapters::room_link link, reply_sink reply, done_callback done = {});

    // Posts the reminders due at `now` (once each, across restarts) in the rooms of their
    // incidents, unless `post_due` is false (the platforms are not connected); then calls
    // `next` on the loop with when the next one falls due, if any will. Counts the open
    // incidents meanwhile.
    using next_reminder_callback = std::function<void(std::optional<model::timestamp>)>;
    void remind(model::timestamp now, bool post_due, next_reminder_callback next);
    void set_reminder_policy(model::reminder_policy policy) { options_.reminders = std::move(policy); }
    // What !help says about pinning on that platform.
    void set_pin_hint(const std::string& platform, std::string hint) {
        options_.pin_hints[platform] = std::move(hint);
    }

    // Sends the answers the store owes that no one is sending: those of earlier processes
    // (killed, or the active replica before a takeover) and this one's own whose delivery
    // failed, to the platforms in `reachable`, through `announce`. An answer owed for more
    // than a day is given up, with a warning. Calls `done` on the loop.
    void answer_owed(std::set<std::string> reachable, model::timestamp now,
                     std::function<void()> done);

    // No item waiting or in flight; callable from any thread.
    bool idle() const { return in_flight_ == 0; }
    // No answer handed to an adapter that has not said whether it was delivered; callable
    // from any thread.
    bool answers_settled() const { return unsettled_ == 0; }
    // A copy, callable from any thread (the health probes).
    router_stats stats() const;

    // The documents of one incident, as files, for `!close`, `!draft` and the CLI.
    adapters::attachment postmortem_file(const model::incident& incident) const;
    adapters::attachment agenda_file(const model::incident& incident) const;

private:
    struct pin_work {
        adapters::pin_request request;
        bool remove = false;
    };
    using incident_ptr = std::shared_ptr<model::incident>;
    struct reminder_work {
        std::int64_t incident_id = 0;
        model::due_reminder due;
    };
    using work = std::variant<commands::parse_result, pin_work, adapters::message_change,
                              reminder_work, adapters::room_link>;
    struct pending {
        adapters::inbound_message message;  // the item's channel and origin
        work what;
        reply_sink reply;
        done_callback done;
        std::chrono::steady_clock::time_point arrived{};
        // Read for this item's plan: lists, and incidents found not to exist.
        std::optional<std::vector<store::incident_summary>> incident_rows;
        std::optional<std::vector<store::action_row>> action_rows;
        std::set<std::int64_t> absent;
        int reads = 0;  // trips to the store so far
    };
    // What a plan found missing from memory.
    struct missing_reads {
        std::optional<model::source_key> channel;  // the room's open and latest incidents
        std::set<std::int64_t> incidents;
        bool incident_rows = false;
        bool action_rows = false;
        bool empty() const {
            return !channel && incidents.empty() && !incident_rows && !action_rows;
        }
    };
    // What was read for it, off the loop.
    struct store_reads {
        bool channel_read = false;  // open and latest are the channel's
        std::optional<std::int64_t> open;
        std::optional<std::int64_t> latest;
        std::vector<incident_ptr> incidents;  // folded
        std::set<std::int64_t> absent;
        std::optional<std::vector<store::incident_summary>> incident_rows;
        std::optional<std::vector<store::action_row>> action_rows;
        std::string error;  // the store could not be read
    };
    struct channel_state {
        bool loaded = false;
        bool busy = false;
        std::optional<std::int64_t> open;
        std::optional<std::int64_t> latest;
        std::deque<pending> queue;
    };
    // What the bot says for committed events: their confirmations, with the documents of a
    // close, and the incident a declaration opened.
    struct answer {
        std::string text;
        std::vector<adapters::attachment> files;
        std::pair<std::int64_t, std::string> declaration{0, {}};
    };
    // Owed answers read for answer_owed(), with their incidents' events.
    struct owed_reads {
        std::vector<store::unsent_answer> due;
        std::vector<std::int64_t> expired;
        std::map<std::int64_t, std::vector<model::event>> events;
        std::string error;
    };
    // What an item asks of the store and the channel once planned.
    struct outcome {
        std::vector<model::event> events;
        std::string reply;  // when there is nothing to record
        std::vector<adapters::attachment> files;
        std::vector<std::string> notes;  // said after the confirmation
    };

    void enqueue(pending item);
    void process_next(const std::string& channel_key);
    void finish(const std::string& channel_key, const pending& item,
                adapters::delivery_result result);
    // Plans the item at the front of the channel's queue and carries the plan out, unless it
    // needs reads first: then they are made, and the plan again when they are back. With
    // `read_failure`, the reads failed: the item is answered so and nothing is recorded.
    void plan_front(const std::string& channel_key, channel_state& channel,
                    const std::string& read_failure = {});
    void load_channel(channel_state& channel, const model::source_key& where, const pending& item);
    // The incident's state from memory, or null: when it does not exist (as read for this
    // item), or when it is not in memory (then it is added to missing_). Held by
    // pointer-owning handles, so the cache may forget it while a plan still reads it.
    incident_ptr known(std::int64_t id, const pending& item);
    // From the cache only.
    incident_ptr cached(std::int64_t id);
    // Reads `wanted` off the loop, then runs `then` on the loop with what was read.
    void read_then(missing_reads wanted, std::function<void(store_reads)> then);
    // Runs on the reader: the store only, no router state.
    store_reads read_store(const missing_reads& wanted);
    // Keeps what was read: states newer than those held, the channel's incidents, lists.
    void install(store_reads& found, channel_state* channel, pending* item);
    outcome plan_command(const pending& item, const commands::command& command,
                         const channel_state& channel);
    outcome plan_pin(const pending& item, const pin_work& pin, const channel_state& channel);
    outcome plan_change(const pending& item, const adapters::message_change& change,
                        const channel_state& channel);
    outcome plan_reminder(const pending& item, const reminder_work& reminder);
    outcome plan_link(const pending& item, const adapters::room_link& link);
    void on_committed(const std::string& channel_key, pending item,
                      std::vector<model::event> events, std::vector<std::string> notes,
                      store::append_result result);
    // The incidents the committed events cannot be applied to in memory: not held, or
    // written to by another process in between. They are read again before the replies.
    std::set<std::int64_t> behind(const std::vector<model::event>& events,
                                  const store::append_result& result);
    void answer_committed(const std::string& channel_key, pending item,
                          std::vector<model::event> events, std::vector<std::string> notes,
                          store::append_result result);
    // The held incident with `e` applied, unless it already holds it.
    incident_ptr advance(const model::event& e);
    void remind_open(model::timestamp now, bool post_due, std::vector<store::incident_summary> open,
                     bool read_missing, next_reminder_callback next);
    outcome show(const pending& item, const commands::cmd::show& what);
    std::string list_incidents(const pending& item);
    std::string list_actions(const pending& item);
    // Changes the stats under their lock.
    template <class Change>
    void count(Change change) {
        std::lock_guard lock(stats_mutex_);
        change(stats_);
    }
    // `declaration`: the number and title of an incident the reply confirms was declared.
    // `answer_id`: the answer the store owes for it, settled once the reply is delivered.
    void send(const pending& item, std::string text, std::vector<adapters::attachment> files = {},
              bool recorded = false,
              const std::pair<std::int64_t, std::string>& declaration = {0, {}},
              bool replaces_earlier = false, std::int64_t answer_id = 0);
    // Adds the confirmation of `e`, committed, with `after` its incident's state then.
    void confirm(answer& a, const model::event& e, const model::incident& after) const;
    // The platform's id of what made the bot answer the item (reminders: none).
    static std::string cause_of(const pending& item);
    // The answer owed for the planned item's events, kept with them.
    store::owed_answer owed_for(const pending& item, const model::event& first,
                                const std::vector<std::string>& notes) const;
    // Runs on the reader: the owed answers to send now, and the events they answer.
    owed_reads read_owed(const std::set<std::string>& reachable, model::timestamp now,
                         const std::set<std::int64_t>& retry);
    void resend(const store::unsent_answer& owed, const std::vector<model::event>& events);
    // The replies of `count` parts settle the answer `id`: delivered when every one was.
    std::function<void(bool)> settler(std::int64_t id, std::size_t count);
    void on_settled(std::int64_t id, bool delivered);
    // Adds the answer to those being sent, or takes it out; keeps unsettled_ in step.
    void mark_answering(std::int64_t id, bool sending);

    store::event_store& store_;
    router_options options_;
    executor post_;
    executor read_;
    missing_reads missing_;  // what the plan being made found missing
    std::map<std::string, channel_state> channels_;
    // The incidents folded lately (channels' open and latest ones, those named by number),
    // least recently used forgotten first; one forgotten is folded from the store again.
    adapters::bounded_map<std::int64_t, incident_ptr> incidents_{256};
    std::atomic<std::size_t> in_flight_ = 0;
    std::set<std::string> reminding_;  // source ids of reminders queued or being recorded
    // This process, as the owner of the answers it owes.
    std::string answerer_;
    std::set<std::int64_t> answering_;  // owed answers being sent by this process
    std::atomic<std::size_t> unsettled_ = 0;  // answering_'s size, for other threads
    std::set<std::int64_t> retry_;      // this process's owed answers whose delivery failed
    std::map<std::int64_t, int> failed_deliveries_;  // of those, how often
    mutable std::mutex stats_mutex_;
    router_stats stats_;
};

}  // namespace scribe::app
