// The fake Slack's Socket Mode side: tickets, links, hello, envelopes, acks, retries, faults.
#include <algorithm>
#include <cstdio>
#include <ctime>

#include "tests/fakes/fake_slack_impl.hpp"
#include "tests/fakes/http_forms.hpp"

namespace scribe::fakes {

using json = nlohmann::json;

namespace {

http_response text_response(unsigned status, std::string body) {
    http_response response;
    response.status = status;
    response.content_type = "text/plain; charset=utf-8";
    response.body = std::move(body);
    response.close = true;
    return response;
}

// "2026-11-21 12:12:12.120", the form of hello's debug_info.started.
std::string started_text() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    // Sized for any int fields, which keeps -Wformat-truncation quiet.
    char text[96];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d.%03d", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(millis));
    return text;
}

std::string shorten(std::string_view text) {
    constexpr std::size_t limit = 200;
    if (text.size() <= limit) return std::string(text);
    return std::string(text.substr(0, limit)) + "… (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace

std::string fake_slack::impl::host_name(int link) { return "applink-" + std::to_string(link); }

fake_slack::impl::link_state* fake_slack::impl::find_link(int link) {
    auto it = links_.find(link);
    return it == links_.end() ? nullptr : &it->second;
}

int fake_slack::impl::accepted_open_links() const {
    return static_cast<int>(std::count_if(links_.begin(), links_.end(), [](const auto& entry) {
        return entry.second.info.accepted && entry.second.info.open;
    }));
}

std::vector<int> fake_slack::impl::target_links(std::optional<int> link) {
    std::vector<int> targets;
    if (link) {
        const auto* state = find_link(*link);
        if (state == nullptr || !state->info.open) {
            throw std::invalid_argument("fake_slack: link " + std::to_string(*link) +
                                        " is not open");
        }
        targets.push_back(*link);
        return targets;
    }
    for (const auto& [id, state] : links_) {
        if (state.info.open && state.info.accepted) {
            targets.push_back(id);
        }
    }
    return targets;
}

// --- opening links -----------------------------------------------------------------------------

upgrade_decision fake_slack::impl::on_upgrade(const http_request& request) {
    upgrade_decision decision;
    if (request.path != "/link/" && request.path != "/link") {
        decision.reject = text_response(404, "not found");
        return decision;
    }
    std::string ticket;
    bool debug_reconnects = false;
    for (const auto& [name, value] : parse_form(request.query)) {
        if (name == "ticket") ticket = value;
        if (name == "debug_reconnects") debug_reconnects = value == "true";
    }
    auto it = tickets_.find(ticket);
    if (it == tickets_.end()) {
        stats_.tickets_rejected++;
        log("socket mode: upgrade with an unknown ticket refused");
        decision.reject = text_response(options_.invalid_ticket_status, "invalid ticket");
        return decision;
    }
    if (it->second && options_.reject_reused_ticket) {
        stats_.tickets_rejected++;
        log("socket mode: upgrade with a used ticket refused");
        decision.reject = text_response(options_.reused_ticket_status, "ticket already used");
        return decision;
    }
    it->second = true;
    decision.on_open = [this, debug_reconnects](std::shared_ptr<websocket_connection> connection) {
        open_link(std::move(connection), debug_reconnects);
    };
    return decision;
}

void fake_slack::impl::open_link(std::shared_ptr<websocket_connection> connection,
                                 bool debug_reconnects) {
    const int id = ++next_link_;
    stats_.links_opened++;
    link_state& link = links_[id];
    link.connection = connection;
    link.info.id = id;
    link.info.open = true;
    link.info.debug_reconnects = debug_reconnects;

    websocket_handlers handlers;
    handlers.on_text = [this, id](std::string text) { on_link_text(id, text); };
    handlers.on_binary = [this, id](std::string bytes) {
        stats_.stray_frames++;
        stray_frames_.push_back("<binary frame, " + std::to_string(bytes.size()) + " bytes>");
        log("link " + std::to_string(id) + ": ignoring a binary frame of " +
            std::to_string(bytes.size()) + " bytes");
    };
    handlers.on_ping = [this, id](std::string) {
        if (auto* state = find_link(id)) state->info.client_pings++;
    };
    handlers.on_pong = [this, id](std::string payload) {
        if (auto* state = find_link(id)) {
            state->info.pongs_received++;
            state->info.last_pong = std::move(payload);
        }
    };
    handlers.on_closed = [this, id](std::string why) { on_link_closed(id, why); };
    connection->set_handlers(std::move(handlers));

    if (!socket_mode_enabled_) {
        stats_.links_disabled++;
        send_disconnect(id, "link_disabled");
        return;
    }
    if (accepted_open_links() >= options_.max_links) {
        stats_.too_many_websockets++;
        send_disconnect(id, "too_many_websockets");
        return;
    }
    link.info.accepted = true;

    json debug_info = json::object();
    debug_info["host"] = host_name(id);
    debug_info["started"] = started_text();
    debug_info["build_number"] = 1;
    // debug_reconnects shortens the life Slack announces to 360 s; the real one is an option.
    debug_info["approximate_connection_time"] =
        debug_reconnects ? 360 : options_.approximate_connection_time.count();
    json hello = json::object();
    hello["type"] = "hello";
    hello["num_connections"] = accepted_open_links();
    hello["debug_info"] = std::move(debug_info);
    hello["connection_info"] = json{{"app_id", options_.app_id}};
    connection->send_text(dump_json(hello));
    log("link " + std::to_string(id) + " open (" + std::to_string(accepted_open_links()) +
        " connections)");

    schedule_ping(id);
    if (debug_reconnects) {
        runtime_.schedule(options_.debug_reconnect_lifetime, [this, id] { start_refresh(id); });
    }
    flush_backlog();
}

void fake_slack::impl::on_link_closed(int link, const std::string& why) {
    auto* state = find_link(link);
    if (state == nullptr) return;
    state->info.open = false;
    state->info.close_reason = why;
    state->connection.reset();
    log("link " + std::to_string(link) + " closed: " + why);
    // Envelopes it had not acked stay pending; their deadlines redeliver them elsewhere.
}

// --- server-initiated control --------------------------------------------------------------------

void fake_slack::impl::send_disconnect(int link, const std::string& reason) {
    auto* state = find_link(link);
    if (state == nullptr || !state->info.open) return;
    json message = json::object();
    message["type"] = "disconnect";
    message["reason"] = reason;
    message["debug_info"] = json{{"host", host_name(link)}};
    if (reason == "too_many_websockets") {
        message["num_connections"] = accepted_open_links();
        message["connection_info"] = json{{"app_id", options_.app_id}};
    }
    if (reason != "warning") state->draining = true;
    state->connection->send_text(dump_json(message));
    if (reason == "warning") return;
    runtime_.schedule(options_.disconnect_close_delay, [this, link] {
        if (auto* target = find_link(link); target != nullptr && target->info.open) {
            target->connection->close(options_.disconnect_close_code, "");
        }
    });
}

void fake_slack::impl::start_refresh(int link) {
    auto* state = find_link(link);
    if (state == nullptr || !state->info.open || state->draining) return;
    stats_.refreshes++;
    send_disconnect(link, "warning");
    runtime_.schedule(options_.refresh_warning_lead,
                      [this, link] { send_disconnect(link, "refresh_requested"); });
}

void fake_slack::impl::schedule_ping(int link) {
    runtime_.schedule(options_.ping_interval, [this, link] {
        auto* state = find_link(link);
        if (state == nullptr || !state->info.open) return;
        if (!state->info.silent) {
            state->connection->send_ping("Ping from " + host_name(link));
            state->info.pings_sent++;
        }
        schedule_ping(link);
    });
}

void fake_slack::impl::drop_link(std::optional<int> link) {
    for (const int id : target_links(link)) {
        stats_.links_dropped++;
        log("link " + std::to_string(id) + ": dropping the TCP connection");
        links_.at(id).connection->drop();
    }
}

void fake_slack::impl::refresh_link(std::optional<int> link) {
    for (const int id : target_links(link)) start_refresh(id);
}

void fake_slack::impl::too_many_websockets(std::optional<int> link) {
    for (const int id : target_links(link)) {
        stats_.too_many_websockets++;
        send_disconnect(id, "too_many_websockets");
    }
}

void fake_slack::impl::set_socket_mode(bool enabled) {
    socket_mode_enabled_ = enabled;
    if (enabled) return;
    for (const int id : target_links(std::nullopt)) {
        stats_.links_disabled++;
        send_disconnect(id, "link_disabled");
    }
}

void fake_slack::impl::silence_link(std::optional<int> link, bool silent) {
    for (const int id : target_links(link)) {
        auto& state = links_.at(id);
        if (silent && !state.info.silent) stats_.silenced_links++;
        state.info.silent = silent;
        state.connection->set_silent(silent);
    }
}

void fake_slack::impl::push_frame(std::string data, bool binary, std::optional<int> link) {
    for (const int id : target_links(link)) {
        auto& connection = *links_.at(id).connection;
        if (binary) {
            connection.send_binary(data);
        } else {
            connection.send_text(data);
        }
    }
}

// --- envelopes and acks --------------------------------------------------------------------------

pushed_event fake_slack::impl::emit_event(json event, const channel_state* channel) {
    pushed_event result;
    const std::string type = event.value("type", std::string{});
    if (channel != nullptr && options_.require_bot_membership && !bot_is_member(*channel)) {
        return result;
    }
    envelope_state envelope;
    envelope.envelope_id = uuid();
    envelope.type = "events_api";
    envelope.event_id = random_id("Ev0", 9);
    envelope.event_type = type;
    const std::string channel_id = channel != nullptr ? channel->info.id : "";
    const auto now = std::chrono::system_clock::now();

    json authorization = json::object();
    authorization["enterprise_id"] = nullptr;
    authorization["team_id"] = options_.team_id;
    authorization["user_id"] = options_.bot_user_id;
    authorization["is_bot"] = true;
    authorization["is_enterprise_install"] = false;

    json payload = json::object();
    payload["token"] = options_.verification_token;
    payload["team_id"] = options_.team_id;
    payload["context_team_id"] = options_.team_id;
    payload["context_enterprise_id"] = nullptr;
    payload["api_app_id"] = options_.app_id;
    payload["event"] = std::move(event);
    payload["type"] = "event_callback";
    payload["event_id"] = envelope.event_id;
    payload["event_time"] =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    payload["authorizations"] = json::array({std::move(authorization)});
    payload["is_ext_shared_channel"] = false;
    payload["event_context"] = "1-" + type + "-" + options_.team_id + "-" + channel_id;
    envelope.payload = std::move(payload);

    result.event_ids.push_back(envelope.event_id);
    result.envelope_ids.push_back(envelope.envelope_id);
    deliver(std::move(envelope), 0);
    return result;
}

int fake_slack::impl::choose_link(int avoid_link) {
    std::vector<int> candidates;
    for (const auto& [id, state] : links_) {
        if (state.info.open && state.info.accepted && !state.draining) candidates.push_back(id);
    }
    if (candidates.empty()) return 0;
    if (pinned_link_ &&
        std::find(candidates.begin(), candidates.end(), *pinned_link_) != candidates.end()) {
        return *pinned_link_;
    }
    // A retry goes elsewhere when it can, as Slack's may ("possibly on another connection").
    if (candidates.size() > 1) std::erase(candidates, avoid_link);
    return candidates[round_robin_++ % candidates.size()];
}

void fake_slack::impl::deliver(envelope_state envelope, int avoid_link) {
    const int link = choose_link(avoid_link);
    if (link == 0) {
        backlog_.push_back(std::move(envelope));
        return;
    }
    envelope.link = link;
    json frame = json::object();
    frame["envelope_id"] = envelope.envelope_id;
    frame["payload"] = envelope.payload;
    frame["type"] = envelope.type;
    frame["accepts_response_payload"] = envelope.accepts_response_payload;
    if (envelope.type == "events_api") {
        frame["retry_attempt"] = envelope.retry_attempt;
        frame["retry_reason"] = envelope.retry_reason;
    }
    links_.at(link).connection->send_text(dump_json(frame));
    if (envelope.retry_attempt == 0) {
        stats_.envelopes_delivered++;
    } else {
        stats_.envelopes_redelivered++;
    }

    delivery_record record;
    record.envelope_id = envelope.envelope_id;
    record.type = envelope.type;
    record.event_id = envelope.event_id;
    record.event_type = envelope.event_type;
    record.retry_attempt = envelope.retry_attempt;
    record.retry_reason = envelope.retry_reason;
    record.link = link;
    record.at = std::chrono::system_clock::now();
    if (options_.keep_envelopes) record.envelope = std::move(frame);
    deliveries_.push_back(std::move(record));

    const std::string id = envelope.envelope_id;
    envelope.deadline = runtime_.schedule(options_.ack_timeout, [this, id] { on_ack_timeout(id); });
    pending_[id] = std::move(envelope);
}

void fake_slack::impl::flush_backlog() {
    while (!backlog_.empty() && choose_link(0) != 0) {
        envelope_state envelope = std::move(backlog_.front());
        backlog_.pop_front();
        deliver(std::move(envelope), 0);
    }
}

void fake_slack::impl::on_ack_timeout(const std::string& envelope_id) {
    auto it = pending_.find(envelope_id);
    if (it == pending_.end()) return;
    envelope_state envelope = std::move(it->second);
    pending_.erase(it);
    stats_.ack_timeouts++;
    log("envelope " + envelope_id + " (" + envelope.type + ") was not acked in time");
    // Only events_api is retried; a late slash command or interaction is a user-visible error.
    if (envelope.type != "events_api" || envelope.retry_attempt >= options_.max_retries) {
        stats_.envelopes_given_up++;
        return;
    }
    envelope.retry_attempt++;
    envelope.retry_reason = "timeout";
    if (!options_.reuse_envelope_id_on_retry) envelope.envelope_id = uuid();
    envelope.deadline.reset();
    const int avoid = envelope.link;
    if (options_.redelivery_delay.count() > 0) {
        runtime_.schedule(options_.redelivery_delay,
                          [this, envelope, avoid] { deliver(envelope, avoid); });
    } else {
        deliver(std::move(envelope), avoid);
    }
}

void fake_slack::impl::on_link_text(int link, const std::string& text) {
    const json message = json::parse(text, nullptr, false);
    if (message.is_discarded() || !message.is_object() || !message.contains("envelope_id") ||
        !message["envelope_id"].is_string()) {
        // What Slack does with such frames is undocumented; ignoring them is the safe reading.
        stats_.stray_frames++;
        stray_frames_.push_back(text);
        log("link " + std::to_string(link) + ": ignoring a frame that is no ack: " + shorten(text));
        return;
    }
    ack_record ack;
    ack.envelope_id = message["envelope_id"].get<std::string>();
    ack.link = link;
    ack.at = std::chrono::system_clock::now();
    auto it = pending_.find(ack.envelope_id);
    if (it == pending_.end()) {
        stats_.unmatched_acks++;
        log("link " + std::to_string(link) + ": ack for no pending envelope " + ack.envelope_id);
        acks_.push_back(std::move(ack));
        return;
    }
    ack.matched = true;
    ack.envelope_type = it->second.type;
    if (message.contains("payload")) {
        if (it->second.accepts_response_payload) {
            ack.payload = message["payload"];
        } else {
            ack.payload_ignored = true;
        }
    }
    if (it->second.deadline) it->second.deadline->cancel();
    pending_.erase(it);
    stats_.acks++;
    acks_.push_back(std::move(ack));
}

}  // namespace scribe::fakes
