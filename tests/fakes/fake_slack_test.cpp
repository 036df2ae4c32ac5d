// Self-tests of the fake Slack, driven by a raw Beast client that verifies TLS against the test CA.
#include "tests/fakes/fake_slack.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/http_forms.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using namespace std::chrono_literals;
using scribe::fakes::fake_slack;
using scribe::fakes::fake_slack_options;

constexpr auto use_awaitable = asio::use_awaitable;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using ws_client = websocket::stream<tls_stream>;
using ws_ptr = std::shared_ptr<ws_client>;

// Options that keep the self-tests fast: short ack deadline, no pings unless a test wants them.
fake_slack_options quick_options() {
    fake_slack_options options;
    options.ack_timeout = 300ms;
    options.ping_interval = 60s;
    return options;
}

struct http_reply {
    unsigned status = 0;
    std::string retry_after;
    std::string body;
    json body_json;
};

// --- client coroutines (free functions, parameters by value) -----------------------------------

asio::awaitable<void> connect_tls(tls_stream* stream, unsigned short port) {
    // Verify the chain against the test CA and the certificate against the address we dial.
    stream->set_verify_mode(ssl::verify_peer);
    stream->set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    auto& tcp_layer = beast::get_lowest_layer(*stream);
    tcp_layer.expires_after(5s);
    co_await tcp_layer.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                     use_awaitable);
    co_await stream->async_handshake(ssl::stream_base::client, use_awaitable);
}

