// Self-tests of the fake Matrix homeserver, driven by a raw Beast client that verifies the test CA.
#include "tests/fakes/fake_matrix.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/http_forms.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using namespace std::chrono_literals;
using scribe::fakes::fake_matrix;
using scribe::fakes::fake_matrix_options;
using scribe::fakes::matrix_room_spec;
using scribe::fakes::url_encode;

constexpr auto use_awaitable = asio::use_awaitable;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

struct http_reply {
    unsigned status = 0;  // 0: no answer (error says why)
    std::string error;
    std::string retry_after;
    std::string content_type;
    std::string body;
    json body_json;
};

// Plain helpers, so the coroutines below build no temporaries g++ 12 could destroy twice.
http::request<http::string_body> make_request(const std::string& method, const std::string& target,
                                              unsigned short port, const std::string& token,
                                              const std::string& content_type, std::string body) {
    http::request<http::string_body> request(http::string_to_verb(method), target, 11);
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    request.body() = std::move(body);
    request.prepare_payload();
    return request;
}

http_reply to_reply(const http::response<http::string_body>& response) {
    http_reply reply;
    reply.status = response.result_int();
    reply.retry_after = std::string(response[http::field::retry_after]);
    reply.content_type = std::string(response[http::field::content_type]);
    reply.body = response.body();
    reply.body_json = json::parse(reply.body, nullptr, false);
    return reply;
}

http_reply failed(const boost::system::error_code& ec) {
    http_reply reply;
    reply.error = ec.message();
    return reply;
}

// --- client coroutines (free functions, parameters by value) -----------------------------------

// The TLS handshake's error, if any: the chain is checked against the test CA and the
// certificate against the address we dial.
asio::awaitable<boost::system::error_code> connect_tls(tls_stream* stream, unsigned short port) {
    stream->set_verify_mode(ssl::verify_peer);
    stream->set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    auto& tcp_layer = beast::get_lowest_layer(*stream);
    tcp_layer.expires_after(5s);
    co_await tcp_layer.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                     use_awaitable);
    auto [ec] = co_await stream->async_handshake(ssl::stream_base::client, nothrow);
    co_return ec;
}

asio::awaitable<http_reply> https_call(ssl::context* tls, unsigned short port,
                                       http::request<http::string_body> request) {
    tls_stream stream(co_await asio::this_coro::executor, *tls);
    const auto handshake = co_await connect_tls(&stream, port);
    if (handshake) co_return failed(handshake);
    // Above any long-poll the tests make; the test's own wait is shorter still.
    beast::get_lowest_layer(stream).expires_after(20s);
    co_await http::async_write(stream, request, use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    auto [ec, bytes] = co_await http::async_read(stream, buffer, response, nothrow);
    if (ec) co_return failed(ec);
    // The server may close without close_notify; either ending is fine here.
    co_await stream.async_shutdown(nothrow);
    co_return to_reply(response);
}

// --- the test's side of the wire ---------------------------------------------------------------

// A client whose io_context runs on its own thread, so a long-poll can wait while the test
// scripts the fake.
class client {
  public:
    explicit client(const fake_matrix& fake)
        : port_(fake.port()), work_(asio::make_work_guard(io_)) {
        tls_.add_certificate_authority(asio::buffer(fake.ca_pem()));
        thread_ = std::thread([this] { io_.run(); });
    }
    ~client() {
        work_.reset();
        io_.stop();
        thread_.join();
    }
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    std::future<http_reply> start(const std::string& method, const std::string& target,
                                  const std::string& token, std::string body = {},
                                  const std::string& content_type = "application/json") {
        auto promise = std::make_shared<std::promise<http_reply>>();
        auto future = promise->get_future();
        const auto type = body.empty() && method == "GET" ? std::string() : content_type;
        asio::co_spawn(
            io_,
            https_call(&tls_, port_,
                       make_request(method, target, port_, token, type, std::move(body))),
            [promise](std::exception_ptr error, http_reply reply) {
                if (error) {
                    promise->set_exception(error);
                } else {
                    promise->set_value(std::move(reply));
                }
            });
        return future;
    }

    http_reply call(const std::string& method, const std::string& target, const std::string& token,
                    std::string body = {}, const std::string& content_type = "application/json") {
        auto future = start(method, target, token, std::move(body), content_type);
        REQUIRE(future.wait_for(10s) == std::future_status::ready);
        return future.get();
    }

    http_reply get(const std::string& target, const std::string& token) {
        return call("GET", target, token);
    }

  private:
    unsigned short port_;
    ssl::context tls_{ssl::context::tls_client};  // before io_: pending streams refer to it
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::thread thread_;
};

const std::string v3 = "/_matrix/client/v3";

std::string room_path(const std::string& room_id) { return v3 + "/rooms/" + url_encode(room_id); }

std::string send_path(const std::string& room_id, const std::string& type, const std::string& txn) {
    return room_path(room_id) + "/send/" + url_encode(type) + "/" + url_encode(txn);
}

std::string text_body(const std::string& text) {
    json body = json::object();
    body["msgtype"] = "m.notice";
    body["body"] = text;
    return body.dump();
}

// A fake with alice, bob and a room where all three (the bot too) are joined.
struct scene {
    explicit scene(fake_matrix_options options = {}) : fake(std::move(options)) {
        alice = fake.add_user({"alice", "Alice", "alice-pw"});
        bob = fake.add_user({"bob", "Bob", "bob-pw"});
        matrix_room_spec spec;
        spec.name = "Incident";
        spec.members = {alice, bob, fake.bot_user_id()};
        room = fake.create_room(spec);
        fake.start();
        token = fake.options().bot_access_token;
    }

    // An initial sync's next_batch, so later syncs see only what follows.
    std::string current_batch(client& c) {
        const auto reply = c.get(v3 + "/sync", token);
        REQUIRE(reply.status == 200);
        return reply.body_json["next_batch"].get<std::string>();
    }

    fake_matrix fake;
    std::string alice;
    std::string bob;
    std::string room;
    std::string token;
};

json timeline_of(const http_reply& reply, const std::string& room) {
    return reply.body_json["rooms"]["join"][room]["timeline"];
}

}  // namespace

