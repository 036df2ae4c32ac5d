// Socket Mode frames and the session state machine that keeps links open and acks envelopes.
#include "adapters/slack/socket_mode.hpp"

#include "adapters/slack/payload_tree.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "adapters/json_input.hpp"

namespace scribe::adapters::slack {

namespace {

using json_input::for_log;
using json_input::json;
using json_input::too_deep;

// Later copies of one in-flight envelope kept for acking; Slack retries about three times,
// so more than this means something odd, and a dropped copy is simply redelivered.
constexpr std::size_t max_waiting_copies = 16;

hello read_hello(json_element message) {
    hello h;
    h.num_connections = int_at(message, "num_connections");
    if (const auto info = object_at(message, "connection_info"))
        h.app_id = text_at(*info, "app_id");
    if (const auto debug = object_at(message, "debug_info")) {
        h.host = text_at(*debug, "host");
        h.approximate_connection_time =
            std::chrono::seconds{int_at(*debug, "approximate_connection_time")};
    }
    return h;
}

disconnect read_disconnect(json_element message) {
    disconnect d;
    d.reason_text = text_at(message, "reason");
    static constexpr std::pair<std::string_view, disconnect_reason> reasons[] = {
        {"warning", disconnect_reason::warning},
        {"refresh_requested", disconnect_reason::refresh_requested},
        {"link_disabled", disconnect_reason::link_disabled},
        {"too_many_websockets", disconnect_reason::too_many_websockets},
    };
    for (const auto& [name, reason] : reasons) {
        if (d.reason_text == name) d.reason = reason;
    }
    if (const auto debug = object_at(message, "debug_info")) d.host = text_at(*debug, "host");
    return d;
}

envelope_type to_envelope_type(std::string_view type) {
    if (type == "events_api") return envelope_type::events_api;
    if (type == "slash_commands") return envelope_type::slash_commands;
    if (type == "interactive") return envelope_type::interactive;
    return envelope_type::other;
}

frame read_envelope(json_element message, std::shared_ptr<payload_tree> tree) {
    std::string_view id;
    if (message["envelope_id"].get(id) != simdjson::SUCCESS || id.empty()) {
        return malformed{"envelope_id is not a non-empty string"};
    }
    envelope e;
    e.envelope_id = std::string(id);
    e.type_text = text_at(message, "type");
    e.type = to_envelope_type(e.type_text);
    e.accepts_response_payload = flag_at(message, "accepts_response_payload");
    e.retry_attempt = std::max(0, int_at(message, "retry_attempt"));
    e.retry_reason = text_at(message, "retry_reason");
    if (const auto payload = object_at(message, "payload")) {
        tree->value = *payload;
        if (e.type == envelope_type::events_api) e.event_id = text_at(*payload, "event_id");
        e.payload = std::move(tree);
    }
    return e;
}

bool is_json_object(std::string_view text) {
    const auto parsed =
        json_input::read_json(text, default_max_frame_bytes, max_json_depth, too_deep::fail);
    return parsed.error.empty() && parsed.value.is_object();
}

std::string link_name(link_id id) { return "slack link " + std::to_string(id); }

}  // namespace

frame parse_frame(std::string_view text, std::size_t max_bytes) {
    auto tree = std::make_shared<payload_tree>();
    if (auto error = read_tree(*tree, text, max_bytes); !error.empty()) {
        return malformed{std::move(error)};
    }
    const json_element root = tree->value;
    if (!root.is_object()) return malformed{"not a JSON object"};
    // Envelopes are recognised by their id, as the SDKs do, so an envelope of a type added
    // after this was written still gets acked.
    if (member(root, "envelope_id")) return read_envelope(root, std::move(tree));
    const std::string type = text_at(root, "type");
    if (type == "hello") return read_hello(root);
    if (type == "disconnect") return read_disconnect(root);
    if (to_envelope_type(type) != envelope_type::other)
        return malformed{"envelope without envelope_id"};
    return malformed{type.empty() ? std::string("no type")
                                  : "unknown frame type '" + for_log(type) + "'"};
}

std::string ack_frame(std::string_view envelope_id) {
    json ack = json::object();
    ack["envelope_id"] = std::string(envelope_id);
    return json_input::to_text(ack);
}

std::string ack_frame(std::string_view envelope_id, std::string_view payload_json) {
    auto payload = json_input::read_json(payload_json, default_max_frame_bytes, max_json_depth,
                                         too_deep::fail);
    if (!payload.error.empty() || !payload.value.is_object()) return ack_frame(envelope_id);
    json ack = json::object();
    ack["envelope_id"] = std::string(envelope_id);
    ack["payload"] = std::move(payload.value);
    return json_input::to_text(ack);
}

std::string_view to_string(disconnect_reason reason) {
    switch (reason) {
        case disconnect_reason::warning:
            return "warning";
        case disconnect_reason::refresh_requested:
            return "refresh_requested";
        case disconnect_reason::link_disabled:
            return "link_disabled";
        case disconnect_reason::too_many_websockets:
            return "too_many_websockets";
        case disconnect_reason::unknown:
            break;
    }
    return "unknown";
}

std::string_view to_string(envelope_type type) {
    switch (type) {
        case envelope_type::events_api:
            return "events_api";
        case envelope_type::slash_commands:
            return "slash_commands";
        case envelope_type::interactive:
            return "interactive";
        case envelope_type::other:
            break;
    }
    return "other";
}

// ---- session ------------------------------------------------------------------------------

session::session(session_config config)
    : config_(std::move(config)),
      random_(config_.seed),
      records_(config_.dedupe_capacity),
      envelope_keys_(config_.dedupe_capacity) {
    config_.links = std::clamp<std::size_t>(config_.links, 1, max_links);
}

std::vector<action> session::start(clock::time_point now) {
    std::vector<action> out;
    stopping_ = false;
    settle(now, out);
    return out;
}

std::vector<action> session::on_link_opened(link_id id, clock::time_point now) {
    std::vector<action> out;
    const auto it = links_.find(id);
    if (it == links_.end()) {
        out.push_back(
            log_entry{log_level::warn, link_name(id) + " opened but is not ours; closing it"});
        out.push_back(close_link{id});
        return out;
    }
    // A link we are already closing may finish opening first; its close is under way.
    if (it->second.state != link_state::connecting) return out;
    it->second.state = link_state::open;
    it->second.deadline = now + config_.hello_timeout;
    out.push_back(log_entry{log_level::debug, link_name(id) + " open, waiting for hello"});
    return out;
}

std::vector<action> session::on_frame(link_id id, std::string_view text, clock::time_point now) {
    std::vector<action> out;
    const auto it = links_.find(id);
    if (it == links_.end()) {
        out.push_back(log_entry{log_level::warn, "frame on unknown " + link_name(id) + " ignored"});
        return out;
    }
    link_info& l = it->second;
    // A frame proves the socket is up even if the driver has not reported it yet.
    if (l.state == link_state::connecting) l.state = link_state::open;
    auto parsed = parse_frame(text, config_.max_frame_bytes);
    if (auto* h = std::get_if<hello>(&parsed)) {
        handle_hello(id, l, *h, out);
    } else if (auto* d = std::get_if<disconnect>(&parsed)) {
        handle_disconnect(id, l, *d, now, out);
    } else if (auto* e = std::get_if<envelope>(&parsed)) {
        handle_envelope(id, std::move(*e), out);
    } else {
        out.push_back(log_entry{log_level::warn, link_name(id) + ": dropped a frame: " +
                                                     std::get<malformed>(parsed).reason});
    }
    settle(now, out);
    return out;
}

void session::handle_hello(link_id id, link_info& l, const hello& h, std::vector<action>& out) {
    if (l.state == link_state::closing) return;
    l.state = link_state::ready;
    // A healthy link ends the run of failures; remember it in case Slack turns the link away.
    l.failures_before_hello = failures_;
    failures_ = 0;
    disabled_strikes_ = 0;
    hold_until_ = {};
    out.push_back(log_entry{log_level::info,
                            link_name(id) + " ready: app " + for_log(h.app_id) + ", host " +
                                for_log(h.host) + ", " + std::to_string(h.num_connections) +
                                " connection(s), refresh in about " +
                                std::to_string(h.approximate_connection_time.count()) + " s"});
}

void session::handle_disconnect(link_id id, link_info& l, const disconnect& d,
                                clock::time_point now, std::vector<action>& out) {
    if (l.state == link_state::closing) return;
    const std::string what = link_name(id) + ": disconnect '" + for_log(d.reason_text) + "'";
    switch (d.reason) {
        case disconnect_reason::too_many_websockets:
            // Close first: a replacement opened now would be one too many again. The hello
            // that came before this did not make the link healthy.
            failures_ = std::max(failures_, l.failures_before_hello) + 1;
            out.push_back(log_entry{log_level::warn, what + "; closing it before reconnecting"});
            close(id, l, out);
            return;
        case disconnect_reason::link_disabled: {
            const auto wait = config_.disabled.delay(disabled_strikes_++, random_);
            hold_for(wait, now);
            out.push_back(log_entry{
                log_level::error,
                what + ": Socket Mode is off in the app settings; next try in " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait).count()) +
                    " s"});
            close(id, l, out);
            return;
        }
        case disconnect_reason::warning:
        case disconnect_reason::refresh_requested:
        case disconnect_reason::unknown:
            break;
    }
    // A refresh (or a reason we do not know, which still means "leave this link").
    if (l.retiring) return;
    if (links_.size() >= max_links) {
        // No room to overlap: close first, and settle() reopens once the close is reported.
        out.push_back(log_entry{log_level::info, what + "; at the link limit, closing it first"});
        close(id, l, out);
        return;
    }
    out.push_back(log_entry{log_level::info, what + "; opening its replacement"});
    l.retiring = true;
    l.deadline = now + config_.handover_grace;
}

