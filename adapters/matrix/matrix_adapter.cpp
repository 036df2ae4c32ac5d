// Runs the Matrix sync loop: sync_state decides, this file carries out its actions, hands
// events to the bot and sends its answers.
#include "adapters/matrix/matrix_adapter.hpp"

#include <spdlog/spdlog.h>


#include "adapters/matrix/backfill.hpp"
#include "adapters/matrix/client.hpp"
#include "adapters/matrix/requests.hpp"
#include "adapters/matrix/sync.hpp"
#include "adapters/matrix/txn.hpp"
#include "adapters/matrix/uri.hpp"
#include "adapters/net/channel_queue.hpp"
#include "adapters/net/constants.hpp"
#include "adapters/net/sleep.hpp"

namespace scribe::adapters::matrix {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// The long poll's own timeout plus room for a slow answer.
constexpr milliseconds sync_grace{15'000};

net::url parse_homeserver(const std::string& text) {
    auto parsed = net::parse_url(text);
    if (!parsed) throw std::invalid_argument("matrix.homeserver '" + text + "' is not a URL");
    return *parsed;
}

// Call options are made outside the coroutines: g++ 12 destroys the temporaries of a braced
// list inside one twice, default arguments included.
call_options anywhere() { return call_options(); }

request join_request(const std::string& room) { return join(room, std::vector<std::string>()); }

call_options in_room(std::string room) {
    call_options options;
    options.room = std::move(room);
    return options;
}

call_options long_poll(milliseconds timeout) {
    call_options options;
    options.timeout = timeout + sync_grace;
    options.retry = false;
    return options;
}

// "@scribe:example.org" or "scribe": the localpart is what m.login.password's identifier takes.
std::string login_user(const std::string& user) {
    return user.starts_with('@') ? std::string(localpart(user)) : user;
}

// A refusal for good (forbidden, not found) is the homeserver's answer about one thing; any
// other failure (retries spent on a server error) is an outage, for the supervisor.
bool refused(const api_failure& e) { return e.verdict().what == api_verdict::kind::refused; }

}  // namespace

matrix_adapter::matrix_adapter(asio::any_io_executor executor,
                               std::shared_ptr<asio::ssl::context> tls, matrix_settings settings,
                               bot& to_bot)
    : executor_(std::move(executor)),
      settings_(std::move(settings)),
      bot_(to_bot),
      names_([this](std::string user) { return ask_name(std::move(user)); }),
      random_(std::random_device{}()) {
    client_options options;
    options.allow_plaintext = settings_.allow_plaintext;
    client_ = std::make_unique<client>(executor_, std::move(tls),
                                       parse_homeserver(settings_.homeserver), options);
    outbox_ = std::make_unique<net::channel_queue>(executor_, "Matrix");
}

matrix_adapter::~matrix_adapter() = default;

std::size_t matrix_adapter::pending_replies() const { return outbox_->pending(); }

std::string matrix_adapter::pin_hint() const {
    return "React with " + settings_.pin_key + " to put any message on the timeline.";
}

adapter_stats matrix_adapter::stats() const {
    adapter_stats out = stats_;
    out.rate_limit_waits = client_->stats().rate_limit_waits;
    return out;
}

void matrix_adapter::stop() { stopping_ = true; }

void matrix_adapter::post(outbound_reply reply) {
    const std::string room = reply.channel;
    // An answer sent again takes the txn ids of its first send (reply_to's), so the
    // homeserver posts it once.
    const std::string origin = reply.key.empty() ? reply.cause : "post-" + reply.key;
    auto settled = std::move(reply.settled);
    outbox_->post(
        room,
        [this, origin, reply = std::move(reply)]() mutable {
            const std::string thread = reply.thread;
            return send_when_back(origin, 0, thread, std::move(reply));
        },
        std::move(settled));
}

asio::awaitable<void> matrix_adapter::log_in() {
    if (!settings_.access_token.empty()) {
        client_->set_access_token(settings_.access_token);
        const auto me = parse_login(co_await client_->call(whoami(), anywhere()));
        if (!me) throw std::runtime_error("Matrix whoami answered without a user id");
        user_id_ = me->user_id;
    } else {
        std::string body;
        try {
            body = co_await client_->call(
                login_password(login_user(settings_.user), settings_.password, "Scribe",
                               settings_.device_id),
                anywhere());
        } catch (const api_failure& e) {
            if (e.code() != "M_FORBIDDEN") throw;
            throw credential_refused("the homeserver refused the Matrix password of " +
                                         settings_.user +
                                         " (M_FORBIDDEN); check matrix.user and matrix.password",
                                     e.code());
        }
        const auto session = parse_login(body);
        if (!session || session->access_token.empty()) {
            throw std::runtime_error("Matrix login answered without an access token");
        }
        user_id_ = session->user_id;
        client_->set_access_token(session->access_token);
    }
    display_name_ = co_await name_of(user_id_);
    spdlog::info("Matrix: signed in to {} as {} ({})", settings_.homeserver, user_id_,
                 display_name_);
}

asio::awaitable<void> matrix_adapter::run() {
    stopping_ = false;
    try {
        co_await serve();
    } catch (const credential_refused& e) {
        if (settings_.access_token.empty()) throw;  // the password, said where it was refused
        throw credential_refused("the homeserver refused the Matrix access token (" + e.code() +
                                     "); give the bot a new token (matrix.access_token) or its "
                                     "password (matrix.password)",
                                 e.code());
    }
}

asio::awaitable<void> matrix_adapter::serve() {
    co_await log_in();
    sync_config config;
    config.our_user_id = user_id_;
    config.invites = invite_policy(settings_.allowed_inviters);
    state_.emplace(std::move(config));
    if (auto since = co_await bot_.load_cursor("matrix:" + user_id_)) {
        state_->resume(std::move(*since));
        spdlog::info("Matrix: resuming from the stored sync position");
    }
    std::string filter = sync_filter(settings_.timeline_limit);
    try {
        if (auto id = response_field(
                co_await client_->call(upload_filter(user_id_, settings_.timeline_limit), anywhere()),
                "filter_id")) {
            filter = std::move(*id);
        }
    } catch (const api_failure& e) {
        if (!refused(e)) throw;
        spdlog::warn("Matrix: the filter was not stored ({}); sending it with every sync",
                     e.what());
    }
    while (!stopping_) co_await sync_once(filter);
}

asio::awaitable<void> matrix_adapter::sync_once(std::string filter) {
    // Until a sync has answered, one that returns at once: a resumed sync with nothing new would
    // otherwise hold the link unconfirmed (not ready, nothing owed sent) for a long poll.
    const milliseconds timeout =
        state_->initial() || !status().connected ? milliseconds{0} : settings_.sync_timeout;
    const std::string body =
        co_await client_->call(sync(state_->since(), filter, timeout), long_poll(timeout));
    auto parsed = parse_sync(body, user_id_);
    if (auto* bad = std::get_if<malformed>(&parsed)) {
        throw std::runtime_error("Matrix /sync gave an unreadable answer: " + bad->reason);
    }
    if (!status().connected) {
        spdlog::info("Matrix: syncing");
        if (synced_once_) ++stats_.reconnects;
        synced_once_ = true;
    }
    mark_up(std::chrono::system_clock::now());
    batch progress;
    co_await perform(state_->on_sync(std::get<sync_response>(parsed)), progress);
}

asio::awaitable<void> matrix_adapter::perform(std::vector<sync_action> actions, batch& progress) {
    for (auto& action : actions) {
        if (auto* d = std::get_if<deliver>(&action)) {
            ++progress.events;
            if (co_await handle(std::move(d->event)) == delivery_result::not_recorded) {
                progress.failed = true;
            }
        } else if (auto* j = std::get_if<join_room>(&action)) {
            co_await answer_invite(j->room_id, j->inviter, true);
        } else if (auto* decline = std::get_if<decline_invite>(&action)) {
            co_await answer_invite(decline->room_id, decline->inviter, false);
        } else if (auto* gap = std::get_if<fetch_gap>(&action)) {
            co_await fill_gap(std::move(*gap), progress);
        } else if (auto* left = std::get_if<left_room>(&action)) {
            spdlog::info("Matrix: no longer in room {}", left->room_id);
        } else if (auto* entry = std::get_if<log_entry>(&action)) {
            write_log("Matrix", *entry);
        } else if (auto* c = std::get_if<commit>(&action)) {
            co_await finish_batch(std::move(c->next_batch), progress);
        }
    }
}

asio::awaitable<void> matrix_adapter::fill_gap(fetch_gap gap, batch& progress) {
    gap_filler filler(gap);
    bool more = true;
    while (more) {
        std::string body;
        try {
            body = co_await client_->call(filler.next_request(), in_room(gap.room_id));
        } catch (const api_failure& e) {
            if (!refused(e)) throw;
            spdlog::warn("Matrix: events missed in room {} could not be fetched: {}",
                         gap.room_id, e.what());
            break;
        }
        auto page = parse_messages(body, gap.room_id);
        if (auto* bad = std::get_if<malformed>(&page)) {
            spdlog::warn("Matrix: unreadable page of missed events in room {}: {}", gap.room_id,
                         bad->reason);
            break;
        }
        more = filler.on_page(std::get<messages_response>(page));
    }
    if (filler.truncated()) {
        spdlog::warn("Matrix: room {} moved on by more than the bot fetches; the oldest missed "
                     "events were skipped",
                     gap.room_id);
    }
    co_await perform(state_->on_gap_filled(filler.take_events()), progress);
}

asio::awaitable<void> matrix_adapter::finish_batch(std::string next_batch, batch& progress) {
    bool saved = false;
    if (!progress.failed) saved = co_await bot_.save_cursor("matrix:" + user_id_, next_batch);
    if (saved) {
        store_failures_ = 0;
        state_->on_committed();
        stats_.acked += progress.events;
        const auto elapsed = std::chrono::steady_clock::now() - progress.arrived;
        for (std::size_t i = 0; i < progress.events; ++i) stats_.ack_latency.observe(elapsed);
        co_return;
    }
    // Not moving on: the same batch comes again and what was recorded is recognised.
    const auto wait = settings_.backoff.delay(store_failures_++, random_);
    spdlog::warn("Matrix: not everything of the last sync could be recorded; fetching it again "
                 "in {} ms",
                 wait.count());
    co_await net::sleep_for(wait);
}

asio::awaitable<delivery_result> matrix_adapter::handle(room_event event) {
    ++stats_.received;
    if (auto* message = std::get_if<text_message>(&event)) {
        co_return co_await handle_message(std::move(*message));
    }
    if (auto* e = std::get_if<edit>(&event)) co_return co_await handle_edit(std::move(*e));
    if (auto* annotation = std::get_if<reaction>(&event)) {
        if (!is_pin(*annotation, settings_.pin_key)) co_return delivery_result::handled;
        co_return co_await handle_pin(std::move(*annotation));
    }
    if (auto* removal = std::get_if<redaction>(&event)) {
        co_return co_await handle_redaction(std::move(*removal));
    }
    if (auto* m = std::get_if<member>(&event)) {
        if (m->state == membership::join && !m->display_name.empty()) {
            names_.remember(m->user, m->display_name);
        }
    } else if (auto* odd = std::get_if<unreadable>(&event)) {
        spdlog::warn("Matrix: skipped an unreadable event ({})", odd->reason);
    }
    co_return delivery_result::handled;
}

void matrix_adapter::remember(const text_message& message) {
    recent_.insert_or_assign(message.event_id, message);
}

asio::awaitable<delivery_result> matrix_adapter::handle_message(text_message message) {
    remember(message);
    auto text = addressed_text(message, user_id_, display_name_, settings_.prefix);
    if (!text) co_return delivery_result::handled;
    inbound_message inbound = to_inbound_message(message);
    inbound.author.name = co_await name_of(message.sender);
    inbound.text = co_await with_mentions_as_ids(message, std::move(*text));
    inbound.mentions = mentions_in(inbound.text);
    inbound.thread = message.thread_root;
    co_return co_await bot_.message(std::move(inbound),
                                    reply_to(message.room, message.event_id, message.thread_root));
}

// Clients show a mention as a pill whose text is the display name, and put the id in
// m.mentions: the command parser wants the id, which names the user unambiguously.
asio::awaitable<std::string> matrix_adapter::with_mentions_as_ids(text_message message,
                                                                  std::string text) {
    for (const auto& user : message.mentioned_users) {
        if (user == user_id_) continue;
        const std::string name = co_await name_of(user);
        if (text.find(user) != std::string::npos) continue;
        if (const auto at = text.find(name); !name.empty() && at != std::string::npos) {
            text.replace(at, name.size(), user);
        }
    }
    // Ids typed out get their display names too.
    for (std::size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at + 1)) {
        const auto end = text.find_first_of(" \t\n", at);
        const std::string token = text.substr(at, end == std::string::npos ? end : end - at);
        if (token.find(':') != std::string::npos) co_await name_of(token);
    }
    co_return text;
}

