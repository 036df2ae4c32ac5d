// Slack's Web API answers classified by meaning (protocols.md §2).
#include "adapters/slack/answers.hpp"

#include <algorithm>
#include <array>

#include "adapters/json_input.hpp"
#include "adapters/retry_after.hpp"

namespace scribe::adapters::slack {
namespace {

// The token is wrong, revoked or of the wrong kind: retrying cannot help.
constexpr std::array<std::string_view, 8> refused_credential = {
    "not_authed",   "invalid_auth",           "account_inactive", "token_revoked",
    "token_expired", "user_removed_from_team", "team_disabled",    "not_allowed_token_type"};

// Slack's own trouble, documented as worth another try.
constexpr std::array<std::string_view, 4> passing = {"internal_error", "fatal_error",
                                                     "request_timeout", "service_unavailable"};

template <std::size_t N>
bool among(const std::array<std::string_view, N>& codes, std::string_view code) {
    return std::find(codes.begin(), codes.end(), code) != codes.end();
}

}  // namespace

api_verdict classify(const api_answer& answer, std::chrono::system_clock::time_point now) {
    using kind = api_verdict::kind;
    const std::string status = "HTTP " + std::to_string(answer.status);
    if (answer.status == 429) {
        const auto asked = answer.retry_after ? parse_retry_after(*answer.retry_after, now)
                                              : std::nullopt;
        // Slack always sends it; without one, a short pause rather than a tight loop.
        return {kind::rate_limited, "ratelimited", {},
                std::max(asked.value_or(std::chrono::seconds{1}),
                         std::chrono::milliseconds{std::chrono::seconds{1}})};
    }
    if (answer.status >= 500) return {kind::transient, status, {}, {}};
    // Answers are small; a huge or deep one is no Web API answer.
    const auto parsed = json_input::read_json(answer.body, 16 * 1024 * 1024, 64,
                                              json_input::too_deep::fail);
    const auto& body = parsed.value;
    const bool ok = parsed.error.empty() && body.is_object() && json_input::flag_at(body, "ok");
    if (ok && answer.status >= 200 && answer.status < 300) return {kind::success, {}, {}, {}};
    std::string code = body.is_object() ? json_input::text_at(body, "error") : std::string();
    if (code.empty()) code = answer.status == 200 ? "malformed response" : status;
    if (among(refused_credential, code)) return {kind::credential_refused, code, {}, {}};
    if (among(passing, code)) return {kind::transient, code, {}, {}};
    return {kind::refused, code, {}, {}};
}

}  // namespace scribe::adapters::slack