void session::handle_envelope(link_id id, envelope e, std::vector<action>& out) {
    const std::string name = e.type == envelope_type::other ? "'" + for_log(e.type_text) + "'"
                                                            : std::string(to_string(e.type));
    if (e.type == envelope_type::interactive || e.type == envelope_type::other) {
        // The bot has no buttons or modals: ack at once so Slack shows no error, and move on.
        out.push_back(log_entry{log_level::info, link_name(id) + ": acked " + name + " envelope " +
                                                     for_log(e.envelope_id) +
                                                     " without handling it"});
        ack(id, e.envelope_id, ack_frame(e.envelope_id), out);
        return;
    }
    // A redelivery may reuse the envelope id or carry a new one with the same event_id
    // (UNDOCUMENTED, protocols.md §1.6), so both lead to the same record.
    const std::string* known = envelope_keys_.find(e.envelope_id);
    const std::string key = known                ? *known
                            : e.event_id.empty() ? "envelope:" + e.envelope_id
                                                 : "event:" + e.event_id;
    if (record* r = records_.find(key)) {
        const std::string copy =
            link_name(id) + ": " + name + " envelope " + for_log(e.envelope_id) + " (retry " +
            std::to_string(e.retry_attempt) + ") repeats " + for_log(r->envelope_id);
        if (r->committed) {
            out.push_back(log_entry{log_level::debug, copy + ", already committed: acked"});
            ack(id, e.envelope_id, ack_frame(e.envelope_id), out);
            return;
        }
        const bool seen = r->envelope_id == e.envelope_id ||
                          std::any_of(r->waiting.begin(), r->waiting.end(),
                                      [&](const auto& w) { return w.first == e.envelope_id; });
        if (seen) {
            out.push_back(log_entry{log_level::debug, copy + ", still in flight"});
        } else if (r->waiting.size() < max_waiting_copies) {
            r->waiting.emplace_back(e.envelope_id, id);
            envelope_keys_.insert_or_assign(e.envelope_id, key);
            out.push_back(log_entry{log_level::debug, copy + ", still in flight: acked with it"});
        } else {
            out.push_back(log_entry{log_level::warn, copy + ": too many copies, dropped"});
        }
        return;
    }
    records_.insert_or_assign(key, record{e.envelope_id, id, e.accepts_response_payload, false, {}});
    envelope_keys_.insert_or_assign(e.envelope_id, key);
    out.push_back(deliver{std::move(e), id});
}