TEST_CASE("fake matrix: versions, login with identifier or deprecated user, whoami") {
    scene s;
    client c(s.fake);

    const auto versions = c.get("/_matrix/client/versions", "");
    CHECK(versions.status == 200);
    CHECK(versions.content_type == "application/json");
    CHECK(versions.body_json["versions"].is_array());

    json login = json::object();
    login["type"] = "m.login.password";
    login["identifier"] = {{"type", "m.id.user"}, {"user", "alice"}};
    login["password"] = "alice-pw";
    const auto logged_in = c.call("POST", v3 + "/login", "", login.dump());
    REQUIRE(logged_in.status == 200);
    CHECK(logged_in.body_json["user_id"] == s.alice);
    CHECK(logged_in.body_json["device_id"].is_string());
    const auto token = logged_in.body_json["access_token"].get<std::string>();

    const auto whoami = c.get(v3 + "/account/whoami", token);
    CHECK(whoami.status == 200);
    CHECK(whoami.body_json["user_id"] == s.alice);
    CHECK(whoami.body_json["device_id"] == logged_in.body_json["device_id"]);

    json deprecated = json::object();
    deprecated["type"] = "m.login.password";
    deprecated["user"] = s.fake.bot_user_id();
    deprecated["password"] = s.fake.options().bot_password;
    const auto bot = c.call("POST", v3 + "/login", "", deprecated.dump());
    CHECK(bot.status == 200);
    CHECK(bot.body_json["user_id"] == s.fake.bot_user_id());

    login["password"] = "wrong";
    const auto refused = c.call("POST", v3 + "/login", "", login.dump());
    CHECK(refused.status == 403);
    CHECK(refused.body_json["errcode"] == "M_FORBIDDEN");

    const auto unknown = c.get(v3 + "/no/such/thing", token);
    CHECK(unknown.status == 404);
    CHECK(unknown.body_json["errcode"] == "M_UNRECOGNIZED");
    const auto wrong_method = c.call("DELETE", v3 + "/account/whoami", token);
    CHECK(wrong_method.status == 405);
    CHECK(wrong_method.body_json["errcode"] == "M_UNRECOGNIZED");
}

TEST_CASE("fake matrix: tokens missing, unknown, in the query, invalidated") {
    scene s;
    client c(s.fake);
    const auto missing = c.get(v3 + "/account/whoami", "");
    CHECK(missing.status == 401);
    CHECK(missing.body_json["errcode"] == "M_MISSING_TOKEN");
    const auto unknown = c.get(v3 + "/account/whoami", "not-a-token");
    CHECK(unknown.status == 401);
    CHECK(unknown.body_json["errcode"] == "M_UNKNOWN_TOKEN");
    CHECK(unknown.body_json["soft_logout"] == false);

    const auto query = c.get(v3 + "/account/whoami?access_token=" + url_encode(s.token), "");
    CHECK(query.status == 200);
    const auto recorded = s.fake.requests(v3 + "/account/whoami");
    REQUIRE(recorded.size() == 3);
    CHECK(recorded[2].auth == "query");
    CHECK(recorded[2].query.find(s.token) == std::string::npos);

    // A long-poll in flight learns of the invalidation at once.
    const auto since = s.current_batch(c);
    auto poll = c.start("GET", v3 + "/sync?timeout=5000&since=" + since, s.token);
    REQUIRE(s.fake.wait_for([&] { return s.fake.stats().pending_syncs == 1; }, 3s));
    s.fake.invalidate_tokens();
    REQUIRE(poll.wait_for(3s) == std::future_status::ready);
    const auto ended = poll.get();
    CHECK(ended.status == 401);
    CHECK(ended.body_json["errcode"] == "M_UNKNOWN_TOKEN");
    CHECK(c.get(v3 + "/account/whoami", s.token).status == 401);
}

TEST_CASE("fake matrix: a long-poll sync returns when a message arrives and times out empty") {
    scene s;
    client c(s.fake);
    const auto since = s.current_batch(c);

    const auto started = std::chrono::steady_clock::now();
    const auto quiet = c.get(v3 + "/sync?timeout=300&since=" + since, s.token);
    CHECK(std::chrono::steady_clock::now() - started >= 250ms);
    REQUIRE(quiet.status == 200);
    CHECK(quiet.body_json["rooms"]["join"].empty());
    CHECK(quiet.body_json["next_batch"] != since);
    CHECK(s.fake.stats().syncs_timed_out == 1);

    const auto next = quiet.body_json["next_batch"].get<std::string>();
    auto poll = c.start("GET", v3 + "/sync?timeout=5000&since=" + next, s.token);
    CHECK(poll.wait_for(200ms) == std::future_status::timeout);
    const auto event_id = s.fake.send_text(s.room, s.alice, "db is down");
    REQUIRE(poll.wait_for(3s) == std::future_status::ready);
    const auto woke = poll.get();
    REQUIRE(woke.status == 200);
    const auto events = timeline_of(woke, s.room)["events"];
    REQUIRE(events.size() == 1);
    CHECK(events[0]["event_id"] == event_id);
    CHECK(events[0]["sender"] == s.alice);
    CHECK(events[0]["content"]["body"] == "db is down");
    CHECK_FALSE(events[0].contains("room_id"));
    CHECK(s.fake.stats().syncs_woken == 1);
}