std::map<std::string, model::person, std::less<>> matrix_adapter::mentions_in(
    const std::string& text) const {
    std::map<std::string, model::person, std::less<>> people;
    for (std::size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at + 1)) {
        const auto end = text.find_first_of(" \t\n", at);
        const std::string token = text.substr(at, end == std::string::npos ? end : end - at);
        if (names_.find(token)) people.emplace(token, person_of(token));
    }
    return people;
}

asio::awaitable<delivery_result> matrix_adapter::handle_edit(edit e) {
    auto original = co_await find_message(e.room, e.target);
    if (!original) {
        spdlog::debug("Matrix: edit {} of an unknown message ignored", e.event_id);
        co_return delivery_result::handled;
    }
    // The spec's rule: only the sender of a message may replace it.
    if (original->sender != e.sender) {
        spdlog::info("Matrix: ignored {}'s edit of a message by {}", e.sender, original->sender);
        co_return delivery_result::handled;
    }
    text_message edited = *original;
    edited.body = e.new_body;
    remember(edited);
    message_change change = to_message_change(e);
    change.by.name = co_await name_of(e.sender);
    change.new_text = addressed_text(edited, user_id_, display_name_, settings_.prefix)
                          .value_or(e.new_body);
    co_return co_await bot_.change(std::move(change),
                                   reply_to(e.room, e.event_id, original->thread_root));
}