asio::awaitable<http_reply> https_call(ssl::context* tls, unsigned short port, http::verb verb,
                                       std::string target, std::string content_type,
                                       std::string body, std::string token) {
    tls_stream stream(co_await asio::this_coro::executor, *tls);
    co_await connect_tls(&stream, port);
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    request.body() = std::move(body);
    request.prepare_payload();
    co_await http::async_write(stream, request, use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    co_await http::async_read(stream, buffer, response, use_awaitable);
    // The server may close without close_notify; either ending is fine here.
    co_await stream.async_shutdown(nothrow);

    http_reply reply;
    reply.status = response.result_int();
    reply.retry_after = std::string(response[http::field::retry_after]);
    reply.body = response.body();
    reply.body_json = json::parse(reply.body, nullptr, false);
    co_return reply;
}

asio::awaitable<ws_ptr> open_link(ssl::context* tls, unsigned short port, std::string target) {
    auto ws = std::make_shared<ws_client>(co_await asio::this_coro::executor, *tls);
    co_await connect_tls(&ws->next_layer(), port);
    beast::get_lowest_layer(*ws).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = 5s;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws->set_option(timeouts);
    co_await ws->async_handshake("127.0.0.1:" + std::to_string(port), target, use_awaitable);
    co_return ws;
}

// The HTTP status of a refused upgrade (0 when it was accepted).
asio::awaitable<unsigned> refused_upgrade(ssl::context* tls, unsigned short port,
                                          std::string target) {
    ws_client ws(co_await asio::this_coro::executor, *tls);
    co_await connect_tls(&ws.next_layer(), port);
    websocket::response_type response;
    auto [ec] =
        co_await ws.async_handshake(response, "127.0.0.1:" + std::to_string(port), target, nothrow);
    co_return ec ? response.result_int() : 0u;
}

asio::awaitable<json> read_json(ws_ptr ws) {
    beast::flat_buffer buffer;
    co_await ws->async_read(buffer, use_awaitable);
    co_return json::parse(beast::buffers_to_string(buffer.data()));
}

asio::awaitable<std::string> read_text(ws_ptr ws) {
    beast::flat_buffer buffer;
    co_await ws->async_read(buffer, use_awaitable);
    co_return beast::buffers_to_string(buffer.data());
}

// How the next read ends: "" for a frame, else the error (and close code when closed).
asio::awaitable<std::string> read_until_end(ws_ptr ws) {
    for (;;) {
        beast::flat_buffer buffer;
        auto [ec, bytes] = co_await ws->async_read(buffer, nothrow);
        if (!ec) continue;
        if (ec == websocket::error::closed) {
            co_return "closed " + std::to_string(ws->reason().code);
        }
        co_return "failed";
    }
}

asio::awaitable<void> send_text(ws_ptr ws, std::string text) {
    ws->text(true);
    co_await ws->async_write(asio::buffer(text), use_awaitable);
}

asio::awaitable<void> send_ping(ws_ptr ws, std::string payload) {
    co_await ws->async_ping(websocket::ping_data(payload.data(), payload.size()), use_awaitable);
}

// --- the test's side of the wire ---------------------------------------------------------------

// A client with its own io_context; every step runs there with a time budget.
class client {
  public:
    explicit client(const fake_slack& fake) : port_(fake.port()) {
        tls_.add_certificate_authority(asio::buffer(fake.ca_pem()));
    }

    template <class T>
    T run(asio::awaitable<T> task, std::chrono::milliseconds budget = 5s) {
        std::optional<T> result;
        std::exception_ptr error;
        bool done = false;
        asio::co_spawn(io_, std::move(task), [&](std::exception_ptr e, T value) {
            done = true;
            error = e;
            if (!e) result = std::move(value);
        });
        drive(done, budget);
        if (error) std::rethrow_exception(error);
        return std::move(*result);
    }

    void run(asio::awaitable<void> task, std::chrono::milliseconds budget = 5s) {
        std::exception_ptr error;
        bool done = false;
        asio::co_spawn(io_, std::move(task), [&](std::exception_ptr e) {
            done = true;
            error = e;
        });
        drive(done, budget);
        if (error) std::rethrow_exception(error);
    }

    http_reply call(http::verb verb, std::string target, std::string content_type, std::string body,
                    std::string token) {
        return run(https_call(&tls_, port_, verb, std::move(target), std::move(content_type),
                              std::move(body), std::move(token)));
    }

    http_reply form(const std::string& method, std::string body, std::string token) {
        return call(http::verb::post, "/api/" + method, "application/x-www-form-urlencoded",
                    std::move(body), std::move(token));
    }

    http_reply json_post(const std::string& method, const json& body, std::string token) {
        return call(http::verb::post, "/api/" + method, "application/json; charset=utf-8",
                    body.dump(), std::move(token));
    }

    // apps.connections.open, then the websocket; returns the link and its first frame (hello).
    std::pair<ws_ptr, json> connect(const std::string& app_token, const std::string& suffix = {}) {
        const auto target = open_target(app_token) + suffix;
        auto ws = run(open_link(&tls_, port_, target));
        return {ws, run(read_json(ws))};
    }

    std::string open_target(const std::string& app_token) {
        const auto reply = form("apps.connections.open", "", app_token);
        REQUIRE(reply.body_json["ok"].get<bool>());
        const auto url = reply.body_json["url"].get<std::string>();
        const std::string prefix = "wss://127.0.0.1:" + std::to_string(port_);
        REQUIRE(url.starts_with(prefix + "/link/?ticket="));
        return url.substr(prefix.size());
    }

    unsigned refused(const std::string& target) {
        return run(refused_upgrade(&tls_, port_, target));
    }
    ws_ptr link(const std::string& target) { return run(open_link(&tls_, port_, target)); }

  private:
    void drive(const bool& done, std::chrono::milliseconds budget) {
        io_.restart();
        const auto deadline = std::chrono::steady_clock::now() + budget;
        while (!done && std::chrono::steady_clock::now() < deadline) io_.run_for(10ms);
        if (!done) throw std::runtime_error("client step did not finish within its budget");
    }

    asio::io_context io_;
    ssl::context tls_{ssl::context::tls_client};
    unsigned short port_;
};

void add_workspace(fake_slack& fake) {
    fake.add_user({"U0ALICE", "alice", "Alice Example", "alice", "Europe/Berlin",
                   "Central European Time", 3600, false});
    fake.add_channel({"C0INCIDENT", "incident", {"U0ALICE"}, true, false});
}

}  // namespace

TEST_CASE("apps.connections.open gives a ticket URL whose websocket starts with hello") {
    fake_slack fake(quick_options());
    fake.start();
    client c(fake);

    auto [first, hello] = c.connect(fake.options().app_token);
    CHECK(hello["type"] == "hello");
    CHECK(hello["num_connections"] == 1);
    CHECK(hello["connection_info"]["app_id"] == fake.options().app_id);
    CHECK(hello["debug_info"]["approximate_connection_time"] == 3600);
    CHECK(hello["debug_info"]["host"].get<std::string>().starts_with("applink-"));

    auto [second, debug_hello] = c.connect(fake.options().app_token, "&debug_reconnects=true");
    CHECK(debug_hello["num_connections"] == 2);
    CHECK(debug_hello["debug_info"]["approximate_connection_time"] == 360);

    const auto stats = fake.stats();
    CHECK(stats.connections_open_calls == 2);
    CHECK(stats.links_opened == 2);
    CHECK(stats.open_links == 2);
}