TEST_CASE("fake matrix: initial sync has state, limited history and pending invites") {
    fake_matrix_options options;
    options.default_timeline_limit = 3;
    scene s(options);
    client c(s.fake);
    s.fake.send_burst(s.room, s.alice, {"one", "two", "three", "four", "five"});
    matrix_room_spec other;
    other.name = "Second incident";
    other.members = {s.bob};
    other.invited = {s.fake.bot_user_id()};
    const auto invited_room = s.fake.create_room(other);

    const auto initial = c.get(v3 + "/sync", s.token);
    REQUIRE(initial.status == 200);
    const auto timeline = timeline_of(initial, s.room);
    CHECK(timeline["limited"] == true);
    CHECK(timeline["prev_batch"].is_string());
    REQUIRE(timeline["events"].size() == 3);
    CHECK(timeline["events"][2]["content"]["body"] == "five");
    bool has_name = false;
    for (const auto& event : initial.body_json["rooms"]["join"][s.room]["state"]["events"]) {
        if (event["type"] == "m.room.name") has_name = event["content"]["name"] == "Incident";
    }
    CHECK(has_name);

    const auto invite =
        initial.body_json["rooms"]["invite"][invited_room]["invite_state"]["events"];
    REQUIRE(invite.is_array());
    const auto& last = invite.back();
    CHECK(last["type"] == "m.room.member");
    CHECK(last["state_key"] == s.fake.bot_user_id());
    CHECK(last["content"]["membership"] == "invite");
    CHECK_FALSE(last.contains("event_id"));

    // Joining moves the room to rooms.join, with the bot's own join in the timeline.
    const auto since = initial.body_json["next_batch"].get<std::string>();
    const auto joined = c.call("POST", v3 + "/join/" + url_encode(invited_room), s.token, "{}");
    CHECK(joined.status == 200);
    CHECK(joined.body_json["room_id"] == invited_room);
    const auto after = c.get(v3 + "/sync?timeout=1000&since=" + since, s.token);
    const auto events = timeline_of(after, invited_room)["events"];
    REQUIRE_FALSE(events.empty());
    CHECK(events.back()["type"] == "m.room.member");
    CHECK(events.back()["content"]["membership"] == "join");
    REQUIRE(s.fake.membership_changes().size() == 1);
    CHECK(s.fake.membership_changes()[0].membership == "join");

    // An uninvited room refuses; a stored filter's limit applies.
    matrix_room_spec closed;
    closed.members = {s.alice};
    const auto closed_room = s.fake.create_room(closed);
    const auto refused = c.call("POST", v3 + "/join/" + url_encode(closed_room), s.token, "{}");
    CHECK(refused.status == 403);
    CHECK(refused.body_json["errcode"] == "M_FORBIDDEN");
    json filter = json::object();
    filter["room"]["timeline"]["limit"] = 1;
    const auto stored = c.call("POST", v3 + "/user/" + url_encode(s.fake.bot_user_id()) + "/filter",
                               s.token, filter.dump());
    REQUIRE(stored.status == 200);
    const auto filtered =
        c.get(v3 + "/sync?filter=" + url_encode(stored.body_json["filter_id"].get<std::string>()),
              s.token);
    CHECK(timeline_of(filtered, s.room)["events"].size() == 1);
    const auto inline_filter = c.get(v3 + "/sync?filter=" + url_encode(filter.dump()), s.token);
    CHECK(timeline_of(inline_filter, s.room)["events"].size() == 1);
}

TEST_CASE("fake matrix: the same txn id twice makes one event, echoed with transaction_id") {
    scene s;
    client c(s.fake);
    const auto since = s.current_batch(c);
    const auto path = send_path(s.room, "m.room.message", "txn-1");
    const auto first = c.call("PUT", path, s.token, text_body("hello"));
    const auto second = c.call("PUT", path, s.token, text_body("hello"));
    REQUIRE(first.status == 200);
    CHECK(second.status == 200);
    CHECK(first.body_json["event_id"] == second.body_json["event_id"]);
    const auto sent = s.fake.sent_events(s.room);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].txn_id == "txn-1");
    CHECK(sent[0].content["body"] == "hello");
    CHECK(s.fake.stats().txn_replays == 1);

    const auto synced = c.get(v3 + "/sync?timeout=1000&since=" + since, s.token);
    const auto events = timeline_of(synced, s.room)["events"];
    REQUIRE(events.size() == 1);
    CHECK(events[0]["unsigned"]["transaction_id"] == "txn-1");

    // A response lost on the way: the retry gets the event the first attempt made.
    s.fake.lose_response_next(v3 + "/rooms/");
    const auto retry_path = send_path(s.room, "m.room.message", "txn-2");
    const auto lost = c.call("PUT", retry_path, s.token, text_body("again"));
    CHECK(lost.status == 0);
    const auto retried = c.call("PUT", retry_path, s.token, text_body("again"));
    CHECK(retried.status == 200);
    CHECK(s.fake.sent_events(s.room).size() == 2);
    CHECK(s.fake.stats().lost_responses == 1);

    // A reaction twice is refused.
    json reaction = json::object();
    reaction["m.relates_to"] = {
        {"rel_type", "m.annotation"}, {"event_id", first.body_json["event_id"]}, {"key", "📌"}};
    CHECK(c.call("PUT", send_path(s.room, "m.reaction", "r1"), s.token, reaction.dump()).status ==
          200);
    const auto twice =
        c.call("PUT", send_path(s.room, "m.reaction", "r2"), s.token, reaction.dump());
    CHECK(twice.status == 400);
    CHECK(twice.body_json["errcode"] == "M_DUPLICATE_ANNOTATION");
}