std::vector<action> session::on_link_closed(link_id id, const link_end& end,
                                            clock::time_point now) {
    std::vector<action> out;
    const auto it = links_.find(id);
    if (it == links_.end()) return out;
    const link_info& l = it->second;
    const bool expected = stopping_ || l.state == link_state::closing || l.retiring;
    const std::string name = link_name(id);
    const std::string detail = end.detail.empty() ? "" : ": " + for_log(end.detail);
    if (expected) {
        out.push_back(log_entry{log_level::debug, name + " closed" + detail});
    } else {
        ++failures_;
        switch (end.what) {
            case link_end::kind::closed:
                out.push_back(log_entry{log_level::warn, name + " lost" + detail});
                break;
            case link_end::kind::failed:
                out.push_back(log_entry{log_level::warn, name + " failed to open" + detail});
                break;
            case link_end::kind::rate_limited:
                hold_for(end.retry_after, now);
                out.push_back(log_entry{log_level::warn, name + " rate limited" + detail});
                break;
            case link_end::kind::rejected:
                // A refused token stays refused until someone fixes the configuration; keep
                // trying, rarely, so the bot recovers without a restart once it is fixed.
                hold_for(config_.disabled.delay(disabled_strikes_++, random_), now);
                out.push_back(log_entry{log_level::error, name + ": app token refused" + detail});
                break;
        }
    }
    links_.erase(it);
    settle(now, out);
    return out;
}