TEST_CASE("an acked envelope is not delivered again") {
    fake_slack fake(quick_options());
    add_workspace(fake);
    fake.start();
    client c(fake);
    auto [ws, hello] = c.connect(fake.options().app_token);

    const auto pushed = fake.post_user_message("C0INCIDENT", "U0ALICE", "!tl db failover started");
    const json envelope = c.run(read_json(ws));
    CHECK(envelope["type"] == "events_api");
    CHECK(envelope["accepts_response_payload"] == false);
    CHECK(envelope["retry_attempt"] == 0);
    CHECK(envelope["retry_reason"] == "");
    CHECK(envelope["envelope_id"] == pushed.envelope_ids.at(0));
    const json& payload = envelope["payload"];
    CHECK(payload["type"] == "event_callback");
    CHECK(payload["event_id"] == pushed.event_ids.at(0));
    CHECK(payload["event_id"].get<std::string>().starts_with("Ev"));
    CHECK(payload["api_app_id"] == fake.options().app_id);
    CHECK(payload["authorizations"][0]["user_id"] == fake.options().bot_user_id);
    const json& event = payload["event"];
    CHECK(event["type"] == "message");
    CHECK(event["channel"] == "C0INCIDENT");
    CHECK(event["user"] == "U0ALICE");
    CHECK(event["text"] == "!tl db failover started");
    CHECK(event["ts"] == pushed.ts);
    CHECK(event["event_ts"] == pushed.ts);
    CHECK(event["channel_type"] == "channel");
    CHECK(event.contains("client_msg_id"));
    CHECK(event["blocks"][0]["type"] == "rich_text");

    c.run(send_text(ws, json{{"envelope_id", envelope["envelope_id"]}}.dump()));
    CHECK(fake.wait_for([&] { return fake.stats().acks == 1; }));

    // The ack cancelled the envelope's deadline: nothing is pending that could come again.
    const auto stats = fake.stats();
    CHECK(stats.envelopes_delivered == 1);
    CHECK(stats.envelopes_redelivered == 0);
    CHECK(stats.ack_timeouts == 0);
    CHECK(stats.pending_acks == 0);
    const auto acks = fake.acks();
    REQUIRE(acks.size() == 1);
    CHECK(acks[0].matched);
    CHECK(acks[0].envelope_type == "events_api");
    CHECK_FALSE(acks[0].payload.has_value());
}

TEST_CASE("an unacked envelope comes again with retry_attempt 1 and the same event_id") {
    fake_slack fake(quick_options());
    add_workspace(fake);
    fake.start();
    client c(fake);
    auto [ws, hello] = c.connect(fake.options().app_token);

    fake.post_user_message("C0INCIDENT", "U0ALICE", "hello <@" + fake.options().bot_user_id + ">");
    // A mention arrives twice: as message and as app_mention, each its own envelope.
    const json message = c.run(read_json(ws));
    const json mention = c.run(read_json(ws));
    CHECK(message["payload"]["event"]["type"] == "message");
    CHECK(mention["payload"]["event"]["type"] == "app_mention");
    CHECK_FALSE(mention["payload"]["event"].contains("channel_type"));
    c.run(send_text(ws, json{{"envelope_id", mention["envelope_id"]}}.dump()));

    const json retry = c.run(read_json(ws), 2s);
    CHECK(retry["retry_attempt"] == 1);
    CHECK(retry["retry_reason"] == "timeout");
    CHECK(retry["payload"]["event_id"] == message["payload"]["event_id"]);
    CHECK(retry["payload"]["event"] == message["payload"]["event"]);
    CHECK(retry["envelope_id"] != message["envelope_id"]);

    // Node's form of the ack, with an empty payload; events_api takes no response payload.
    c.run(send_text(
        ws, json{{"envelope_id", retry["envelope_id"]}, {"payload", json::object()}}.dump()));
    CHECK(fake.wait_for([&] { return fake.stats().acks == 2; }));
    const auto stats = fake.stats();
    CHECK(stats.pending_acks == 0);
    CHECK(stats.envelopes_redelivered == 1);
    CHECK(stats.ack_timeouts == 1);
    CHECK(fake.acks().back().payload_ignored);
}