TEST_CASE("fake matrix: redaction shape follows the room version") {
    for (const std::string version : {"10", "11"}) {
        CAPTURE(version);
        fake_matrix_options options;
        options.default_room_version = version;
        scene s(options);
        client c(s.fake);
        const auto since = s.current_batch(c);
        const auto target = s.fake.send_text(s.room, s.alice, "oops");
        const auto redaction = s.fake.redact(s.room, s.alice, target, "typo");
        const auto synced = c.get(v3 + "/sync?timeout=1000&since=" + since, s.token);
        const auto events = timeline_of(synced, s.room)["events"];
        REQUIRE(events.size() == 2);
        const auto& event = events[1];
        CHECK(event["event_id"] == redaction);
        CHECK(event["type"] == "m.room.redaction");
        CHECK(event["content"]["reason"] == "typo");
        if (version == "10") {
            CHECK(event["redacts"] == target);
            CHECK_FALSE(event["content"].contains("redacts"));
        } else {
            CHECK(event["content"]["redacts"] == target);
            CHECK_FALSE(event.contains("redacts"));
        }
        // The target is re-served stripped, with redacted_because.
        const auto fetched = c.get(room_path(s.room) + "/event/" + url_encode(target), s.token);
        CHECK(fetched.body_json["content"].empty());
        CHECK(fetched.body_json["unsigned"]["redacted_because"]["event_id"] == redaction);

        // The bot's own redaction through the API.
        const auto mine =
            c.call("PUT", room_path(s.room) + "/redact/" + url_encode(redaction) + "/t1", s.token,
                   R"({"reason":"cleanup"})");
        CHECK(mine.status == 200);
        REQUIRE(s.fake.sent_events().size() == 1);
        CHECK(s.fake.sent_events()[0].endpoint == "redact");
    }

    fake_matrix_options both;
    both.default_room_version = "11";
    both.redacts_in_both_places = true;
    scene s(both);
    const auto target = s.fake.send_text(s.room, s.alice, "oops");
    const auto redaction = s.fake.event(s.fake.redact(s.room, s.alice, target));
    REQUIRE(redaction);
    CHECK((*redaction)["redacts"] == target);
    CHECK((*redaction)["content"]["redacts"] == target);
}

TEST_CASE("fake matrix: a limited gap is filled from messages with prev_batch") {
    scene s;
    client c(s.fake);
    const auto since = s.current_batch(c);
    s.fake.limit_next_sync(2);
    const auto ids = s.fake.send_burst(s.room, s.alice, {"a", "b", "c", "d", "e"});
    const auto synced = c.get(v3 + "/sync?timeout=1000&since=" + since, s.token);
    const auto timeline = timeline_of(synced, s.room);
    CHECK(timeline["limited"] == true);
    REQUIRE(timeline["events"].size() == 2);
    CHECK(timeline["events"][0]["event_id"] == ids[3]);
    CHECK(s.fake.stats().limited_gaps == 1);

    const auto prev = timeline["prev_batch"].get<std::string>();
    const auto page =
        c.get(room_path(s.room) + "/messages?dir=b&limit=2&from=" + url_encode(prev), s.token);
    REQUIRE(page.status == 200);
    REQUIRE(page.body_json["chunk"].size() == 2);
    CHECK(page.body_json["chunk"][0]["event_id"] == ids[2]);  // newest first
    CHECK(page.body_json["chunk"][1]["event_id"] == ids[1]);
    CHECK(page.body_json["chunk"][0]["room_id"] == s.room);
    const auto end = page.body_json["end"].get<std::string>();
    const auto older =
        c.get(room_path(s.room) + "/messages?dir=b&limit=1&from=" + url_encode(end), s.token);
    REQUIRE(older.body_json["chunk"].size() == 1);
    CHECK(older.body_json["chunk"][0]["event_id"] == ids[0]);

    const auto forward =
        c.get(room_path(s.room) + "/messages?dir=f&limit=10&from=" + url_encode(end), s.token);
    REQUIRE(forward.body_json["chunk"].size() >= 4);
    CHECK(forward.body_json["chunk"][0]["event_id"] == ids[1]);
    CHECK_FALSE(forward.body_json.contains("end"));
}

TEST_CASE("fake matrix: 429 with Retry-After only, retry_after_ms only, then 5xx") {
    scene s;
    client c(s.fake);
    s.fake.rate_limit_next(v3 + "/rooms/", 1, 2000ms, scribe::fakes::retry_after_style::header);
    s.fake.rate_limit_next(v3 + "/rooms/", 1, 1500ms, scribe::fakes::retry_after_style::body);
    s.fake.http_error_next(v3 + "/rooms/", 1, 502);
    const auto path = send_path(s.room, "m.room.message", "t429");

    const auto header_only = c.call("PUT", path, s.token, text_body("x"));
    CHECK(header_only.status == 429);
    CHECK(header_only.retry_after == "2");
    CHECK(header_only.body_json["errcode"] == "M_LIMIT_EXCEEDED");
    CHECK_FALSE(header_only.body_json.contains("retry_after_ms"));

    const auto body_only = c.call("PUT", path, s.token, text_body("x"));
    CHECK(body_only.status == 429);
    CHECK(body_only.retry_after.empty());
    CHECK(body_only.body_json["retry_after_ms"] == 1500);

    const auto bad_gateway = c.call("PUT", path, s.token, text_body("x"));
    CHECK(bad_gateway.status == 502);

    const auto through = c.call("PUT", path, s.token, text_body("x"));
    CHECK(through.status == 200);
    CHECK(s.fake.sent_events().size() == 1);
    const auto stats = s.fake.stats();
    CHECK(stats.rate_limited == 2);
    CHECK(stats.http_errors == 1);
    const auto recorded = s.fake.requests(v3 + "/rooms/");
    REQUIRE(recorded.size() == 4);
    CHECK(recorded[0].fault == "rate_limit");
    CHECK(recorded[3].status == 200);
}