std::vector<action> session::on_committed(std::string_view envelope_id,
                                          std::optional<std::string_view> response_payload) {
    std::vector<action> out;
    const std::string id(envelope_id);
    const std::string* key = envelope_keys_.find(id);
    record* r = key ? records_.find(*key) : nullptr;
    if (!r) {
        // Forgotten after dedupe_capacity newer envelopes, or never seen: ack it anyway.
        out.push_back(log_entry{log_level::warn, "commit of unknown envelope " + for_log(id)});
        ack(0, id, response_payload ? ack_frame(id, *response_payload) : ack_frame(id), out);
        return out;
    }
    if (r->committed) return out;
    r->committed = true;
    std::string text = ack_frame(r->envelope_id);
    if (response_payload) {
        if (!r->accepts_response_payload) {
            out.push_back(log_entry{log_level::warn, "envelope " + for_log(r->envelope_id) +
                                                         " takes no response payload; dropped"});
        } else if (!is_json_object(*response_payload)) {
            out.push_back(log_entry{log_level::error, "response payload for envelope " +
                                                          for_log(r->envelope_id) +
                                                          " is not a JSON object; dropped"});
        } else {
            text = ack_frame(r->envelope_id, *response_payload);
        }
    }
    ack(r->link, r->envelope_id, std::move(text), out);
    for (const auto& [copy_id, copy_link] : r->waiting) {
        ack(copy_link, copy_id, ack_frame(copy_id), out);
    }
    r->waiting.clear();
    return out;
}

std::vector<action> session::tick(clock::time_point now) {
    std::vector<action> out;
    for (auto& [id, l] : links_) {
        if (l.state == link_state::closing || l.deadline > now) continue;
        if (l.retiring) {
            out.push_back(log_entry{log_level::info, link_name(id) + ": handover grace over"});
            close(id, l, out);
        } else if (l.state == link_state::open) {
            ++failures_;
            out.push_back(log_entry{log_level::warn, link_name(id) + ": no hello in time"});
            close(id, l, out);
        }
    }
    settle(now, out);
    return out;
}