TEST_CASE("rate limiting answers 429 with Retry-After, then the call goes through") {
    fake_slack fake(quick_options());
    add_workspace(fake);
    fake.start();
    client c(fake);
    const auto& bot = fake.options().bot_token;

    fake.rate_limit_next("chat.postMessage", 1, 7);
    const auto limited = c.form("chat.postMessage", "channel=C0INCIDENT&text=hi", bot);
    CHECK(limited.status == 429);
    CHECK(limited.retry_after == "7");
    CHECK(limited.body_json == json{{"ok", false}, {"error", "ratelimited"}});

    const auto passed = c.form("chat.postMessage", "channel=C0INCIDENT&text=hi", bot);
    CHECK(passed.status == 200);
    CHECK(passed.body_json["ok"] == true);
    CHECK(fake.stats().rate_limited == 1);
    CHECK(fake.bot_messages("C0INCIDENT").size() == 1);

    // A standing per-channel limit, like chat.postMessage's one per second per channel.
    fake.set_rate_limit("chat.postMessage", 1, 10s, true);
    CHECK(c.form("chat.postMessage", "channel=C0INCIDENT&text=a", bot).status == 200);
    const auto second = c.form("chat.postMessage", "channel=C0INCIDENT&text=b", bot);
    CHECK(second.status == 429);
    CHECK(std::stoi(second.retry_after) >= 1);
}

TEST_CASE("form, JSON and GET arguments are read the same way") {
    fake_slack fake(quick_options());
    add_workspace(fake);
    fake.start();
    client c(fake);
    const auto& bot = fake.options().bot_token;

    const auto by_form = c.form("chat.postMessage", "channel=C0INCIDENT&text=a+b%2Fc", bot);
    const auto by_json =
        c.json_post("chat.postMessage", json{{"channel", "C0INCIDENT"}, {"text", "a b/c"}}, bot);
    const auto by_get = c.call(
        http::verb::get, "/api/chat.postMessage?channel=C0INCIDENT&text=a%20b%2Fc", "", "", bot);
    for (const auto* reply : {&by_form, &by_json, &by_get}) {
        REQUIRE(reply->body_json["ok"] == true);
        CHECK(reply->body_json["message"]["text"] == "a b/c");
        CHECK(reply->body_json["message"]["user"] == fake.options().bot_user_id);
        CHECK(reply->body_json["message"]["bot_id"] == fake.options().bot_id);
        CHECK_FALSE(reply->body_json["message"].contains("subtype"));
    }
    // Slack escapes slashes in Web API JSON; a parser must read them back.
    CHECK(by_form.body.find(R"(a b\/c)") != std::string::npos);
    // ts is "<secs>.<6 digits>" and strictly increasing in a channel.
    const auto ts = [](const http_reply& r) { return r.body_json["ts"].get<std::string>(); };
    CHECK(ts(by_form).size() == 17);
    CHECK(ts(by_form)[10] == '.');
    CHECK(ts(by_form) < ts(by_json));
    CHECK(ts(by_json) < ts(by_get));

    const auto requests = fake.requests("chat.postMessage");
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].args == requests[1].args);
    CHECK(requests[1].args == requests[2].args);
    CHECK(requests[0].auth == "bot");
    CHECK(requests[2].http_method == "GET");

    // users.info, and the token as a form field rather than a header; it is never recorded.
    const auto user = c.form("users.info", "user=U0ALICE&token=" + bot, "");
    CHECK(user.body_json["user"]["profile"]["display_name"] == "alice");
    CHECK(user.body_json["user"]["tz_offset"] == 3600);
    CHECK_FALSE(fake.requests("users.info").at(0).args.contains("token"));
    CHECK(c.form("users.info", "user=U0NOBODY", bot).body_json["error"] == "user_not_found");
}

