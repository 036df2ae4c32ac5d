// Runs the Socket Mode session over real links: one coroutine per link reads frames, the
// session decides, and this file carries out its actions and dispatches envelopes to the bot.
#include "adapters/slack/slack_adapter.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <nlohmann/json.hpp>

#include "adapters/log_entry.hpp"
#include "adapters/net/constants.hpp"
#include "adapters/net/error.hpp"
#include "adapters/net/sleep.hpp"
#include "adapters/net/websocket_client.hpp"
#include "adapters/slack/events.hpp"
#include "adapters/slack/markup.hpp"
#include "adapters/slack/outbox.hpp"
#include "adapters/slack/web_api.hpp"
#include "bot/model/overloaded.hpp"

namespace scribe::adapters::slack {
namespace {

namespace asio = boost::asio;

net::url parse_or_throw(const std::string& text) {
    auto parsed = net::parse_url(text);
    if (!parsed) throw std::invalid_argument("slack.api_url '" + text + "' is not a URL");
    return *parsed;
}

// "<@UBOT> tl x" and "<@UBOT> !tl x" both mean "!tl x"; other text is left as it is.
std::string address_to_bot(std::string text, const std::string& bot_user_id,
                           const std::string& prefix) {
    if (bot_user_id.empty()) return text;
    const std::string mention = "<@" + bot_user_id;
    if (text.rfind(mention, 0) != 0) return text;
    const auto end = text.find('>');
    if (end == std::string::npos) return text;
    std::string rest = text.substr(end + 1);
    const auto start = rest.find_first_not_of(" \t\n");
    rest = start == std::string::npos ? std::string() : rest.substr(start);
    return rest.rfind(prefix, 0) == 0 ? rest : prefix + rest;
}

}  // namespace

slack_adapter::slack_adapter(asio::any_io_executor executor,
                             std::shared_ptr<asio::ssl::context> tls, slack_settings settings,
                             bot& to_bot)
    : executor_(std::move(executor)),
      tls_(std::move(tls)),
      settings_(std::move(settings)),
      bot_(to_bot),
      api_url_(parse_or_throw(settings_.api_url)),
      names_([this](std::string user) { return ask_name(std::move(user)); }) {
    web_api_options options;
    options.allow_plaintext = settings_.allow_plaintext;
    bot_api_ = std::make_unique<web_api>(executor_, tls_, api_url_, settings_.bot_token, options);
    app_api_ = std::make_unique<web_api>(executor_, tls_, api_url_, settings_.app_token, options);
    outbox_ = std::make_unique<outbox>(executor_, *bot_api_, settings_.mark_emoji,
                                       [this](std::exception_ptr failure) { notice(failure); });
}

void slack_adapter::notice(std::exception_ptr failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const credential_refused& e) {
        refuse("the Slack bot token was refused (" + e.code() + "); check slack.bot_token");
    } catch (const std::exception&) {
        // Logged where it happened; the links carry on.
    }
}

void slack_adapter::refuse(std::string why) {
    if (!refused_) refused_ = std::move(why);
    stop();
}

slack_adapter::~slack_adapter() = default;

std::size_t slack_adapter::pending_replies() const { return outbox_->pending(); }

void slack_adapter::post(outbound_reply reply) { outbox_->post(std::move(reply)); }

std::string slack_adapter::pin_hint() const {
    return "React with :" + settings_.pin_emoji + ": to put any message on the timeline.";
}

adapter_stats slack_adapter::stats() const {
    adapter_stats out = stats_;
    out.reconnects = links_opened_ > 0 ? links_opened_ - 1 : 0;
    out.rate_limit_waits = bot_api_->stats().rate_limit_waits + app_api_->stats().rate_limit_waits;
    return out;
}

