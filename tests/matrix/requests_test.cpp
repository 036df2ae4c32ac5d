// Request builders: paths percent-encoded, queries, bodies; reply content and HTML escaping.
#include "adapters/matrix/requests.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "adapters/matrix/uri.hpp"
#include "bot/model/text.hpp"

using namespace scribe::adapters::matrix;
using nlohmann::json;

TEST_CASE("percent-encoding keeps only unreserved bytes") {
    CHECK(percent_encode("!room:example.org") == "%21room%3Aexample.org");
    CHECK(percent_encode("$abc/def+g=") == "%24abc%2Fdef%2Bg%3D");
    CHECK(percent_encode("a-b.c_d~e") == "a-b.c_d~e");
    CHECK(percent_encode("é ") == "%C3%A9%20");
    CHECK(permalink("!room:example.org", "$ev:example.org") ==
          "https://matrix.to/#/%21room%3Aexample.org/%24ev%3Aexample.org");
}

TEST_CASE("discovery, login and whoami") {
    const auto v = versions();
    CHECK(v.method == http_method::get);
    CHECK(v.target() == "/_matrix/client/versions");
    CHECK(parse_versions(R"({"versions":["r0.0.1","v1.1",7],"unstable_features":{"x":true}})") ==
          std::vector<std::string>{"r0.0.1", "v1.1"});
    CHECK(parse_versions("nope").empty());

    const auto login = login_password("cheeky_monkey", "ilovebananas", "Jungle Phone");
    CHECK(login.method == http_method::post);
    CHECK(login.path == "/_matrix/client/v3/login");
    CHECK(login.content_type == "application/json");
    CHECK(
        json::parse(login.body) ==
        json::parse(
            R"({"type":"m.login.password","identifier":{"type":"m.id.user","user":"cheeky_monkey"},"password":"ilovebananas","initial_device_display_name":"Jungle Phone"})"));
    const auto answer = parse_login(
        R"({"user_id":"@cheeky_monkey:matrix.org","access_token":"abc123","device_id":"GHTYAJCE","well_known":{"m.homeserver":{"base_url":"https://example.org"}}})");
    REQUIRE(answer);
    CHECK(answer->user_id == "@cheeky_monkey:matrix.org");
    CHECK(answer->access_token == "abc123");
    CHECK(answer->device_id == "GHTYAJCE");
    CHECK_FALSE(parse_login(R"({"errcode":"M_FORBIDDEN"})"));

    const auto same_device = login_password("joe", "pw", "", "SCRIBEBOT");
    CHECK(json::parse(same_device.body).at("device_id") == "SCRIBEBOT");
    CHECK_FALSE(json::parse(same_device.body).contains("initial_device_display_name"));

    CHECK(whoami().target() == "/_matrix/client/v3/account/whoami");
    CHECK(display_name("@joe:example.org").target() ==
          "/_matrix/client/v3/profile/%40joe%3Aexample.org/displayname");
    const auto me = parse_login(R"({"user_id":"@joe:example.org","device_id":"ABC1234"})");
    REQUIRE(me);
    CHECK(me->access_token.empty());
}

TEST_CASE("the sync filter asks for our event types and lazy-loaded members") {
    const auto r = upload_filter("@scribe:example.org", 20);
    CHECK(r.method == http_method::post);
    CHECK(r.path == "/_matrix/client/v3/user/%40scribe%3Aexample.org/filter");
    const auto filter = json::parse(r.body);
    CHECK(filter["room"]["timeline"]["limit"] == 20);
    CHECK(filter["room"]["timeline"]["types"] ==
          json::parse(R"(["m.room.message","m.reaction","m.room.redaction","m.room.member",)"
                      R"("m.room.encrypted","m.room.encryption"])"));
    CHECK(filter["room"]["state"]["lazy_load_members"] == true);
    CHECK(filter["presence"]["types"].empty());
    CHECK(response_field(R"({"filter_id":"66696p746572"})", "filter_id") == "66696p746572");
    CHECK(response_field(R"({"filter_id":5})", "filter_id") == std::nullopt);
    CHECK(response_field("", "filter_id") == std::nullopt);
}

TEST_CASE("sync: since, timeout and filter in the query") {
    CHECK(sync("", "66696p746572").target() ==
          "/_matrix/client/v3/sync?timeout=30000&filter=66696p746572");
    CHECK(sync("s72595_4483_1934", "f1", std::chrono::seconds{5}).query ==
          "since=s72595_4483_1934&timeout=5000&filter=f1");
    // An inline filter is percent-encoded; its first character stays '{'.
    CHECK(sync("", R"({"room":{}})").query == "timeout=30000&filter=%7B%22room%22%3A%7B%7D%7D");
}

TEST_CASE("room writes: join, leave, send, redact, get event") {
    const auto j = join("#ops:example.org", {"example.org", "other.org"});
    CHECK(j.method == http_method::post);
    CHECK(j.target() ==
          "/_matrix/client/v3/join/%23ops%3Aexample.org?via=example.org&via=other.org");
    CHECK(j.body == "{}");
    CHECK(response_field(R"({"room_id":"!d41d8cd:matrix.org"})", "room_id") ==
          "!d41d8cd:matrix.org");

    const auto l = leave("!room:example.org");
    CHECK(l.path == "/_matrix/client/v3/rooms/%21room%3Aexample.org/leave");
    CHECK(l.body == "{}");

    const auto s = send("!room:example.org", "m.room.message", "scribe-_24ev-0",
                        R"({"msgtype":"m.notice","body":"hi"})");
    CHECK(s.method == http_method::put);
    CHECK(s.path ==
          "/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/scribe-_24ev-0");
    CHECK(s.body == R"({"msgtype":"m.notice","body":"hi"})");
    CHECK(response_field(R"({"event_id":"$YUwRidLecu:example.com"})", "event_id") ==
          "$YUwRidLecu:example.com");

    const auto r = redact("!room:example.org", "$ev/1:example.org", "t1", "Indecent material");
    CHECK(r.method == http_method::put);
    CHECK(r.path ==
          "/_matrix/client/v3/rooms/%21room%3Aexample.org/redact/%24ev%2F1%3Aexample.org/t1");
    CHECK(json::parse(r.body) == json::parse(R"({"reason":"Indecent material"})"));
    CHECK(redact("!r:hs", "$e", "t").body == "{}");

    CHECK(get_event("!r:hs", "$e").target() == "/_matrix/client/v3/rooms/%21r%3Ahs/event/%24e");
    CHECK(json::parse(annotation_content("$e", "\xF0\x9F\x93\x9D")) ==
          json::parse(R"({"m.relates_to":{"rel_type":"m.annotation","event_id":"$e","key":"\ud83d\udcdd"}})"));
    const auto replacement = json::parse(replacement_content("$notice", "#5 now reads \"x\""));
    CHECK(replacement.at("body") == "* #5 now reads \"x\"");
    CHECK(replacement.at("m.new_content").at("body") == "#5 now reads \"x\"");
    CHECK(replacement.at("m.new_content").at("msgtype") == "m.notice");
    CHECK(replacement.at("m.relates_to") ==
          json::parse(R"({"rel_type":"m.replace","event_id":"$notice"})"));
    CHECK(to_string(http_method::put) == "PUT");
}

TEST_CASE("media upload: raw bytes, their type, the file name in the query") {
    const auto u = upload("postmortem draft.md", "text/markdown", "# Draft\n");
    CHECK(u.method == http_method::post);
    CHECK(u.target() == "/_matrix/media/v3/upload?filename=postmortem%20draft.md");
    CHECK(u.content_type == "text/markdown");
    CHECK(u.body == "# Draft\n");
    CHECK(response_field(R"({"content_uri":"mxc://example.com/AQwafuaFswefuhsfAFAgsw"})",
                         "content_uri") == "mxc://example.com/AQwafuaFswefuhsfAFAgsw");
}

TEST_CASE("HTML escaping of user text") {
    CHECK(scribe::model::escape_entities(R"(<script>alert("x & 'y'")</script>)") ==
          "&lt;script&gt;alert(&quot;x &amp; &#39;y&#39;&quot;)&lt;/script&gt;");
    CHECK(scribe::model::escape_entities("plain") == "plain");
}

TEST_CASE("a notice replying to the command, escaped, in its thread, pinging no one") {
    const auto content = json::parse(notice_content("Recorded #3: <b>db</b> & co\n@room", "$cmd"));
    CHECK(content["msgtype"] == "m.notice");
    CHECK(content["body"] == "Recorded #3: <b>db</b> & co\n@room");
    CHECK(content["format"] == "org.matrix.custom.html");
    CHECK(content["formatted_body"] == "Recorded #3: &lt;b&gt;db&lt;/b&gt; &amp; co<br>@room");
    CHECK(content["m.relates_to"] == json::parse(R"({"m.in_reply_to":{"event_id":"$cmd"}})"));
    CHECK(content["m.mentions"] == json::object());

    const auto threaded = json::parse(notice_content("ok", "$cmd", "$root"));
    CHECK(
        threaded["m.relates_to"] ==
        json::parse(
            R"({"rel_type":"m.thread","event_id":"$root","is_falling_back":false,"m.in_reply_to":{"event_id":"$cmd"}})"));
    CHECK_FALSE(json::parse(notice_content("ok", "")).contains("m.relates_to"));
}

TEST_CASE("an m.file for an uploaded document") {
    const auto content = json::parse(
        file_content("mxc://example.com/abc", "draft.md", "text/markdown", 1234, "$cmd"));
    CHECK(content["msgtype"] == "m.file");
    CHECK(content["body"] == "draft.md");
    CHECK(content["filename"] == "draft.md");
    CHECK(content["url"] == "mxc://example.com/abc");
    CHECK(content["info"] == json::parse(R"({"mimetype":"text/markdown","size":1234})"));
    CHECK(content["m.relates_to"]["m.in_reply_to"]["event_id"] == "$cmd");
}

TEST_CASE("the members a room key goes to: joined and invited, not those who left or were banned") {
    const auto r = room_members("!r:hs");
    CHECK(r.path == "/_matrix/client/v3/rooms/%21r%3Ahs/members");
    CHECK(r.query == "not_membership=leave");
    CHECK(parse_room_members(R"({"chunk":[
        {"type":"m.room.member","state_key":"@b:hs","content":{"membership":"join"}},
        {"type":"m.room.member","state_key":"@a:hs","content":{"membership":"invite"}},
        {"type":"m.room.member","state_key":"@c:hs","content":{"membership":"ban"}},
        {"type":"m.room.member","state_key":"@d:hs","content":{"membership":"leave"}},
        {"type":"m.room.member","content":{"membership":"join"}},
        "junk"]})") == std::vector<std::string>{"@a:hs", "@b:hs"});
    CHECK(parse_room_members("not json").empty());
}

TEST_CASE(
    "an incident room is private, shares history from the invitation, and is encrypted when "
    "asked") {
    const auto plain =
        json::parse(create_room("2026-12-02 Checkout", "Incident #1", {"@a:hs"}, false).body);
    CHECK(plain["preset"] == "private_chat");
    CHECK(plain["invite"] == json::array({"@a:hs"}));
    CHECK(plain["initial_state"].size() == 1);
    CHECK(plain["initial_state"][0]["content"]["history_visibility"] == "invited");
    const auto sealed = json::parse(create_room("2026-12-02 Checkout", "", {"@a:hs"}, true).body);
    CHECK_FALSE(sealed.contains("topic"));
    CHECK(sealed["initial_state"][1]["type"] == "m.room.encryption");
    CHECK(sealed["initial_state"][1]["content"]["algorithm"] == "m.megolm.v1.aes-sha2");
}
