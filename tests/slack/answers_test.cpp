// Slack's Web API answers as verdicts: what the one retrying caller does with each.
#include "adapters/slack/answers.hpp"

#include <doctest/doctest.h>

#include "adapters/retry_after.hpp"

using namespace scribe::adapters;
using kind = api_verdict::kind;

namespace {
const auto now = std::chrono::system_clock::now();

api_verdict of(unsigned status, std::string_view body,
               std::optional<std::string_view> retry_after = std::nullopt) {
    return slack::classify({status, body, retry_after}, now);
}
}  // namespace

TEST_CASE("ok:true is a success, whatever else the answer holds") {
    CHECK(of(200, R"({"ok":true,"ts":"1.2"})").what == kind::success);
    CHECK(of(200, R"({"ts":"1.2","ok":true})").what == kind::success);
}

TEST_CASE("a refused token is not retried, Slack's own trouble is") {
    for (const char* code : {"invalid_auth", "not_authed", "token_revoked", "account_inactive"}) {
        const auto v = of(200, std::string(R"({"ok":false,"error":")") + code + "\"}");
        CHECK(v.what == kind::credential_refused);
        CHECK(v.code == code);
    }
    CHECK(of(200, R"({"ok":false,"error":"internal_error"})").what == kind::transient);
    CHECK(of(200, R"({"ok":false,"error":"service_unavailable"})").what == kind::transient);
    CHECK(of(503, "<html>bad gateway</html>").what == kind::transient);
    CHECK(of(503, "").code == "HTTP 503");
}

TEST_CASE("other errors are refusals for good, named by their code") {
    auto v = of(200, R"({"ok":false,"error":"channel_not_found"})");
    CHECK(v.what == kind::refused);
    CHECK(v.code == "channel_not_found");
    CHECK(of(200, "not json").code == "malformed response");
    CHECK(of(404, "").code == "HTTP 404");
    CHECK(of(200, std::string(100, '[')).what == kind::refused);
}

TEST_CASE("429 waits what Retry-After asks, at least a second, at most the bound") {
    auto v = of(429, "", "7");
    CHECK(v.what == kind::rate_limited);
    CHECK(v.wait == std::chrono::seconds(7));
    CHECK(of(429, "").wait == std::chrono::seconds(1));
    CHECK(of(429, "", "0").wait == std::chrono::seconds(1));
    CHECK(of(429, "", "999999999").wait == max_server_wait);
    CHECK(of(429, "", "Fri, 31 Dec 9999 23:59:59 GMT").wait == max_server_wait);
}