asio::awaitable<delivery_result> matrix_adapter::handle_pin(reaction r) {
    reactions_.remember(r);
    auto target = co_await find_message(r.room, r.target);
    if (!target) {
        spdlog::warn("Matrix: message {} pinned in {} could not be read; not recorded", r.target,
                     r.room);
        co_return delivery_result::handled;
    }
    pin_request pin = to_pin_request(r, *target);
    pin.pinned_by.name = co_await name_of(r.sender);
    pin.pinned.author.name = co_await name_of(target->sender);
    co_return co_await bot_.pin(std::move(pin),
                                reply_to(r.room, r.event_id, target->thread_root));
}

asio::awaitable<delivery_result> matrix_adapter::handle_redaction(redaction r) {
    if (const auto* pin = reactions_.find(r.redacts)) {
        pin_request unpin = to_unpin_request(r, *pin);
        unpin.pinned_by.name = co_await name_of(r.sender);
        reactions_.forget(r.redacts);
        co_return co_await bot_.unpin(std::move(unpin),
                                      reply_to(r.room, r.event_id, std::string()));
    }
    // A message, or a pin reaction from before a restart: the bot knows which by the id.
    message_change change = to_message_change(r);
    change.by.name = co_await name_of(r.sender);
    recent_.erase(r.redacts);
    co_return co_await bot_.change(std::move(change), reply_to(r.room, r.event_id, std::string()));
}