asio::awaitable<void> slack_adapter::run() {
    stopping_ = false;
    refused_.reset();
    try {
        const identity me = co_await bot_api_->auth_test();
        bot_user_id_ = me.user_id;
        bot_id_ = me.bot_id;
        outbox_->set_bot_user(me.user_id);
        spdlog::info("Slack: connected to {} as {} ({})", me.team, me.user_id, me.bot_id);
    } catch (const credential_refused& e) {
        throw credential_refused("the Slack bot token was refused (" + e.code() +
                                     "); check slack.bot_token",
                                 e.code());
    }
    if (stopping_) co_return;
    session_config config = settings_.session;
    config.links = settings_.links;
    session_.emplace(config);
    clock_ = std::make_unique<asio::steady_timer>(executor_);
    execute(session_->start(clock::now()));
    co_await keep_time();
    if (refused_) throw credential_refused(*refused_);
}

void slack_adapter::stop() {
    if (stopping_) return;
    stopping_ = true;
    if (session_) execute(session_->stop());
    if (clock_) clock_->cancel();
}

// Fires the session's deadlines; wakes early whenever execute() may have moved them.
asio::awaitable<void> slack_adapter::keep_time() {
    while (!stopping_ || session_->links() > 0) {
        const auto deadline = session_->next_deadline();
        clock_->expires_at(deadline.value_or(clock::now() + std::chrono::hours(1)));
        auto [ec] = co_await clock_->async_wait(net::nothrow);
        if (!ec) execute(session_->tick(clock::now()));
        if (stopping_ && session_->links() == 0) break;
    }
}

void slack_adapter::execute(std::vector<action> actions) {
    for (auto& a : actions) {
        std::visit(model::overloaded{
                       [&](open_link& open) {
                           asio::co_spawn(executor_, run_link(open.id, open.delay),
                                          log_failure("Slack", "link " + std::to_string(open.id)));
                       },
                       [&](close_link& close) {
                           if (const auto it = sockets_.find(close.id); it != sockets_.end()) {
                               it->second->close();
                           } else {
                               cancelled_.insert(close.id);
                           }
                       },
                       [&](send_ack& ack) {
                           if (const auto it = sockets_.find(ack.link); it != sockets_.end()) {
                               it->second->send(std::move(ack.frame));
                           } else {
                               spdlog::warn("Slack: no open link to ack on; Slack will redeliver");
                           }
                       },
                       [&](slack::deliver& d) {
                           asio::co_spawn(executor_, dispatch(std::move(d.message)),
                                          log_failure("Slack", "dispatch"));
                       },
                       [&](log_entry& entry) { write_log("Slack", entry); },
                   },
                   a);
    }
    if (const bool up = session_ && session_->ready_links() > 0; up != link_up_) {
        link_up_ = up;
        if (up) {
            mark_up(std::chrono::system_clock::now());
        } else {
            mark_down("no Socket Mode link is open", std::chrono::system_clock::now());
        }
    }
    if (clock_) clock_->cancel();  // deadlines may have moved
}

asio::awaitable<void> slack_adapter::run_link(link_id id, std::chrono::milliseconds delay) {
    link_end end;
    std::unique_ptr<net::websocket_connection> socket;
    try {
        if (delay.count() > 0) co_await net::sleep_for(delay);
        if (!cancelled_.contains(id)) {
            const std::string address = co_await app_api_->open_connection();
            auto target = net::parse_url(address);
            if (!target) {
                throw api_failure("Slack apps.connections.open gave an unusable URL",
                                  {api_verdict::kind::refused, "bad_url", {}, {}});
            }
            net::websocket_options options;
            options.allow_plaintext = settings_.allow_plaintext;
            options.idle_timeout = settings_.idle_timeout;
            socket = co_await net::websocket_connection::connect(executor_, tls_, *target, options);
        }
    } catch (const credential_refused& e) {
        end.what = link_end::kind::rejected;
        end.detail = e.what();
        if (!refused_) {
            refused_ = "the Slack app-level token was refused (" + e.code() +
                       "); check slack.app_token";
        }
    } catch (const std::exception& e) {
        end.what = link_end::kind::failed;
        end.detail = e.what();
    }
    if (socket && !cancelled_.contains(id)) {
        sockets_[id] = socket.get();
        ++links_opened_;
        execute(session_->on_link_opened(id, clock::now()));
        try {
            while (auto message = co_await socket->read()) {
                if (message->binary) {
                    spdlog::warn("Slack: ignored a binary frame of {} bytes", message->data.size());
                    continue;
                }
                execute(session_->on_frame(id, message->data, clock::now()));
            }
            end.detail = "closed (" + std::to_string(socket->close_code()) + ")";
        } catch (const std::exception& e) {
            end.detail = e.what();
        }
        sockets_.erase(id);
    } else if (end.detail.empty()) {
        end.detail = "cancelled";
    }
    cancelled_.erase(id);
    execute(session_->on_link_closed(id, end, clock::now()));
    // A refused app-level token: nothing helps until a person acts; run() says so.
    if (refused_) refuse(*refused_);
}

