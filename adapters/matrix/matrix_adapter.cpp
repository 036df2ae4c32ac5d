// Runs the Matrix sync loop: sync_state decides, this file carries out its actions, hands
// events to the bot and sends its answers.
#include "adapters/matrix/matrix_adapter.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <set>

#include "adapters/log_entry.hpp"
#include "adapters/matrix/backfill.hpp"
#include "adapters/matrix/client.hpp"
#include "adapters/matrix/e2e/ciphers.hpp"
#include "adapters/matrix/e2e/machine.hpp"
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

// The code of the credential_refused that says the encryption state cannot be used; the
// operator has to act, as for a refused token, but run() must not call it a token problem.
constexpr std::string_view crypto_state_refused = "SCRIBE_CRYPTO_STATE";

std::int64_t now_ms() {
    return std::chrono::duration_cast<milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// What to do when the device cannot go on with the state it has: said at start, in the log.
constexpr std::string_view new_device_advice =
    " To start over with a new device: give the bot a new matrix.device_id (password login) or "
    "a new access token (each token is a device), then remove the old device from the bot "
    "account's sessions in Element. Messages encrypted for the old device stay unreadable.";

// An m.room.encryption content: its rotation settings, the defaults for an algorithm we do not
// know (the room is encrypted all the same).
e2e::room_encryption settings_of_room(std::string_view content_json) {
    if (auto settings = e2e::parse_room_encryption(content_json)) return *settings;
    spdlog::warn(
        "Matrix: a room asks for an encryption algorithm other than Megolm; Scribe "
        "keeps encrypting with Megolm there");
    return e2e::room_encryption{};
}

credential_refused unusable_device(const std::string& user, const std::string& device,
                                   const std::string& why) {
    return credential_refused("Matrix encryption cannot start for device " + device + " of " +
                                  user + ": " + why + "." + std::string(new_device_advice),
                              std::string(crypto_state_refused));
}

// An encrypted attachment goes up as ciphertext only: no name, no type.
request upload_request(attachment& file, std::optional<e2e::encrypted_attachment>& cipher) {
    if (cipher) return upload({}, "application/octet-stream", std::move(cipher->ciphertext));
    return upload(file.filename, file.media_type, std::move(file.content));
}

std::vector<std::string> one_user(const std::string& user) {
    return std::vector<std::string>(1, user);
}

std::string query_one(const std::string& user) {
    return e2e::machine::keys_query_body(one_user(user));
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

// The encryption device and what the adapter remembers of rooms for it.
struct matrix_adapter::encryption {
    std::unique_ptr<e2e::olm_engine> engine = e2e::make_libolm_engine();
    e2e::state_key key;
    std::string state_name;  // the store's key for the sealed state, also its associated data
    std::optional<e2e::machine> device;
    std::map<std::string, std::optional<e2e::room_encryption>> rooms;
    std::map<std::string, std::vector<std::string>> members;  // joined or invited, by room
    std::set<std::string> requested_sessions;                 // whose keys were asked for
};

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
        device_id_ = me->device_id;
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
        device_id_ = session->device_id.empty() ? settings_.device_id : session->device_id;
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
        if (settings_.access_token.empty() || e.code() == crypto_state_refused)
            throw;  // the password, said where it was refused
        throw credential_refused("the homeserver refused the Matrix access token (" + e.code() +
                                     "); give the bot a new token (matrix.access_token) or its "
                                     "password (matrix.password)",
                                 e.code());
    }
}