asio::awaitable<std::optional<text_message>> matrix_adapter::find_message(std::string room,
                                                                          std::string event_id) {
    if (const auto* known = recent_.find(event_id)) co_return *known;
    std::string body;
    try {
        body = co_await client_->call(get_event(room, event_id), in_room(room));
    } catch (const api_failure& e) {
        if (!refused(e)) throw;
        spdlog::warn("{}", e.what());
        co_return std::nullopt;
    }
    auto event = parse_event(body, room);
    auto* message = std::get_if<text_message>(&event);
    if (!message) co_return std::nullopt;
    remember(*message);
    co_return *message;
}

asio::awaitable<std::string> matrix_adapter::ask_name(std::string user_id) {
    const auto body = co_await client_->call(display_name(user_id), anywhere());
    co_return response_field(body, "displayname").value_or(std::string());
}

asio::awaitable<std::string> matrix_adapter::name_of(std::string user_id) {
    // The localpart stands in when the homeserver cannot say.
    std::string fallback(localpart(user_id));
    co_return co_await names_.name_of(std::move(user_id), std::move(fallback));
}

model::person matrix_adapter::person_of(const std::string& user_id) const {
    model::person p = to_person(user_id);
    if (const auto* name = names_.find(user_id)) p.name = *name;
    return p;
}

asio::awaitable<void> matrix_adapter::answer_invite(std::string room, std::string inviter,
                                                    bool join_it) {
    try {
        if (join_it) {
            co_await client_->call(join_request(room), in_room(room));
            spdlog::info("Matrix: joined {} at the invitation of {}", room, inviter);
            co_await send_notice(room, "join-" + room,
                                 "Hello! I keep this room's incident timeline. Type " +
                                     settings_.prefix + "help to see what I understand.");
        } else {
            co_await client_->call(leave(room), in_room(room));
            spdlog::info("Matrix: declined {}'s invitation to {}: not on matrix.allowed_inviters",
                         inviter.empty() ? std::string("someone") : inviter, room);
        }
    } catch (const api_failure& e) {
        if (!refused(e)) throw;
        spdlog::warn("{}", e.what());
    }
}