void slack_adapter::committed(const envelope& e, std::optional<std::string> response) {
    if (const auto* arrived = arrivals_.find(e.envelope_id)) {
        ++stats_.acked;
        stats_.ack_latency.observe(std::chrono::steady_clock::now() - *arrived);
        arrivals_.erase(e.envelope_id);
    }
    if (!session_) return;
    if (response) {
        execute(session_->on_committed(e.envelope_id, std::string_view(*response)));
    } else {
        execute(session_->on_committed(e.envelope_id));
    }
}

bot::reply_sink slack_adapter::reply_to(std::string channel, std::string thread,
                                        std::string requester) {
    return [this, channel = std::move(channel), thread = std::move(thread),
            requester = std::move(requester)](outbound_reply r) {
        r.channel = channel;
        r.thread = thread;
        on_reply(r, requester);
        outbox_->post(std::move(r));
    };
}

void slack_adapter::on_reply(const outbound_reply& reply, const std::string& requester) {
    if (!settings_.incident_channels || reply.declared_incident == 0 || requester.empty()) return;
    asio::co_spawn(executor_,
                   open_incident_channel(reply.declared_incident, reply.declared_title, requester,
                                         reply.channel),
                   log_failure("Slack", "incident channel for incident " +
                                            std::to_string(reply.declared_incident)));
}

// Creates the channel (another name when that one is taken), invites the requester, links it
// to the incident and says where it is.
asio::awaitable<void> slack_adapter::open_incident_channel(std::int64_t incident, std::string title,
                                                           std::string requester,
                                                           std::string origin) {
    const std::string base = incident_channel_name(title, std::chrono::system_clock::now());
    std::string channel;
    for (int attempt = 1; channel.empty(); ++attempt) {
        std::string name = base;
        if (attempt > 1) name = base.substr(0, 80 - 1 - std::to_string(attempt).size()) + "-" +
                                std::to_string(attempt);
        try {
            channel = co_await bot_api_->create_channel(name);
        } catch (const api_failure& e) {
            if (e.code() != "name_taken" || attempt >= 20) throw;
        }
    }
    co_await bot_api_->invite(channel, requester);
    spdlog::info("Slack: opened channel {} for incident {}", channel, incident);
    room_link link;
    link.by = co_await person_of(requester);
    link.room = {std::string(slack::platform), channel, "open-channel:" + std::to_string(incident),
                 0};
    link.incident = incident;
    link.at = std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
    co_await bot_.link_room(std::move(link), reply_to(channel, std::string(), std::string()));
    outbound_reply pointer;
    pointer.channel = origin;
    pointer.text = "Incident #" + std::to_string(incident) + " has a channel of its own: #" +
                   base + " (the timeline records both).";
    outbox_->post(std::move(pointer));
}

asio::awaitable<std::string> slack_adapter::ask_name(std::string user) {
    const auto found = co_await bot_api_->user_info(user);
    co_return found.display_name;
}

asio::awaitable<model::person> slack_adapter::person_of(std::string user) {
    // The id stands in for the name when Slack cannot say.
    std::string name = co_await names_.name_of(user, user);
    co_return model::person{std::string(slack::platform), std::move(user), std::move(name)};
}