TEST_CASE("tokens: missing, wrong kind, expired") {
    fake_slack fake(quick_options());
    add_workspace(fake);
    fake.start();
    client c(fake);
    const auto& options = fake.options();

    CHECK(c.form("auth.test", "", "").body_json["error"] == "not_authed");
    CHECK(c.form("auth.test", "", "xoxb-not-ours").body_json["error"] == "invalid_auth");
    CHECK(c.form("apps.connections.open", "", options.bot_token).body_json["error"] ==
          "invalid_auth");
    CHECK(c.form("chat.postMessage", "channel=C0INCIDENT&text=x", options.app_token)
              .body_json["error"] == "invalid_auth");
    const auto me = c.form("auth.test", "", options.bot_token).body_json;
    CHECK(me["user_id"] == options.bot_user_id);
    CHECK(me["bot_id"] == options.bot_id);

    fake.expire_tokens(true, "token_expired");
    CHECK(c.form("auth.test", "", options.bot_token).body_json["error"] == "token_expired");
    fake.expire_tokens(false);
    CHECK(c.form("auth.test", "", options.bot_token).body_json["ok"] == true);
    CHECK(fake.stats().auth_failures == 5);
}

TEST_CASE("a ticket works once, and a reused or unknown ticket is refused on upgrade") {
    fake_slack fake(quick_options());
    fake.start();
    client c(fake);

    const auto target = c.open_target(fake.options().app_token);
    auto ws = c.link(target);
    CHECK(c.run(read_json(ws))["type"] == "hello");
    CHECK(c.refused(target) == 401);
    CHECK(c.refused("/link/?ticket=not-issued&app_id=A1") == 401);
    CHECK(fake.stats().tickets_rejected == 2);
    CHECK(fake.stats().links_opened == 1);
}

TEST_CASE("an upload through getUploadURLExternal and completeUploadExternal is recorded") {
    fake_slack fake(quick_options());
    add_workspace(fake);
    fake.start();
    client c(fake);
    const auto& bot = fake.options().bot_token;
    const std::string content = "# Postmortem\n\nline two\n";

    const auto grant =
        c.form("files.getUploadURLExternal",
               "filename=postmortem.md&length=" + std::to_string(content.size()), bot);
    REQUIRE(grant.body_json["ok"] == true);
    const auto url = grant.body_json["upload_url"].get<std::string>();
    const auto file_id = grant.body_json["file_id"].get<std::string>();
    const std::string host = "https://127.0.0.1:" + std::to_string(fake.port());
    REQUIRE(url.starts_with(host));
    const auto uploaded =
        c.call(http::verb::post, url.substr(host.size()), "text/markdown", content, "");
    CHECK(uploaded.status == 200);
    CHECK(uploaded.body == "OK - " + std::to_string(content.size()));

    const json files = json::array({json{{"id", file_id}, {"title", "Postmortem draft"}}});
    const auto done = c.json_post("files.completeUploadExternal",
                                  json{{"files", files.dump()},
                                       {"channel_id", "C0INCIDENT"},
                                       {"initial_comment", "The draft"}},
                                  bot);
    REQUIRE(done.body_json["ok"] == true);
    CHECK(done.body_json["files"][0]["id"] == file_id);

    // The same through multipart, as `curl -F filename=@x` sends it.
    const auto second = c.form("files.getUploadURLExternal", "filename=agenda.md&length=6", bot);
    const auto second_url = second.body_json["upload_url"].get<std::string>();
    const std::string multipart =
        "--XyZ\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"agenda.md\"\r\n"
        "Content-Type: text/markdown\r\n\r\nagenda\r\n--XyZ--\r\n";
    CHECK(c.call(http::verb::post, second_url.substr(host.size()),
                 "multipart/form-data; boundary=XyZ", multipart, "")
              .status == 200);
    CHECK(c.form("files.completeUploadExternal",
                 "channel_id=C0INCIDENT&files=" +
                     scribe::fakes::url_encode(
                         json::array({json{{"id", second.body_json["file_id"]}}}).dump()),
                 bot)
              .body_json["ok"] == true);

    const auto shared = fake.shared_files();
    REQUIRE(shared.size() == 2);
    CHECK(shared[0].id == file_id);
    CHECK(shared[0].filename == "postmortem.md");
    CHECK(shared[0].title == "Postmortem draft");
    CHECK(shared[0].content == content);
    CHECK(shared[0].channel == "C0INCIDENT");
    CHECK(shared[0].initial_comment == "The draft");
    CHECK(shared[1].content == "agenda");
    CHECK(shared[1].title == "agenda.md");
}