std::vector<action> session::stop() {
    std::vector<action> out;
    stopping_ = true;
    for (auto& [id, l] : links_) close(id, l, out);
    return out;
}

std::optional<clock::time_point> session::next_deadline() const {
    std::optional<clock::time_point> next;
    for (const auto& [id, l] : links_) {
        const bool timed =
            l.state != link_state::closing && (l.retiring || l.state == link_state::open);
        if (timed && (!next || l.deadline < *next)) next = l.deadline;
    }
    return next;
}

std::size_t session::ready_links() const {
    return static_cast<std::size_t>(
        std::count_if(links_.begin(), links_.end(),
                      [](const auto& entry) { return entry.second.state == link_state::ready; }));
}

void session::close(link_id id, link_info& l, std::vector<action>& out) {
    if (l.state == link_state::closing) return;
    l.state = link_state::closing;
    out.push_back(close_link{id});
}

std::size_t session::counted_links() const {
    // A closing link keeps its place until its close is reported, so whatever replaces it opens
    // only then ("close first"); a retiring one has already been replaced.
    return static_cast<std::size_t>(std::count_if(
        links_.begin(), links_.end(), [](const auto& entry) { return !entry.second.retiring; }));
}

void session::settle(clock::time_point now, std::vector<action>& out) {
    if (stopping_) return;
    const auto ready_replacements =
        std::count_if(links_.begin(), links_.end(), [](const auto& entry) {
            return entry.second.state == link_state::ready && !entry.second.retiring;
        });
    if (static_cast<std::size_t>(ready_replacements) >= config_.links) {
        for (auto& [id, l] : links_) {
            if (l.retiring) close(id, l, out);
        }
    }
    while (counted_links() < config_.links && links_.size() < max_links) {
        const link_id id = next_id_++;
        links_.emplace(id, link_info{});
        const auto delay = open_delay(now);
        if (delay.count() > 0) {
            out.push_back(log_entry{log_level::info, "opening " + link_name(id) + " in " +
                                                         std::to_string(delay.count()) + " ms"});
        }
        out.push_back(open_link{id, delay});
    }
}

std::chrono::milliseconds session::open_delay(clock::time_point now) {
    auto wait = failures_ == 0 ? std::chrono::milliseconds{0}
                               : config_.reconnect.delay(failures_ - 1, random_);
    if (hold_until_ > now) {
        wait = std::max(wait, std::chrono::ceil<std::chrono::milliseconds>(hold_until_ - now));
    }
    return wait;
}

void session::hold_for(std::chrono::milliseconds wait, clock::time_point now) {
    hold_until_ = std::max(hold_until_, now + wait);
}

std::optional<link_id> session::ack_link(link_id preferred) const {
    const auto usable = [](const link_info& l) {
        return l.state == link_state::open || l.state == link_state::ready;
    };
    if (const auto it = links_.find(preferred); it != links_.end() && usable(it->second)) {
        return preferred;
    }
    // Prefer a link that is staying over one Slack is about to close.
    std::optional<link_id> fallback;
    for (const auto& [id, l] : links_) {
        if (!usable(l)) continue;
        if (l.state == link_state::ready && !l.retiring) return id;
        if (!fallback) fallback = id;
    }
    return fallback;
}

void session::ack(link_id preferred, std::string_view envelope_id, std::string text,
                  std::vector<action>& out) const {
    if (const auto link = ack_link(preferred)) {
        if (*link != preferred && preferred != 0) {
            out.push_back(log_entry{log_level::debug, "ack of " + for_log(envelope_id) +
                                                          " moved from " + link_name(preferred) +
                                                          " to " + link_name(*link)});
        }
        out.push_back(send_ack{*link, std::move(text)});
        return;
    }
    out.push_back(log_entry{log_level::warn, "no open link to ack " + for_log(envelope_id) +
                                                 "; Slack will redeliver it"});
}

}  // namespace scribe::adapters::slack