asio::awaitable<std::map<std::string, model::person, std::less<>>> slack_adapter::mentions_in(
    std::string text) {
    std::map<std::string, model::person, std::less<>> people;
    for (std::size_t at = text.find("<@"); at != std::string::npos; at = text.find("<@", at + 2)) {
        const auto close = text.find('>', at);
        if (close == std::string::npos) break;
        const std::string mention = text.substr(at, close - at + 1);
        const std::string id = mention.substr(2, mention.find('|') == std::string::npos
                                                     ? mention.size() - 3
                                                     : mention.find('|') - 2);
        if (id.empty() || people.contains(mention)) continue;
        people.emplace(mention, co_await person_of(id));
    }
    co_return people;
}

void slack_adapter::remember_message(const std::string& channel, const std::string& ts,
                                     std::string user, std::string text) {
    recent_.insert(channel + "/" + ts, std::pair{std::move(user), std::move(text)});
}

asio::awaitable<void> slack_adapter::dispatch(envelope e) {
    ++stats_.received;
    arrivals_.insert(e.envelope_id, std::chrono::steady_clock::now());
    const inbound_event event = parse_payload(e);
    std::optional<delivery_result> result;
    auto answer = std::make_shared<std::string>();  // a slash command's, riding on the ack
    try {
        result = co_await deliver(event, answer);
    } catch (const credential_refused& refusal) {
        // Not acked: after a person fixes the token, Slack delivers it again.
        refuse("the Slack bot token was refused (" + refusal.code() + "); check slack.bot_token");
    } catch (const api_failure& failure) {
        if (failure.verdict().what == api_verdict::kind::refused) {
            // Slack refused what handling the event needs; another delivery would fare no
            // better, so it is acked and the log says what was lost.
            spdlog::error("Slack: could not handle envelope {}: {}", e.envelope_id,
                          failure.what());
            result = delivery_result::handled;
        } else {
            spdlog::warn("Slack: envelope {} not handled ({}); Slack will deliver it again",
                         e.envelope_id, failure.what());
        }
    } catch (const std::exception& failure) {
        // Slack or the network is failing: not acked, so Slack delivers it again.
        spdlog::warn("Slack: envelope {} not handled ({}); Slack will deliver it again",
                     e.envelope_id, failure.what());
    }
    if (result != delivery_result::handled) co_return;
    if (answer->empty()) {
        committed(e);
    } else {
        committed(e, *answer);
    }
}

asio::awaitable<delivery_result> slack_adapter::deliver(
    const inbound_event& event, std::shared_ptr<std::string> answer) {
    if (is_own(event, bot_user_id_, bot_id_)) co_return delivery_result::handled;
    if (const auto* posted = std::get_if<message_posted>(&event)) {
        remember_message(posted->channel, posted->ts, posted->user, posted->text);
    }
    if (std::holds_alternative<message_posted>(event) ||
        std::holds_alternative<app_mention>(event)) {
        auto message = to_inbound_message(event);
        if (!message) co_return delivery_result::handled;
        const auto& fields = std::holds_alternative<message_posted>(event)
                                 ? static_cast<const message_fields&>(std::get<message_posted>(event))
                                 : std::get<app_mention>(event);
        message->text = address_to_bot(std::move(message->text), bot_user_id_, settings_.prefix);
        co_return co_await deliver_message(std::move(*message), fields.thread_ts);
    }
    if (const auto* changed = std::get_if<message_changed>(&event)) {
        remember_message(changed->channel, changed->ts, changed->user, changed->text);
        message_change change;
        change.message = message_key(changed->channel, changed->ts);
        change.by = co_await person_of(changed->user);
        change.new_text =
            address_to_bot(decode_markup(changed->text), bot_user_id_, settings_.prefix);
        change.change_id = changed->edit_ts;
        change.at = parse_ts(changed->edit_ts).value_or(model::timestamp{});
        co_return co_await bot_.change(
            std::move(change), reply_to(changed->channel, std::string(), changed->user));
    }
    if (const auto* deleted = std::get_if<message_deleted>(&event)) {
        message_change change;
        change.message = message_key(deleted->channel, deleted->deleted_ts);
        change.by = {std::string(slack::platform), deleted->user, deleted->user};
        change.deleted = true;
        change.change_id = deleted->event_ts;
        change.at = parse_ts(deleted->event_ts).value_or(model::timestamp{});
        co_return co_await bot_.change(std::move(change), bot::reply_sink());
    }
    if (const auto* r = std::get_if<reaction>(&event)) {
        if (r->name != settings_.pin_emoji) co_return delivery_result::handled;
        co_return co_await deliver_pin(r->channel, r->ts, r->user, r->added,
                                       r->event_id.empty() ? r->event_ts : r->event_id);
    }
    if (const auto* slash = std::get_if<slash_command>(&event)) {
        co_return co_await deliver_slash(slash->channel_id, slash->user_id,
                                         decode_markup(slash->text), slash->trigger_id,
                                         std::move(answer));
    }
    if (const auto* joined = std::get_if<member_joined>(&event)) {
        spdlog::info("Slack: {} joined channel {}", joined->user, joined->channel);
    } else if (const auto* odd = std::get_if<unreadable>(&event)) {
        spdlog::warn("Slack: unreadable event ({}); acknowledged and dropped", odd->reason);
    }
    co_return delivery_result::handled;
}