TEST_CASE("fake matrix: dropped and malformed syncs") {
    scene s;
    client c(s.fake);
    const auto since = s.current_batch(c);
    s.fake.drop_next_sync();
    const auto dropped = c.get(v3 + "/sync?timeout=5000&since=" + since, s.token);
    CHECK(dropped.status == 0);
    CHECK_FALSE(dropped.error.empty());
    s.fake.malformed_next_sync();
    const auto malformed = c.get(v3 + "/sync?timeout=0&since=" + since, s.token);
    CHECK(malformed.status == 200);
    CHECK(malformed.body_json.is_discarded());
    const auto stats = s.fake.stats();
    CHECK(stats.dropped_syncs == 1);
    CHECK(stats.malformed_syncs == 1);
}

TEST_CASE("fake matrix: upload then download") {
    scene s;
    client c(s.fake);
    const std::string bytes = "# Postmortem\n\x01\x02 binary-safe";
    const auto uploaded = c.call("POST", "/_matrix/media/v3/upload?filename=draft.md", s.token,
                                 bytes, "text/markdown");
    REQUIRE(uploaded.status == 200);
    const auto uri = uploaded.body_json["content_uri"].get<std::string>();
    const std::string prefix = "mxc://fake.matrix.test/";
    REQUIRE(uri.starts_with(prefix));
    const auto media_id = uri.substr(prefix.size());

    const auto downloaded =
        c.get("/_matrix/client/v1/media/download/fake.matrix.test/" + media_id, s.token);
    CHECK(downloaded.status == 200);
    CHECK(downloaded.body == bytes);
    CHECK(downloaded.content_type == "text/markdown");
    const auto uploads = s.fake.uploads();
    REQUIRE(uploads.size() == 1);
    CHECK(uploads[0].filename == "draft.md");
    CHECK(uploads[0].content == bytes);
    CHECK(c.get("/_matrix/client/v1/media/download/fake.matrix.test/nope", s.token).status == 404);
}

TEST_CASE("fake matrix: a certificate for the wrong host is refused") {
    fake_matrix_options options;
    options.cert_names = {"wrong.example"};
    fake_matrix fake(options);
    fake.start();
    client c(fake);
    const auto reply = c.get("/_matrix/client/versions", "");
    CHECK(reply.status == 0);
    CHECK_FALSE(reply.error.empty());
}

TEST_CASE("fake matrix: scripted edits, reactions, profiles and a kick") {
    scene s;
    client c(s.fake);
    const auto since = s.current_batch(c);
    const auto original = s.fake.send_text(s.room, s.alice, "!tl db down");
    const auto edit = s.fake.edit(s.room, s.alice, original, "!tl db is down");
    const auto reaction = s.fake.react(s.room, s.bob, original, "📌");
    CHECK_THROWS_AS(s.fake.react(s.room, s.bob, original, "📌"), std::invalid_argument);
    s.fake.set_display_name(s.alice, "Alice (IC)");

    const auto synced = c.get(v3 + "/sync?timeout=1000&since=" + since, s.token);
    const auto events = timeline_of(synced, s.room)["events"];
    REQUIRE(events.size() == 4);
    const auto& replaced = events[1]["content"];
    CHECK(events[1]["event_id"] == edit);
    CHECK(replaced["body"] == "* !tl db is down");
    CHECK(replaced["m.new_content"]["body"] == "!tl db is down");
    CHECK(replaced["m.relates_to"]["rel_type"] == "m.replace");
    CHECK(replaced["m.relates_to"]["event_id"] == original);
    CHECK(events[2]["event_id"] == reaction);
    CHECK(events[2]["content"]["m.relates_to"]["key"] == "📌");
    CHECK(events[3]["type"] == "m.room.member");
    CHECK(events[3]["content"]["displayname"] == "Alice (IC)");

    const auto profile = c.get(v3 + "/profile/" + url_encode(s.alice) + "/displayname", s.token);
    CHECK(profile.body_json["displayname"] == "Alice (IC)");

    // Being kicked moves the room to rooms.leave.
    const auto next = synced.body_json["next_batch"].get<std::string>();
    s.fake.kick(s.room, s.alice, s.fake.bot_user_id(), "bye");
    const auto kicked = c.get(v3 + "/sync?timeout=1000&since=" + next, s.token);
    const auto left = kicked.body_json["rooms"]["leave"][s.room]["timeline"]["events"];
    REQUIRE(left.size() == 1);
    CHECK(left[0]["content"]["membership"] == "leave");
    CHECK(s.fake.membership(s.room, s.fake.bot_user_id()) == "leave");
    const auto refused = c.call("PUT", send_path(s.room, "m.room.message", "late"), s.token,
                                text_body("still here?"));
    CHECK(refused.status == 403);
}

// --- end-to-end encryption
// -------------------------------------------------------------------------

namespace {

// Device keys as a client uploads them (the fake checks their shape, not their signatures).
json device_keys_of(const std::string& user_id, const std::string& device_id) {
    json keys = json::object();
    keys["user_id"] = user_id;
    keys["device_id"] = device_id;
    keys["algorithms"] = {"m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"};
    keys["keys"]["curve25519:" + device_id] = "curve-" + device_id;
    keys["keys"]["ed25519:" + device_id] = "ed-" + device_id;
    keys["signatures"][user_id]["ed25519:" + device_id] = "signature";
    return keys;
}

json signed_key(const std::string& key) {
    json out = json::object();
    out["key"] = key;
    out["signatures"]["@someone:fake.matrix.test"]["ed25519:X"] = "sig";
    return out;
}

json sync_since(client& c, const std::string& token, const std::string& since, int timeout_ms = 0) {
    const auto reply = c.get(
        v3 + "/sync?timeout=" + std::to_string(timeout_ms) + "&since=" + url_encode(since), token);
    REQUIRE(reply.status == 200);
    return reply.body_json;
}

json initial_sync(client& c, const std::string& token) {
    const auto reply = c.get(v3 + "/sync", token);
    REQUIRE(reply.status == 200);
    return reply.body_json;
}

bool lists_user(const json& list, const std::string& user) {
    return std::find(list.begin(), list.end(), json(user)) != list.end();
}

}  // namespace