asio::awaitable<void> matrix_adapter::serve() {
    co_await log_in();
    if (!settings_.crypto_secret.empty()) {
        if (!e2e_) co_await start_encryption();
        co_await upload_keys();
    }
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
    milliseconds timeout =
        state_->initial() || !status().connected ? milliseconds{0} : settings_.sync_timeout;
    // A message waiting for its key is given up on in time even when the room is quiet.
    if (e2e_ && !e2e_->device->held().empty()) {
        timeout = std::min(timeout, std::max(milliseconds{1000}, settings_.key_wait / 4));
    }
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
    auto& answer = std::get<sync_response>(parsed);
    // Keys first: a room key and the message it opens often come in the same sync.
    co_await take_device_news(std::move(answer.devices), progress);
    co_await perform(state_->on_sync(answer), progress);
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
    // The device's state goes first: the keys and held messages this batch brought must not be
    // lost once the position has moved past them.
    // (g++ 12 mishandles co_await inside && and ||, hence the nesting.)
    if (!progress.failed && e2e_ && e2e_->device->dirty()) {
        if (!co_await save_encryption_state()) progress.failed = true;
    }
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
    co_return co_await dispatch(std::move(event));
}

asio::awaitable<delivery_result> matrix_adapter::dispatch(room_event event) {
    if (auto* sealed = std::get_if<encrypted>(&event)) {
        co_return co_await handle_encrypted(std::move(*sealed));
    }
    if (auto* on = std::get_if<encryption_enabled>(&event)) {
        // A room never goes back to clear text, and an algorithm we do not know is no reason to
        // send in clear: Megolm it stays.
        if (e2e_) e2e_->rooms[on->room] = settings_of_room(on->content_json);
        co_return delivery_result::handled;
    }
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
        if (e2e_) e2e_->members.erase(m->room);
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
    co_return co_await bot_.message(
        std::move(inbound),
        reply_to(message.room, message.event_id, message.thread_root, message.sender));
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
    co_return co_await bot_.change(
        std::move(change), reply_to(e.room, e.event_id, original->thread_root, std::string()));
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
                                reply_to(r.room, r.event_id, target->thread_root, std::string()));
}

