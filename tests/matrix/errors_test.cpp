// Error bodies and rate limits, transaction ids, and the invite allow-list.
#include "adapters/matrix/errors.hpp"

#include <doctest/doctest.h>

#include "adapters/matrix/invites.hpp"
#include "adapters/matrix/txn.hpp"

using namespace scribe::adapters::matrix;
using namespace std::chrono_literals;

namespace {

// Wed, 21 Oct 2015 07:28:00 GMT
const std::chrono::system_clock::time_point oct_21 =
    std::chrono::sys_days{std::chrono::year{2015} / 10 / 21} + 7h + 28min;

}  // namespace

TEST_CASE("the standard error body") {
    const auto e = parse_error(
        403, R"({"errcode":"M_FORBIDDEN","error":"You are not invited to this room."})");
    CHECK(e.status == 403);
    CHECK(e.errcode == "M_FORBIDDEN");
    CHECK(e.error == "You are not invited to this room.");
    CHECK_FALSE(e.retry_after_ms);
    CHECK(classify(e) == error_kind::forbidden);

    const auto soft = parse_error(
        401, R"({"errcode":"M_UNKNOWN_TOKEN","error":"Invalid token","soft_logout":true})");
    CHECK(soft.soft_logout);
    CHECK(classify(soft) == error_kind::unauthorized);
    CHECK(classify(parse_error(401, R"({"errcode":"M_MISSING_TOKEN","error":"Missing"})")) ==
          error_kind::unauthorized);
    CHECK(classify(parse_error(404, R"({"errcode":"M_NOT_FOUND","error":"x"})")) ==
          error_kind::not_found);
    CHECK(classify(parse_error(400, R"({"errcode":"M_DUPLICATE_ANNOTATION","error":"x"})")) ==
          error_kind::rejected);
    CHECK(classify(parse_error(404, R"({"errcode":"M_UNRECOGNIZED","error":"x"})")) ==
          error_kind::rejected);
}

TEST_CASE("classification falls back to the status for M_UNKNOWN and missing errcodes") {
    CHECK(classify(parse_error(502, "<html>Bad Gateway</html>")) == error_kind::transient);
    CHECK(classify(parse_error(500, R"({"errcode":"M_UNKNOWN","error":"Internal"})")) ==
          error_kind::transient);
    CHECK(classify(parse_error(0, "")) == error_kind::transient);
    CHECK(classify(parse_error(429, "")) == error_kind::rate_limited);
    CHECK(classify(parse_error(429, R"({"errcode":"M_UNKNOWN","error":"slow"})")) ==
          error_kind::rate_limited);
    CHECK(classify(parse_error(400, R"({"errcode":"M_UNKNOWN","error":"Bad login type."})")) ==
          error_kind::rejected);
    CHECK(classify(parse_error(401, "")) == error_kind::unauthorized);
    CHECK(to_string(error_kind::rate_limited) == "rate_limited");
}

TEST_CASE("rate limits: Retry-After preferred, then retry_after_ms, then the fallback") {
    const auto e = parse_error(
        429, R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2000})");
    CHECK(classify(e) == error_kind::rate_limited);
    REQUIRE(e.retry_after_ms);
    CHECK(*e.retry_after_ms == 2000ms);
    CHECK(rate_limit_wait(e, "3", oct_21) == 3000ms);
    CHECK(rate_limit_wait(e, std::nullopt, oct_21) == 2000ms);
    CHECK(rate_limit_wait(e, "soon", oct_21) == 2000ms);

    const auto header_only = parse_error(429, R"({"errcode":"M_LIMIT_EXCEEDED","error":"x"})");
    CHECK(rate_limit_wait(header_only, " 7 ", oct_21) == 7000ms);
    CHECK(rate_limit_wait(header_only, std::nullopt, oct_21) == 5000ms);
    CHECK(rate_limit_wait(header_only, "86400", oct_21) == 5min);
    CHECK(rate_limit_wait(parse_error(429, R"({"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":-5})"),
                          std::nullopt, oct_21, 1s) == 1s);
}

TEST_CASE("every wait a server asks for is bounded, however it is written") {
    using scribe::adapters::max_server_wait;
    CHECK(scribe::adapters::parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", oct_21) ==
          max_server_wait);
    CHECK(scribe::adapters::parse_retry_after("99999999999999999999999", oct_21) ==
          max_server_wait);
    CHECK(rate_limit_wait(parse_error(429, R"({"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":9223372036854775807})"),
                          std::nullopt, oct_21) == max_server_wait);
}