TEST_CASE("the eleventh link gets too_many_websockets and is closed") {
    fake_slack fake(quick_options());
    fake.start();
    client c(fake);

    std::vector<ws_ptr> links;
    for (int i = 1; i <= 10; ++i) {
        auto [ws, hello] = c.connect(fake.options().app_token);
        CHECK(hello["num_connections"] == i);
        links.push_back(ws);
    }
    auto [eleventh, first_frame] = c.connect(fake.options().app_token);
    CHECK(first_frame["type"] == "disconnect");
    CHECK(first_frame["reason"] == "too_many_websockets");
    CHECK(c.run(read_until_end(eleventh)) == "closed 1000");
    CHECK(fake.stats().too_many_websockets == 1);
    CHECK(fake.stats().open_links == 10);
}

TEST_CASE("a certificate for another name is refused by a verifying client") {
    auto options = quick_options();
    options.cert_names = {"wrong.example"};
    fake_slack fake(options);
    fake.start();
    client c(fake);
    CHECK_THROWS(c.form("auth.test", "", fake.options().bot_token));
}

TEST_CASE("pings carry Slack's payload and client pings are echoed") {
    auto options = quick_options();
    options.ping_interval = 100ms;
    fake_slack fake(options);
    fake.start();
    client c(fake);
    auto [ws, hello] = c.connect(fake.options().app_token);

    std::vector<std::pair<websocket::frame_type, std::string>> control;
    ws->control_callback([&control](websocket::frame_type kind, std::string_view payload) {
        control.emplace_back(kind, std::string(payload));
    });
    c.run(send_ping(ws, "client 1"));
    CHECK(fake.wait_for([&] {
        const auto links = fake.links();
        return links.at(0).client_pings == 1 && links.at(0).pings_sent >= 1;
    }));
    fake.push_raw_frame(R"({"type":"nudge"})");
    CHECK(c.run(read_text(ws)) == R"({"type":"nudge"})");

    const auto pong = std::find_if(control.begin(), control.end(), [](const auto& f) {
        return f.first == websocket::frame_type::pong;
    });
    REQUIRE(pong != control.end());
    CHECK(pong->second == "client 1");
    const auto ping = std::find_if(control.begin(), control.end(), [](const auto& f) {
        return f.first == websocket::frame_type::ping;
    });
    REQUIRE(ping != control.end());
    CHECK(ping->second == "Ping from applink-1");
    CHECK(fake.wait_for([&] { return fake.links().at(0).pongs_received >= 1; }));
}

TEST_CASE("a silent link answers no pings and loses what is sent to it") {
    fake_slack fake(quick_options());
    add_workspace(fake);
    fake.start();
    client c(fake);
    auto [quiet, quiet_hello] = c.connect(fake.options().app_token);
    auto [loud, loud_hello] = c.connect(fake.options().app_token);

    fake.silence_link(1);
    c.run(send_ping(quiet, "anyone?"));

    // Delivered into the black hole, then redelivered on the other link after the deadline.
    fake.pin_delivery(1);
    const auto pushed = fake.post_user_message("C0INCIDENT", "U0ALICE", "into the void");
    fake.pin_delivery(std::nullopt);
    const json retry = c.run(read_json(loud), 2s);
    CHECK(retry["retry_attempt"] == 1);
    CHECK(retry["payload"]["event_id"] == pushed.event_ids.at(0));
    // A whole ack deadline later, the ping still waits unread.
    CHECK(fake.links().at(0).client_pings == 0);

    // Speaking again, the link reads what waited: the ping is answered late.
    fake.silence_link(1, false);
    CHECK(fake.wait_for([&] { return fake.links().at(0).client_pings == 1; }));
    CHECK(fake.stats().silenced_links == 1);
}

TEST_CASE("the refresh sequence: warning, refresh_requested, close 1000") {
    auto options = quick_options();
    options.refresh_warning_lead = 100ms;
    options.disconnect_close_delay = 50ms;
    fake_slack fake(options);
    fake.start();
    client c(fake);
    auto [ws, hello] = c.connect(fake.options().app_token);

    fake.refresh_link();
    CHECK(c.run(read_json(ws))["reason"] == "warning");
    CHECK(c.run(read_json(ws))["reason"] == "refresh_requested");
    CHECK(c.run(read_until_end(ws)) == "closed 1000");
    CHECK(fake.wait_for([&] { return fake.stats().open_links == 0; }));
    CHECK(fake.stats().refreshes == 1);
}