TEST_CASE("fake matrix: keys upload, query and claim, with the fallback key last") {
    scene s;
    client c(s.fake);
    s.fake.add_access_token(s.alice, "alice-token", "ALICEDEV");
    s.fake.add_access_token(s.bob, "bob-token", "BOBDEV");

    json upload = json::object();
    upload["device_keys"] = device_keys_of(s.alice, "ALICEDEV");
    upload["one_time_keys"]["signed_curve25519:AAAAAQ"] = signed_key("otk1");
    upload["one_time_keys"]["signed_curve25519:AAAAAg"] = signed_key("otk2");
    upload["fallback_keys"]["signed_curve25519:AAAAAw"] = signed_key("fallback");
    upload["fallback_keys"]["signed_curve25519:AAAAAw"]["fallback"] = true;
    const auto uploaded = c.call("POST", v3 + "/keys/upload", "alice-token", upload.dump());
    REQUIRE(uploaded.status == 200);
    CHECK(uploaded.body_json["one_time_key_counts"]["signed_curve25519"] == 2);
    CHECK(s.fake.device_keys(s.alice, "ALICEDEV") == upload["device_keys"]);
    CHECK(s.fake.devices(s.alice) == std::vector<std::string>{"ALICEDEV"});

    // Keys of another device, or a known one-time key ID with other content, change nothing.
    json foreign = json::object();
    foreign["device_keys"] = device_keys_of(s.alice, "OTHERDEV");
    const auto refused = c.call("POST", v3 + "/keys/upload", "alice-token", foreign.dump());
    CHECK(refused.status == 400);
    CHECK(refused.body_json["errcode"] == "M_INVALID_PARAM");
    json clash = json::object();
    clash["one_time_keys"]["signed_curve25519:AAAAAQ"] = signed_key("not otk1");
    clash["one_time_keys"]["signed_curve25519:AAAABA"] = signed_key("otk4");
    CHECK(c.call("POST", v3 + "/keys/upload", "alice-token", clash.dump()).status == 400);
    CHECK(s.fake.one_time_key_counts(s.alice, "ALICEDEV").at("signed_curve25519") == 2);
    const auto counted = c.call("POST", v3 + "/keys/upload", "alice-token", "{}");
    CHECK(counted.body_json["one_time_key_counts"]["signed_curve25519"] == 2);

    json query = json::object();
    query["device_keys"][s.alice] = json::array();
    query["device_keys"]["@nobody:fake.matrix.test"] = json::array();
    query["device_keys"][s.bob] = json::array();
    const auto queried = c.call("POST", v3 + "/keys/query", "bob-token", query.dump());
    REQUIRE(queried.status == 200);
    CHECK(queried.body_json["failures"].empty());
    const auto& found = queried.body_json["device_keys"];
    CHECK(found[s.alice]["ALICEDEV"]["keys"] == upload["device_keys"]["keys"]);
    CHECK(found[s.alice]["ALICEDEV"]["signatures"] == upload["device_keys"]["signatures"]);
    CHECK_FALSE(found.contains("@nobody:fake.matrix.test"));
    CHECK(found[s.bob].empty());  // known, but no keys uploaded
    query["device_keys"] = json::object();
    query["device_keys"][s.alice] = {"OTHERDEV"};
    const auto narrowed = c.call("POST", v3 + "/keys/query", "bob-token", query.dump());
    CHECK(narrowed.body_json["device_keys"][s.alice].empty());

    const auto before = initial_sync(c, "alice-token");
    CHECK(before["device_one_time_keys_count"]["signed_curve25519"] == 2);
    CHECK(before["device_unused_fallback_key_types"] == json::array({"signed_curve25519"}));

    // Two one-time keys, then the fallback key (again and again), marked used.
    json claim = json::object();
    claim["one_time_keys"][s.alice]["ALICEDEV"] = "signed_curve25519";
    claim["one_time_keys"][s.alice]["NODEVICE"] = "signed_curve25519";
    std::set<std::string> claimed_ids;
    for (int i = 0; i < 4; ++i) {
        const auto claimed = c.call("POST", v3 + "/keys/claim", "bob-token", claim.dump());
        REQUIRE(claimed.status == 200);
        CHECK(claimed.body_json["failures"].empty());
        const auto keys = claimed.body_json["one_time_keys"][s.alice];
        CHECK_FALSE(keys.contains("NODEVICE"));
        REQUIRE(keys["ALICEDEV"].size() == 1);
        const auto first = keys["ALICEDEV"].begin();  // items() is a temporary: no view into it
        const std::string id = first.key();
        const auto key = first.value();
        claimed_ids.insert(id);
        if (i >= 2) {
            CHECK(id == "signed_curve25519:AAAAAw");
            CHECK(key["fallback"] == true);
        }
    }
    CHECK(claimed_ids.size() == 3);
    CHECK(s.fake.one_time_key_counts(s.alice, "ALICEDEV").at("signed_curve25519") == 0);
    CHECK(s.fake.fallback_key_used(s.alice, "ALICEDEV").at("signed_curve25519"));
    const auto after = sync_since(c, "alice-token", before["next_batch"].get<std::string>());
    CHECK(after["device_one_time_keys_count"]["signed_curve25519"] == 0);
    CHECK(after["device_unused_fallback_key_types"].empty());

    // A new fallback key is unused again.
    json fresh = json::object();
    fresh["fallback_keys"]["signed_curve25519:AAAABQ"] = signed_key("fallback 2");
    CHECK(c.call("POST", v3 + "/keys/upload", "alice-token", fresh.dump()).status == 200);
    CHECK_FALSE(s.fake.fallback_key_used(s.alice, "ALICEDEV").at("signed_curve25519"));

    // Logging out deletes the device and its keys.
    CHECK(c.call("POST", v3 + "/logout", "alice-token", "{}").status == 200);
    CHECK_FALSE(s.fake.device_keys(s.alice, "ALICEDEV"));
    query["device_keys"][s.alice] = json::array();
    const auto gone = c.call("POST", v3 + "/keys/query", "bob-token", query.dump());
    CHECK(gone.body_json["device_keys"][s.alice].empty());
}

