// Each reply: its text as a message (or a file's comment), its files, the mark it earned.
#include "adapters/slack/outbox.hpp"

#include <spdlog/spdlog.h>

#include "adapters/net/constants.hpp"
#include "adapters/slack/events.hpp"
#include "adapters/slack/markup.hpp"
#include "adapters/slack/web_api.hpp"

namespace scribe::adapters::slack {

namespace asio = boost::asio;

outbox::outbox(asio::any_io_executor executor, web_api& api, std::string mark_emoji,
               net::channel_queue::failure_hook on_failure)
    : api_(api),
      mark_emoji_(std::move(mark_emoji)),
      queue_(std::move(executor), "Slack", std::move(on_failure)) {}

void outbox::post(outbound_reply reply) {
    const std::string channel = reply.channel;
    auto settled = std::move(reply.settled);
    queue_.post(
        channel, [this, reply = std::move(reply)]() mutable { return deliver(std::move(reply)); },
        std::move(settled));
}

namespace {

// What names a reply among the bot's messages: the reminder's key, or what made the bot answer
// for an answer that recorded something (an error answer to the same message is no answer).
std::string mark_of(const outbound_reply& reply) {
    if (!reply.key.empty()) return "post:" + reply.key;
    if (!reply.recorded) return {};
    return reply.cause.empty() ? reply.in_reply_to : reply.cause;
}

}  // namespace

asio::awaitable<bool> outbox::already_posted(const outbound_reply& reply, const std::string& mark) {
    const std::string since = parse_ts(reply.in_reply_to) ? reply.in_reply_to : std::string();
    const std::string file = reply.files.empty() ? std::string() : reply.files.front().filename;
    std::string refused;
    try {
        co_return co_await api_.has_reply(reply.channel, reply.thread, since, mark, file,
                                          bot_user_);
    } catch (const api_failure& e) {
        // Slack's passing trouble is tried again later; a refusal (a scope missing, the
        // channel gone) would refuse every later try too.
        if (e.verdict().what != api_verdict::kind::refused) throw;
        refused = e.code();
    }
    spdlog::warn(
        "Slack: could not look in {} for an answer sent before ({}); posting it, "
        "which may show it twice",
        reply.channel, refused);
    co_return false;
}

asio::awaitable<void> outbox::deliver(outbound_reply reply) {
    const std::string text = escape_markup(reply.text);
    const std::string answered = reply.channel + "/" + reply.in_reply_to;
    const std::string mark = mark_of(reply);
    // Slack posts a message twice if asked twice, so a reply owed since before a restart is
    // looked for first: the process before may have posted it and stopped before it said so.
    bool posted_before = false;
    if (reply.resend) posted_before = co_await already_posted(reply, mark);
    if (posted_before) {
        spdlog::info("Slack: the reply to {} in {} was posted before; not posting it again",
                     reply.in_reply_to.empty() ? reply.key : reply.in_reply_to, reply.channel);
        reply.text.clear();
        reply.files.clear();
    }
    if (reply.replaces_earlier) {
        if (const auto* earlier = replies_.find(answered)) {
            co_await api_.update_message(reply.channel, *earlier, text);
        }
        co_return;
    }
    if (reply.files.empty()) {
        if (!reply.text.empty()) {
            const auto ts = co_await api_.post_message(reply.channel, text, reply.thread, mark);
            if (!reply.in_reply_to.empty()) replies_.insert_or_assign(answered, ts);
        }
    } else {
        // The text rides on the first file as its comment. (No conditional temporaries in a
        // co_await: g++ 12 destroys them twice.)
        std::string comment = text;
        for (auto& file : reply.files) {
            co_await api_.upload_file(reply.channel, file.filename, file.filename,
                                      std::move(file.content), std::move(comment), reply.thread);
            comment.clear();
        }
    }
    if (reply.recorded && !mark_emoji_.empty() && parse_ts(reply.in_reply_to)) {
        co_await api_.add_reaction(reply.channel, reply.in_reply_to, mark_emoji_);
    }
}

}  // namespace scribe::adapters::slack