asio::awaitable<delivery_result> matrix_adapter::handle_redaction(redaction r) {
    if (const auto* pin = reactions_.find(r.redacts)) {
        pin_request unpin = to_unpin_request(r, *pin);
        unpin.pinned_by.name = co_await name_of(r.sender);
        reactions_.forget(r.redacts);
        co_return co_await bot_.unpin(std::move(unpin),
                                      reply_to(r.room, r.event_id, std::string(), std::string()));
    }
    // A message, or a pin reaction from before a restart: the bot knows which by the id.
    message_change change = to_message_change(r);
    change.by.name = co_await name_of(r.sender);
    recent_.erase(r.redacts);
    co_return co_await bot_.change(std::move(change),
                                   reply_to(r.room, r.event_id, std::string(), std::string()));
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
    // A message from before a restart, in an encrypted room, is opened with the keys kept.
    if (auto* sealed = std::get_if<encrypted>(&event); sealed && e2e_) {
        auto result = e2e_->device->decrypt(room, sealed->event_json, now_ms(), false);
        if (result.outcome != e2e::decrypt_outcome::decrypted) {
            spdlog::warn("Matrix: message {} in {} cannot be decrypted: {}", event_id, room,
                         result.reason);
            co_return std::nullopt;
        }
        auto opened = co_await open_decrypted(room, std::move(result.event.event_json),
                                              std::move(result.event.sender_key));
        if (!opened) co_return std::nullopt;
        event = std::move(*opened);
    }
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

bot::reply_sink matrix_adapter::reply_to(std::string room, std::string origin, std::string thread,
                                         std::string requester) {
    // Each reply to one event takes the next parts of its txn ids, so a reply made again for
    // the same event (after a restart) reuses them and the homeserver posts it once.
    auto next_part = std::make_shared<int>(0);
    return [this, room = std::move(room), origin = std::move(origin), thread = std::move(thread),
            requester = std::move(requester), next_part](outbound_reply reply) {
        reply.channel = room;
        on_reply(reply, requester);
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
            co_await send_event(room, "m.room.message", txn_id(origin, part),
                                replacement_content(*notice, reply.text));
        }
        co_return;
    }
    if (!reply.text.empty()) {
        const auto sent =
            co_await send_event(room, "m.room.message", txn_id(origin, part),
                                notice_content(reply.text, reply.in_reply_to, thread));
        const auto id = response_field(sent, "event_id");
        if (id && !reply.in_reply_to.empty()) notices_.insert_or_assign(answered, *id);
    }
    for (auto& file : reply.files) {
        ++part;
        const auto size = file.content.size();
        const std::string filename = file.filename;
        const std::string media_type = file.media_type;
        std::string encrypted_file;
        const auto uri = co_await upload_file(room, std::move(file), encrypted_file);
        co_await send_event(room, "m.room.message", txn_id(origin, part),
                            file_content(uri, filename, media_type, size, reply.in_reply_to, thread,
                                         encrypted_file));
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
    co_await send_event(room, "m.room.message", txn_id(origin),
                        notice_content(text, std::string_view(), std::string_view()));
}

// ---- End-to-end encryption --------------------------------------------------------------------

asio::awaitable<void> matrix_adapter::start_encryption() {
    if (device_id_.empty()) {
        throw unusable_device(user_id_, "(none)",
                              "the homeserver named no device for the access token");
    }
    auto state = std::make_unique<encryption>();
    state->key = e2e::state_key::from_secret(settings_.crypto_secret);
    state->state_name = "matrix-crypto:" + user_id_ + "/" + device_id_;
    const auto refuse = [this](const std::string& why) {
        return unusable_device(user_id_, device_id_, why);
    };
    // What the homeserver holds for this device tells a lost state from a device never used.
    const auto ours = co_await client_->call(keys_query(query_one(user_id_)), anywhere());
    if (auto saved = co_await bot_.load_cursor(state->state_name)) {
        try {
            state->device =
                e2e::machine::restore(*state->engine, user_id_, device_id_, state->key.pickle_key(),
                                      state->key.open(*saved, state->state_name));
        } catch (const e2e::crypto_error& e) {
            throw refuse(std::string(e.what()) +
                         "; was matrix.crypto_key_file changed? The file it was sealed with "
                         "opens it");
        } catch (const e2e::state_error& e) {
            throw refuse(e.what());
        }
        if (!state->device->server_has_our_keys(ours)) {
            if (state->device->server_has_device(ours)) {
                throw refuse("the homeserver holds other keys for this device than the store");
            }
            spdlog::warn("Matrix: the homeserver has no keys for device {}; uploading them again",
                         device_id_);
            state->device->keys_unknown_to_server();
        }
        spdlog::info("Matrix: encryption device {} restored from the store", device_id_);
    } else {
        state->device.emplace(*state->engine, user_id_, device_id_, state->key.pickle_key());
        if (state->device->server_has_device(ours)) {
            throw refuse(
                "the homeserver already holds keys for this device, but the store holds no "
                "encryption state for it (was the database replaced or the device used by "
                "another program?)");
        }
        spdlog::info("Matrix: encryption device {} created (Ed25519 {})", device_id_,
                     state->device->ed25519());
    }
    e2e_ = std::move(state);
    if (!co_await save_encryption_state()) {
        throw std::runtime_error("Matrix: the encryption state could not be stored");
    }
}

asio::awaitable<bool> matrix_adapter::save_encryption_state() {
    auto& device = *e2e_->device;
    const auto changes = device.changes();
    const bool saved = co_await bot_.save_cursor(e2e_->state_name,
                                                 e2e_->key.seal(device.save(), e2e_->state_name));
    if (saved) device.mark_saved(changes);
    co_return saved;
}

asio::awaitable<void> matrix_adapter::upload_keys() {
    auto& device = *e2e_->device;
    auto body = device.keys_to_upload();
    if (!body) co_return;
    // New keys are stored before they are published: a key the server hands out that the
    // device no longer holds would make that sender's first message unreadable.
    if (device.dirty()) {
        if (!co_await save_encryption_state()) {
            throw std::runtime_error("Matrix: the encryption state could not be stored");
        }
    }
    device.on_keys_uploaded(co_await client_->call(keys_upload(*body), anywhere()));
    if (!co_await save_encryption_state()) {
        spdlog::warn("Matrix: the encryption state could not be stored after a key upload");
    }
}

asio::awaitable<void> matrix_adapter::query_devices(std::vector<std::string> users) {
    if (users.empty()) co_return;
    const auto answer =
        co_await client_->call(keys_query(e2e::machine::keys_query_body(users)), anywhere());
    for (const auto& line : e2e_->device->on_keys_query(answer)) {
        spdlog::warn("Matrix: {}", line);
    }
}

asio::awaitable<void> matrix_adapter::take_device_news(device_news news, batch& progress) {
    if (!e2e_) co_return;
    auto& device = *e2e_->device;
    device.on_key_counts(news.one_time_keys, news.fallback_unused);
    device.on_device_lists(news.changed, news.left);
    auto outcome = device.on_to_device(news.to_device);
    for (const auto& line : outcome.log_lines) spdlog::warn("Matrix: {}", line);
    for (auto& released : outcome.released) {
        ++progress.events;
        const auto event_id = released.event_id;
        const auto result =
            co_await handle_decrypted(std::move(released.room), std::move(released.event_json),
                                      std::move(released.sender_key));
        if (result == delivery_result::not_recorded) {
            progress.failed = true;
        } else {
            device.settle(event_id);
        }
    }
    // One notice per room and sender for what is overdue together, however many messages.
    std::map<std::pair<std::string, std::string>, std::vector<e2e::held_event>> overdue;
    for (auto& lost : device.overdue_held(now_ms(), settings_.key_wait)) {
        auto key = std::make_pair(lost.room, lost.sender);
        overdue[std::move(key)].push_back(std::move(lost));
    }
    for (auto& [where, lost] : overdue) {
        const model::timestamp first(milliseconds(lost.front().origin_server_ts));
        const model::timestamp last(milliseconds(lost.back().origin_server_ts));
        std::string why =
            lost.size() == 1 ? "its key never reached me" : "their keys never reached me";
        co_await tell_undecryptable(where.first, lost.front().event_id, where.second, first, last,
                                    lost.size(), std::move(why));
        for (const auto& event : lost) device.settle(event.event_id);
    }
    co_await upload_keys();
}

asio::awaitable<delivery_result> matrix_adapter::handle_encrypted(encrypted e) {
    if (!e2e_) {
        spdlog::warn(
            "Matrix: an encrypted message in {} was not read: encryption is off "
            "(matrix.crypto_key_file)",
            e.room);
        co_return delivery_result::handled;
    }
    auto& device = *e2e_->device;
    auto result = device.decrypt(e.room, e.event_json, now_ms());
    switch (result.outcome) {
        case e2e::decrypt_outcome::decrypted:
            co_return co_await handle_decrypted(e.room, std::move(result.event.event_json),
                                                std::move(result.event.sender_key));
        case e2e::decrypt_outcome::key_missing: {
            spdlog::info("Matrix: the key of {}'s message {} in {} has not arrived; waiting",
                         e.sender, e.event_id, e.room);
            const auto& held = device.held();
            const auto it = std::find_if(held.begin(), held.end(), [&](const e2e::held_event& h) {
                return h.event_id == e.event_id;
            });
            if (it == held.end()) co_return delivery_result::handled;
            // One request per session, however many of its messages wait.
            if (!e2e_->requested_sessions.insert(it->session_id).second) {
                co_return delivery_result::handled;
            }
            if (e2e_->requested_sessions.size() > 10'000) e2e_->requested_sessions.clear();
            try {
                const auto txn = "keyreq-" + e.event_id;
                co_await client_->call(
                    send_to_device("m.room_key_request", txn, device.key_request_body(*it)),
                    in_room(e.room));
            } catch (const api_failure& failure) {
                if (!refused(failure)) throw;
                spdlog::warn("Matrix: the key request for {} was refused: {}", e.event_id,
                             failure.what());
            }
            co_return delivery_result::handled;
        }
        case e2e::decrypt_outcome::failed:
            break;
    }
    spdlog::warn("Matrix: {}'s message {} in {} cannot be decrypted: {}", e.sender, e.event_id,
                 e.room, result.reason);
    co_await tell_undecryptable(e.room, e.event_id, e.sender, e.origin_server_ts,
                                e.origin_server_ts, 1, result.reason);
    co_return delivery_result::handled;
}

asio::awaitable<delivery_result> matrix_adapter::handle_decrypted(std::string room,
                                                                  std::string event_json,
                                                                  std::string sender_key) {
    auto event = co_await open_decrypted(room, std::move(event_json), std::move(sender_key));
    if (!event || is_own(*event, user_id_)) co_return delivery_result::handled;
    co_return co_await dispatch(std::move(*event));
}

asio::awaitable<std::optional<room_event>> matrix_adapter::open_decrypted(std::string room,
                                                                          std::string event_json,
                                                                          std::string sender_key) {
    auto event = parse_event(event_json, room);
    // Room state comes from the server, never from inside a message.
    if (std::holds_alternative<encrypted>(event) ||
        std::holds_alternative<encryption_enabled>(event) ||
        std::holds_alternative<member>(event)) {
        spdlog::warn("Matrix: an encrypted message in {} held a state or encrypted event; ignored",
                     room);
        co_return std::nullopt;
    }
    const std::string sender(sender_of(event));
    auto& device = *e2e_->device;
    if (!device.knows_devices_of(sender)) co_await query_devices(one_user(sender));
    // The room key names the device that made it; a message in someone else's name is refused.
    if (!device.is_device_of(sender, sender_key)) {
        spdlog::warn(
            "Matrix: message {} in {} says it is from {}, but was encrypted by a "
            "device of someone else; ignored",
            event_id_of(event), room, sender);
        co_return std::nullopt;
    }
    co_return event;
}

asio::awaitable<void> matrix_adapter::tell_undecryptable(std::string room, std::string event_id,
                                                         std::string sender, model::timestamp first,
                                                         model::timestamp last, std::size_t count,
                                                         std::string why) {
    const auto name = co_await name_of(sender);
    const std::string text =
        count == 1
            ? "I could not decrypt the message " + name + " sent at " + model::format_utc(first) +
                  " (" + why + "). If it was a command, please send it again."
            : "I could not decrypt " + std::to_string(count) + " messages " + name + " sent from " +
                  model::format_utc(first) + " to " + model::format_utc(last) + " (" + why +
                  "). If any was a command, please send it again.";
    try {
        co_await send_notice(room, "undecryptable-" + event_id, text);
    } catch (const api_failure& e) {
        if (!refused(e)) throw;
        spdlog::warn("{}", e.what());
    }
}

asio::awaitable<bool> matrix_adapter::is_encrypted(std::string room) {
    if (!e2e_) co_return false;
    if (auto known = e2e_->rooms.find(room); known != e2e_->rooms.end()) {
        co_return known->second.has_value();
    }
    std::optional<e2e::room_encryption> settings;
    try {
        settings = settings_of_room(
            co_await client_->call(room_state(room, "m.room.encryption"), in_room(room)));
    } catch (const api_failure& e) {
        if (e.code() != "M_NOT_FOUND") throw;
    }
    e2e_->rooms[room] = settings;
    co_return settings.has_value();
}

asio::awaitable<std::vector<std::string>> matrix_adapter::members_of(std::string room) {
    if (auto known = e2e_->members.find(room); known != e2e_->members.end()) {
        co_return known->second;
    }
    auto members = parse_room_members(co_await client_->call(room_members(room), in_room(room)));
    e2e_->members[room] = members;
    co_return members;
}

asio::awaitable<void> matrix_adapter::share_room_key(std::string room) {
    auto& device = *e2e_->device;
    const auto members = co_await members_of(room);
    co_await query_devices(device.users_to_query(members));
    device.prepare_room(room, members, e2e_->rooms[room].value_or(e2e::room_encryption{}),
                        now_ms());
    if (auto claim = device.claims_for(room, members)) {
        const auto answer = co_await client_->call(keys_claim(*claim), in_room(room));
        for (const auto& line : device.on_keys_claimed(answer, *claim)) {
            spdlog::warn("Matrix: {}", line);
        }
    }
    auto body = device.share_room_key(room, members);
    if (!body) co_return;
    const auto txn = "share-" + std::to_string(random_());
    try {
        // The Olm sessions move on with this message: stored first, a restart never sends
        // from their older state again (a skipped message is fine for Olm, a repeated one not).
        bool stored = false;
        stored = co_await save_encryption_state();
        if (!stored) throw std::runtime_error("the encryption state could not be stored");
        co_await client_->call(send_to_device("m.room.encrypted", txn, *body), in_room(room));
    } catch (...) {
        device.forget_outbound(room);
        throw;
    }
}

asio::awaitable<std::string> matrix_adapter::send_event(std::string room, std::string type,
                                                        std::string txn, std::string content) {
    // Reactions stay in clear, as Element sends them: their relation is visible anyway.
    bool sealed = false;
    if (type != "m.reaction") sealed = co_await is_encrypted(room);
    if (sealed) {
        co_await share_room_key(room);
        content = e2e_->device->encrypt(room, type, content);
        type = "m.room.encrypted";
    }
    co_return co_await client_->call(send(room, type, txn, content), in_room(room));
}

asio::awaitable<std::string> matrix_adapter::upload_file(std::string room, attachment file,
                                                         std::string& encrypted_file) {
    const bool sealed = co_await is_encrypted(room);
    std::optional<e2e::encrypted_attachment> cipher;
    if (sealed) cipher = e2e::encrypt_attachment(file.content);
    request to_send = upload_request(file, cipher);
    const auto uploaded = co_await client_->call(std::move(to_send), in_room(room));
    const auto uri = response_field(uploaded, "content_uri");
    if (!uri) throw std::runtime_error("Matrix upload of " + file.filename + " gave no URI");
    if (cipher) encrypted_file = e2e::encrypted_file_json(*cipher, *uri);
    co_return *uri;
}

// ---- A room per incident ----------------------------------------------------------------------

void matrix_adapter::on_reply(const outbound_reply& reply, const std::string& requester) {
    if (!settings_.incident_rooms || reply.declared_incident == 0 || requester.empty()) return;
    asio::co_spawn(
        executor_,
        open_incident_room(reply.declared_incident, reply.declared_title, requester, reply.channel),
        log_failure("Matrix",
                    "incident room for incident " + std::to_string(reply.declared_incident)));
}

asio::awaitable<void> matrix_adapter::open_incident_room(std::int64_t incident, std::string title,
                                                         std::string requester,
                                                         std::string origin) {
    // Private like the room it came from: encrypted when that one is.
    const bool encrypt = co_await is_encrypted(origin);
    const auto now = std::chrono::system_clock::now();
    const std::string day =
        model::format_utc(std::chrono::time_point_cast<milliseconds>(now)).substr(0, 10);
    const std::string name = day + " " + title;
    const std::string topic =
        "Incident #" + std::to_string(incident) + ": " + title +
        ". Scribe keeps its timeline here and in the room it was declared in.";
    const auto answer = co_await client_->call(
        create_room(name, topic, one_user(requester), encrypt), in_room(origin));
    const auto room = response_field(answer, "room_id");
    if (!room) throw std::runtime_error("createRoom answered without a room id");
    if (encrypt) e2e_->rooms[*room] = e2e::room_encryption{};
    spdlog::info("Matrix: opened room {} for incident {}", *room, incident);
    room_link link;
    link.by = person_of(requester);
    link.by.name = co_await name_of(requester);
    link.room = model::source_key{std::string(matrix::platform), *room,
                                  "open-room:" + std::to_string(incident), 0};
    link.incident = incident;
    link.at = std::chrono::time_point_cast<milliseconds>(now);
    co_await bot_.link_room(std::move(link),
                            reply_to(*room, "link-" + *room, std::string(), std::string()));
    outbound_reply pointer;
    pointer.channel = origin;
    pointer.key = "incident-room-" + std::to_string(incident);
    pointer.text = "Incident #" + std::to_string(incident) + " has a room of its own: " + name +
                   " (https://matrix.to/#/" + *room + "). The timeline records both.";
    post(std::move(pointer));
}

}  // namespace scribe::adapters::matrix