TEST_CASE("fake matrix: to-device messages reach one device or all, once, until acknowledged") {
    scene s;
    client c(s.fake);
    s.fake.add_access_token(s.alice, "alice-1", "ALICE1");
    s.fake.add_access_token(s.alice, "alice-2", "ALICE2");
    s.fake.add_access_token(s.bob, "bob-token", "BOBDEV");
    const auto since_1 = initial_sync(c, "alice-1")["next_batch"].get<std::string>();
    const auto since_2 = initial_sync(c, "alice-2")["next_batch"].get<std::string>();

    // A waiting long-poll wakes for it.
    auto poll = c.start("GET", v3 + "/sync?timeout=5000&since=" + url_encode(since_1), "alice-1");
    REQUIRE(s.fake.wait_for([&] { return s.fake.stats().pending_syncs == 1; }, 3s));
    json body = json::object();
    body["messages"][s.alice]["*"] = {{"ciphertext", "for every device"}};
    const auto path = v3 + "/sendToDevice/m.room.encrypted/txn-1";
    REQUIRE(c.call("PUT", path, "bob-token", body.dump()).status == 200);
    CHECK(c.call("PUT", path, "bob-token", body.dump()).status == 200);  // a retransmission
    REQUIRE(poll.wait_for(3s) == std::future_status::ready);
    const auto woke = poll.get();
    REQUIRE(woke.status == 200);
    const auto events = woke.body_json["to_device"]["events"];
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "m.room.encrypted");
    CHECK(events[0]["sender"] == s.bob);
    CHECK(events[0]["content"]["ciphertext"] == "for every device");
    CHECK(s.fake.stats().txn_replays == 1);

    // Not acknowledged yet: the same since serves it again; the next one does not.
    CHECK(sync_since(c, "alice-1", since_1)["to_device"]["events"].size() == 1);
    const auto next = woke.body_json["next_batch"].get<std::string>();
    CHECK(sync_since(c, "alice-1", next)["to_device"]["events"].empty());
    CHECK(sync_since(c, "alice-1", since_1)["to_device"]["events"].empty());
    CHECK(sync_since(c, "alice-2", since_2)["to_device"]["events"].size() == 1);

    // One device by ID; unknown users and devices are skipped.
    json one = json::object();
    one["messages"][s.alice]["ALICE2"] = {{"only", "two"}};
    one["messages"][s.alice]["NODEVICE"] = {{"only", "nobody"}};
    one["messages"]["@nobody:fake.matrix.test"]["*"] = json::object();
    REQUIRE(c.call("PUT", v3 + "/sendToDevice/m.room_key_request/txn-2", "bob-token", one.dump())
                .status == 200);
    CHECK(sync_since(c, "alice-1", next)["to_device"]["events"].empty());
    const auto second = sync_since(c, "alice-2", since_2)["to_device"]["events"];
    REQUIRE(second.size() == 2);
    CHECK(second[1]["content"]["only"] == "two");
    const auto log = s.fake.to_device_messages(s.alice);
    REQUIRE(log.size() == 3);
    CHECK(log[0].recipient_device == "ALICE1");
    CHECK(log[0].sender_device == "BOBDEV");
    CHECK(log[0].txn_id == "txn-1");
    CHECK(log[2].type == "m.room_key_request");

    // A held message stays away until released.
    s.fake.hold_to_device(s.alice, "m.room.encrypted", 1);
    json key = json::object();
    key["messages"][s.alice]["ALICE1"] = {{"ciphertext", "a room key"}};
    REQUIRE(c.call("PUT", v3 + "/sendToDevice/m.room.encrypted/txn-3", "bob-token", key.dump())
                .status == 200);
    CHECK(sync_since(c, "alice-1", next)["to_device"]["events"].empty());
    CHECK(s.fake.to_device_messages(s.alice).back().held);
    CHECK(s.fake.release_held_to_device() == 1);
    CHECK_FALSE(s.fake.to_device_messages(s.alice).back().held);
    const auto released = sync_since(c, "alice-1", next)["to_device"]["events"];
    REQUIRE(released.size() == 1);
    CHECK(released[0]["content"]["ciphertext"] == "a room key");

    json bad = json::object();
    bad["messages"] = "nope";
    const auto refused =
        c.call("PUT", v3 + "/sendToDevice/m.room.encrypted/txn-4", "bob-token", bad.dump());
    CHECK(refused.status == 400);
    CHECK(refused.body_json["errcode"] == "M_BAD_JSON");
}