TEST_CASE("debug_reconnects announces 360 s and refreshes the link after the configured life") {
    auto options = quick_options();
    options.debug_reconnect_lifetime = 100ms;
    options.refresh_warning_lead = 50ms;
    options.disconnect_close_delay = 20ms;
    fake_slack fake(options);
    fake.start();
    client c(fake);
    auto [ws, hello] = c.connect(fake.options().app_token, "&debug_reconnects=true");

    CHECK(hello["debug_info"]["approximate_connection_time"] == 360);
    CHECK(c.run(read_json(ws))["reason"] == "warning");
    CHECK(c.run(read_json(ws))["reason"] == "refresh_requested");
    CHECK(c.run(read_until_end(ws)) == "closed 1000");
    CHECK(fake.links().at(0).debug_reconnects);
}

TEST_CASE("faults: a dropped link ends without a close frame, and stray frames are tolerated") {
    fake_slack fake(quick_options());
    add_workspace(fake);
    fake.start();
    client c(fake);
    auto [ws, hello] = c.connect(fake.options().app_token);

    c.run(send_text(ws, "not json"));
    c.run(send_text(ws, R"({"type":"hello_back"})"));
    CHECK(fake.wait_for([&] { return fake.stats().stray_frames == 2; }));
    CHECK(fake.stray_frames().at(0) == "not json");

    fake.drop_link();
    CHECK(c.run(read_until_end(ws)) == "failed");
    CHECK(fake.wait_for([&] { return fake.stats().open_links == 0; }));
    CHECK(fake.stats().links_dropped == 1);

    // With no link, an event waits and reaches the next link after its hello.
    fake.post_user_message("C0INCIDENT", "U0ALICE", "while away");
    CHECK(fake.stats().backlog == 1);
    auto [next, next_hello] = c.connect(fake.options().app_token);
    CHECK(c.run(read_json(next))["payload"]["event"]["text"] == "while away");
}

TEST_CASE("a slash command's ack payload and response_url post are recorded") {
    fake_slack fake(quick_options());
    add_workspace(fake);
    fake.start();
    client c(fake);
    auto [ws, hello] = c.connect(fake.options().app_token);

    const auto command =
        fake.slash_command("C0INCIDENT", "U0ALICE", "/incident", "declare db down");
    const json envelope = c.run(read_json(ws));
    CHECK(envelope["type"] == "slash_commands");
    CHECK(envelope["accepts_response_payload"] == true);
    CHECK_FALSE(envelope.contains("retry_attempt"));
    CHECK(envelope["payload"]["command"] == "/incident");
    CHECK(envelope["payload"]["text"] == "declare db down");
    CHECK(envelope["payload"]["is_enterprise_install"] == "false");
    c.run(send_text(
        ws,
        json{{"envelope_id", command.envelope_id}, {"payload", {{"text", "Declared."}}}}.dump()));
    CHECK(fake.wait_for([&] { return fake.stats().acks == 1; }));
    CHECK(fake.acks().at(0).payload == json{{"text", "Declared."}});

    const std::string host = "https://127.0.0.1:" + std::to_string(fake.port());
    REQUIRE(command.response_url.starts_with(host));
    const auto posted = c.call(http::verb::post, command.response_url.substr(host.size()),
                               "application/json", R"({"text":"later"})", "");
    CHECK(posted.status == 200);
    CHECK(fake.response_url_posts().at(0).json["text"] == "later");
}

TEST_CASE("form and multipart decoding") {
    using scribe::fakes::parse_form;
    using scribe::fakes::parse_multipart;
    const auto fields = parse_form("a=1&b=x+y%21&c");
    REQUIRE(fields.size() == 3);
    CHECK(fields[1].second == "x y!");
    CHECK(fields[2].first == "c");
    const auto parts =
        parse_multipart("--b\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nv\r\n--b--\r\n",
                        "multipart/form-data; boundary=\"b\"");
    REQUIRE(parts.has_value());
    REQUIRE(parts->size() == 1);
    CHECK(parts->at(0).name == "t");
    CHECK(parts->at(0).data == "v");
    CHECK_FALSE(parse_multipart("garbage", "multipart/form-data; boundary=b").has_value());
}