bot::reply_sink matrix_adapter::reply_to(std::string room, std::string origin,
                                         std::string thread) {
    // Each reply to one event takes the next parts of its txn ids, so a reply made again for
    // the same event (after a restart) reuses them and the homeserver posts it once.
    auto next_part = std::make_shared<int>(0);
    return [this, room = std::move(room), origin = std::move(origin), thread = std::move(thread),
            next_part](outbound_reply reply) {
        reply.channel = room;
        const int first = *next_part;
        *next_part += 1 + static_cast<int>(reply.files.size());
        auto settled = std::move(reply.settled);
        outbox_->post(
            room,
            [this, origin, first, thread, reply = std::move(reply)]() mutable {
                return send_when_back(origin, first, thread, std::move(reply));
            },
            std::move(settled));
    };
}

asio::awaitable<void> matrix_adapter::send_reply(std::string origin, int first_part,
                                                 std::string thread, outbound_reply reply) {
    const std::string& room = reply.channel;
    const std::string answered = room + "/" + reply.in_reply_to;
    int part = first_part;
    if (reply.replaces_earlier) {
        if (const auto* notice = notices_.find(answered)) {
            co_await client_->call(send(room, "m.room.message", txn_id(origin, part),
                                        replacement_content(*notice, reply.text)),
                                   in_room(room));
        }
        co_return;
    }
    if (!reply.text.empty()) {
        const auto sent = co_await client_->call(
            send(room, "m.room.message", txn_id(origin, part),
                 notice_content(reply.text, reply.in_reply_to, thread)),
            in_room(room));
        const auto id = response_field(sent, "event_id");
        if (id && !reply.in_reply_to.empty()) notices_.insert_or_assign(answered, *id);
    }
    for (auto& file : reply.files) {
        ++part;
        const auto size = file.content.size();
        const auto uploaded = co_await client_->call(
            upload(file.filename, file.media_type, std::move(file.content)), in_room(room));
        const auto uri = response_field(uploaded, "content_uri");
        if (!uri) throw std::runtime_error("Matrix upload of " + file.filename + " gave no URI");
        co_await client_->call(send(room, "m.room.message", txn_id(origin, part),
                                    file_content(*uri, file.filename, file.media_type, size,
                                                 reply.in_reply_to, thread)),
                               in_room(room));
    }
    if (reply.recorded && !settings_.mark_key.empty() && !reply.in_reply_to.empty()) {
        co_await client_->call(send(room, "m.reaction", txn_id("mark-" + reply.in_reply_to),
                                    annotation_content(reply.in_reply_to, settings_.mark_key)),
                               in_room(room));
    }
}

asio::awaitable<void> matrix_adapter::send_when_back(std::string origin, int first_part,
                                                     std::string thread, outbound_reply reply) {
    // A reply lost to an outage is an answer the incident commander never sees; the room's
    // later replies wait behind it, so the order stays.
    constexpr auto reply_patience = std::chrono::minutes(10);
    const auto deadline = std::chrono::steady_clock::now() + reply_patience;
    for (;;) {
        std::exception_ptr failure;
        try {
            co_await send_reply(origin, first_part, thread, reply);
            co_return;
        } catch (const credential_refused&) {
            throw;
        } catch (const api_failure& e) {
            if (e.verdict().what == api_verdict::kind::refused) throw;
            failure = std::current_exception();
        } catch (const std::exception&) {
            failure = std::current_exception();
        }
        if (stopping_ || std::chrono::steady_clock::now() >= deadline) {
            std::rethrow_exception(failure);
        }
        spdlog::warn("Matrix: a reply in {} waits for the homeserver to be back", reply.channel);
        do {
            co_await net::sleep_for(std::chrono::seconds(1));
        } while (!status().connected && !stopping_ && std::chrono::steady_clock::now() < deadline);
    }
}

asio::awaitable<void> matrix_adapter::send_notice(std::string room, std::string origin,
                                                  std::string text) {
    co_await client_->call(
        send(room, "m.room.message", txn_id(origin), notice_content(text, std::string_view(), std::string_view())), in_room(room));
}

}  // namespace scribe::adapters::matrix