TEST_CASE("fake matrix: device lists name key changes and who shares an encrypted room") {
    scene s;
    client c(s.fake);
    const auto carol = s.fake.add_user({"carol", "Carol", "carol-pw"});
    const auto dave = s.fake.add_user({"dave", "Dave", "dave-pw"});
    s.fake.add_access_token(s.alice, "alice-token", "ALICEDEV");
    s.fake.add_access_token(dave, "dave-token", "DAVEDEV");
    const auto since = s.current_batch(c);

    // Alice shares a room with the bot: her new keys are news to it, Dave's are not.
    auto poll = c.start("GET", v3 + "/sync?timeout=5000&since=" + url_encode(since), s.token);
    REQUIRE(s.fake.wait_for([&] { return s.fake.stats().pending_syncs == 1; }, 3s));
    json upload = json::object();
    upload["device_keys"] = device_keys_of(s.alice, "ALICEDEV");
    REQUIRE(c.call("POST", v3 + "/keys/upload", "alice-token", upload.dump()).status == 200);
    upload["device_keys"] = device_keys_of(dave, "DAVEDEV");
    REQUIRE(c.call("POST", v3 + "/keys/upload", "dave-token", upload.dump()).status == 200);
    REQUIRE(poll.wait_for(3s) == std::future_status::ready);
    const auto woke = poll.get();
    REQUIRE(woke.status == 200);
    const auto lists = woke.body_json["device_lists"];
    CHECK(lists_user(lists["changed"], s.alice));
    CHECK_FALSE(lists_user(lists["changed"], dave));
    CHECK(lists["left"].empty());

    // Carol newly shares an encrypted room with the bot, then shares none.
    const auto next = woke.body_json["next_batch"].get<std::string>();
    matrix_room_spec spec;
    spec.members = {s.fake.bot_user_id(), carol};
    spec.encrypted = true;
    const auto secret = s.fake.create_room(spec);
    const auto joined = sync_since(c, s.token, next);
    CHECK(lists_user(joined["device_lists"]["changed"], carol));
    CHECK_FALSE(lists_user(joined["device_lists"]["changed"], s.alice));
    bool encrypted = false;
    for (const char* section : {"state", "timeline"}) {
        for (const auto& event : joined["rooms"]["join"][secret][section]["events"]) {
            encrypted = encrypted || (event["type"] == "m.room.encryption" &&
                                      event["content"]["algorithm"] == "m.megolm.v1.aes-sha2");
        }
    }
    CHECK(encrypted);
    s.fake.leave(secret, carol);
    const auto left = sync_since(c, s.token, joined["next_batch"].get<std::string>());
    CHECK(lists_user(left["device_lists"]["left"], carol));
    CHECK_FALSE(lists_user(left["device_lists"]["changed"], carol));
}

TEST_CASE("fake matrix: encrypted rooms from createRoom, state PUT, members and account data") {
    scene s;
    client c(s.fake);
    json create = json::object();
    create["preset"] = "private_chat";
    create["invite"] = {s.alice};
    create["initial_state"] = json::array({{{"type", "m.room.encryption"},
                                            {"state_key", ""},
                                            {"content", {{"algorithm", "m.megolm.v1.aes-sha2"}}}}});
    const auto created = c.call("POST", v3 + "/createRoom", s.token, create.dump());
    REQUIRE(created.status == 200);
    const auto room = created.body_json["room_id"].get<std::string>();
    const auto encryption = c.get(room_path(room) + "/state/m.room.encryption/", s.token);
    CHECK(encryption.status == 200);
    CHECK(encryption.body_json["algorithm"] == "m.megolm.v1.aes-sha2");

    // A state PUT; the same state again makes no new event.
    const auto topic_path = room_path(room) + "/state/m.room.topic/";
    const auto topic = c.call("PUT", topic_path, s.token, R"({"topic":"db outage"})");
    REQUIRE(topic.status == 200);
    const auto again = c.call("PUT", topic_path, s.token, R"({"topic":"db outage"})");
    CHECK(again.body_json["event_id"] == topic.body_json["event_id"]);
    CHECK(s.fake.sent_events(room).size() == 1);
    CHECK(s.fake.sent_events(room)[0].endpoint == "state");
    CHECK(c.call("PUT", room_path(room) + "/state/m.room.member/" + url_encode(s.bob), s.token,
                 R"({"membership":"join"})")
              .status == 400);

    const auto members = c.get(room_path(room) + "/members", s.token);
    REQUIRE(members.status == 200);
    CHECK(members.body_json["chunk"].size() == 2);
    const auto invited = c.get(room_path(room) + "/members?membership=invite", s.token);
    REQUIRE(invited.body_json["chunk"].size() == 1);
    CHECK(invited.body_json["chunk"][0]["state_key"] == s.alice);
    CHECK(invited.body_json["chunk"][0]["room_id"] == room);

    // Account data: stored, served, and in the next sync.
    const auto since = s.current_batch(c);
    const auto data_path =
        v3 + "/user/" + url_encode(s.fake.bot_user_id()) + "/account_data/m.secret_storage";
    CHECK(c.get(data_path, s.token).status == 404);
    CHECK(c.call("PUT", data_path, s.token, R"({"key":"value"})").status == 200);
    CHECK(c.get(data_path, s.token).body_json["key"] == "value");
    const auto synced = sync_since(c, s.token, since);
    REQUIRE(synced["account_data"]["events"].size() == 1);
    CHECK(synced["account_data"]["events"][0]["type"] == "m.secret_storage");
    CHECK(c.get(v3 + "/user/" + url_encode(s.alice) + "/account_data/x", s.token).status == 403);

    // What clients ask at startup.
    const auto backup = c.get(v3 + "/room_keys/version", s.token);
    CHECK(backup.status == 404);
    CHECK(backup.body_json["errcode"] == "M_NOT_FOUND");
    CHECK(c.get(v3 + "/pushrules/", s.token).body_json["global"]["override"].is_array());
    const auto capabilities = c.get(v3 + "/capabilities", s.token);
    CHECK(capabilities.body_json["capabilities"]["m.room_versions"]["default"] == "10");
}