asio::awaitable<delivery_result> slack_adapter::deliver_message(inbound_message message,
                                                                std::string thread) {
    message.author = co_await person_of(message.author.id);
    message.mentions = co_await mentions_in(message.text);
    message.thread = thread;
    const std::string channel = message.source.channel;
    const std::string requester = message.author.id;
    co_return co_await bot_.message(std::move(message),
                                    reply_to(channel, std::move(thread), requester));
}

asio::awaitable<delivery_result> slack_adapter::deliver_pin(
    std::string channel, std::string ts, std::string reactor, bool added, std::string event_id) {
    pin_request request;
    request.event_id = std::move(event_id);
    request.pinned_by = co_await person_of(reactor);
    request.pinned.source = message_key(channel, ts);
    request.pinned.sent_at = parse_ts(ts).value_or(model::timestamp{});
    if (!added) {
        co_return co_await bot_.unpin(std::move(request),
                                      reply_to(channel, std::string(), reactor));
    }
    std::string user;
    std::string text;
    if (const auto* known = recent_.find(channel + "/" + ts)) {
        std::tie(user, text) = *known;
    } else if (auto found = co_await bot_api_->message(channel, ts)) {
        user = found->user;
        text = found->text;
    } else {
        spdlog::warn("Slack: pinned message {} in {} could not be read; not recorded", ts,
                     channel);
        co_return delivery_result::handled;
    }
    request.pinned.author = co_await person_of(user);
    request.pinned.text = decode_markup(text);
    request.permalink = co_await bot_api_->permalink(channel, ts);
    co_return co_await bot_.pin(std::move(request), reply_to(channel, std::string(), reactor));
}

asio::awaitable<delivery_result> slack_adapter::deliver_slash(
    std::string channel, std::string user, std::string text, std::string trigger_id,
    std::shared_ptr<std::string> answer) {
    inbound_message message;
    message.author = co_await person_of(user);
    message.source = {std::string(slack::platform), channel, "slash:" + trigger_id, 0};
    // "/incident" alone asks for help, as it would in any Slack app.
    message.text = settings_.prefix + (text.empty() ? std::string("help") : text);
    message.mentions = co_await mentions_in(text);
    co_return co_await bot_.message(std::move(message),
                                    slash_answer(std::move(answer), channel, user));
}

bot::reply_sink slack_adapter::slash_answer(std::shared_ptr<std::string> answer,
                                            std::string channel, std::string user) {
    // The answer rides on the ack (Slack shows it in the channel); documents follow as files.
    return [this, answer = std::move(answer), channel = std::move(channel),
            user = std::move(user)](outbound_reply reply) {
        nlohmann::json payload{{"response_type", "in_channel"},
                               {"text", escape_markup(reply.text)}};
        *answer = payload.dump();
        reply.channel = channel;
        on_reply(reply, user);
        if (!reply.files.empty()) {
            reply.text.clear();
            reply.recorded = false;
            outbox_->post(std::move(reply));
        }
    };
}

}  // namespace scribe::adapters::slack