TEST_CASE("Retry-After as an HTTP date") {
    using scribe::adapters::parse_retry_after;
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", oct_21) == 30s);
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", oct_21) == 0ms);
    CHECK(parse_retry_after("Wed, 31 Feb 2015 07:28:30 GMT", oct_21) == std::nullopt);
    CHECK(parse_retry_after("Wed, 21 Foo 2015 07:28:30 GMT", oct_21) == std::nullopt);
    CHECK(parse_retry_after("-1", oct_21) == std::nullopt);
    CHECK(parse_retry_after("", oct_21) == std::nullopt);
}

TEST_CASE("txn ids are deterministic, distinct per origin and part, and path-safe") {
    CHECK(txn_id("$143273582443PhrSn:example.org", 0) ==
          "scribe-_24143273582443PhrSn_3Aexample_2Eorg-0");
    CHECK(txn_id("$abc", 1) == txn_id("$abc", 1));
    CHECK(txn_id("$abc", 0) != txn_id("$abc", 1));
    // The escape is injective: '_' itself is escaped, so these differ.
    CHECK(txn_id("a_24", 0) != txn_id("a$", 0));
    CHECK(txn_id("a-1", 0) != txn_id("a", 10));
    CHECK(txn_id("$x/+=", 2)
              .find_first_not_of(
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
          std::string::npos);
}

TEST_CASE("invite policy: users exactly, servers by host case-insensitively") {
    const invite_policy policy({"@alice:example.org", "Ops.Example.com", "hs.example.net:8448"});
    CHECK(policy.decide("@alice:example.org") == invite_decision::join);
    CHECK(policy.allows("@alice:EXAMPLE.org"));
    CHECK_FALSE(policy.allows("@Alice:example.org"));
    CHECK_FALSE(policy.allows("@bob:example.org"));
    CHECK(policy.allows("@bob:ops.example.com"));
    CHECK_FALSE(policy.allows("@bob:evil.ops.example.com"));
    CHECK_FALSE(policy.allows("@bob:ops.example.com.evil.org"));
    CHECK_FALSE(policy.allows("@bob:ops.example.com:8448"));
    CHECK(policy.allows("@carol:HS.example.net:8448"));
    CHECK_FALSE(policy.allows("@carol:hs.example.net"));
    CHECK(policy.decide("") == invite_decision::decline);
    CHECK_FALSE(policy.allows("alice:example.org"));
    CHECK(invite_policy{}.decide("@alice:example.org") == invite_decision::decline);
    CHECK(invite_policy({"[::1]:8448"}).allows("@a:[::1]:8448"));
    CHECK_FALSE(invite_policy({"[::1]"}).allows("@a:[::1]:8448"));
    CHECK(same_server("Example.org", "example.ORG"));
    CHECK_FALSE(same_server("", ""));
}

TEST_CASE("homeserver answers as verdicts for the retrying caller") {
    using scribe::adapters::api_verdict;
    const auto verdict = [](unsigned status, std::string_view body,
                            std::optional<std::string_view> retry_after = std::nullopt) {
        return classify(scribe::adapters::api_answer{status, body, retry_after}, oct_21);
    };
    CHECK(verdict(200, "{}").what == api_verdict::kind::success);
    const auto token = verdict(401, R"({"errcode":"M_UNKNOWN_TOKEN","error":"Invalid token"})");
    CHECK(token.what == api_verdict::kind::credential_refused);
    CHECK(token.code == "M_UNKNOWN_TOKEN");
    CHECK(token.message == "HTTP 401: Invalid token");
    const auto limited = verdict(429, R"({"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":1500})");
    CHECK(limited.what == api_verdict::kind::rate_limited);
    CHECK(limited.wait == 1500ms);
    CHECK(verdict(429, "{}", "4").wait == 4s);
    CHECK(verdict(502, "<html/>").what == api_verdict::kind::transient);
    CHECK(verdict(502, "<html/>").code == "HTTP 502");
    CHECK(verdict(403, R"({"errcode":"M_FORBIDDEN"})").what == api_verdict::kind::refused);
    CHECK(verdict(400, R"({"errcode":"M_BAD_JSON"})").code == "M_BAD_JSON");
}
