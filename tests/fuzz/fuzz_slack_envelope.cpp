// libFuzzer target: Socket Mode text frames (several per input, split at NUL bytes, which JSON
// never contains) go through the frame, event and markup parsers and through a session driven
// as the adapter drives it. Nothing may crash or hang, and the session must keep its promises:
// no more than 10 links, and acks only on links that are open.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <set>
#include <string_view>

#include "adapters/slack/events.hpp"
#include "adapters/slack/markup.hpp"
#include "adapters/slack/socket_mode.hpp"

namespace {

using namespace scribe::adapters::slack;

constexpr std::string_view hello_frame =
    R"({"type":"hello","num_connections":1,"debug_info":{"host":"fuzz","approximate_connection_time":3600},"connection_info":{"app_id":"A1"}})";

void check(bool ok) {
    if (!ok) __builtin_trap();
}

void check_markup(std::string_view text) {
    const auto decoded = decode_markup(text);
    (void)neutralise_mass_mentions(text);
    (void)neutralise_mass_mentions(decoded);
    check(decode_markup(escape_markup(decoded)) == decoded);
}

void check_parsers(std::string_view text) {
    check_markup(text);
    const auto parsed = parse_frame(text);
    const auto* e = std::get_if<envelope>(&parsed);
    if (!e) return;
    check(!e->envelope_id.empty());
    const auto event = parse_payload(*e);
    (void)is_own(event, "U0BOT", "B0BOT");
    (void)event_key(event);
    (void)subject_key(event);
    if (const auto message = to_inbound_message(event)) check_markup(message->text);
    if (const auto* command = std::get_if<slash_command>(&event)) check_markup(command->text);
    (void)ack_frame(e->envelope_id, text);  // any text offered as a response payload
}

// Plays the adapter's part: performs every action at once, and reports back.
class driver {
  public:
    driver() : session_(config()) { run(session_.start(now_)); }

    void frame(std::size_t index, std::string_view text) {
        if (!open_.empty()) {
            auto it = open_.begin();
            std::advance(it, static_cast<std::ptrdiff_t>(index % open_.size()));
            run(session_.on_frame(*it, text, now_));
        }
        now_ += std::chrono::seconds{4};
        run(session_.tick(now_));
    }

  private:
    static session_config config() {
        session_config c;
        c.links = 2;
        c.dedupe_capacity = 8;  // small, so forgetting is exercised too
        c.seed = 1;
        return c;
    }

    void run(std::vector<action> first) {
        std::deque<action> queue(first.begin(), first.end());
        // Every action leads to finitely many others; the budget turns a loop into a crash.
        for (int budget = 10'000; !queue.empty(); --budget) {
            check(budget > 0);
            action next = std::move(queue.front());
            queue.pop_front();
            std::vector<action> more;
            if (const auto* o = std::get_if<open_link>(&next)) {
                open_.insert(o->id);
                more = session_.on_link_opened(o->id, now_);
                const auto hello = session_.on_frame(o->id, hello_frame, now_);
                more.insert(more.end(), hello.begin(), hello.end());
            } else if (const auto* c = std::get_if<close_link>(&next)) {
                open_.erase(c->id);
                more = session_.on_link_closed(c->id, {}, now_);
            } else if (const auto* a = std::get_if<send_ack>(&next)) {
                check(open_.count(a->link) == 1);
            } else if (const auto* d = std::get_if<deliver>(&next)) {
                more = session_.on_committed(d->message.envelope_id, R"({"text":"ok"})");
            }
            queue.insert(queue.end(), more.begin(), more.end());
            check(session_.links() <= max_links);
        }
    }

    session session_;
    clock::time_point now_{};
    std::set<link_id> open_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    driver d;
    std::size_t index = 0;
    for (std::size_t start = 0; start <= input.size(); ++index) {
        const auto end = std::min(input.find('\0', start), input.size());
        const auto text = input.substr(start, end - start);
        check_parsers(text);
        d.frame(index, text);
        start = end + 1;
    }
    return 0;
}
