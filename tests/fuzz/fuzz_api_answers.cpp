// libFuzzer target: bytes as an HTTP answer of a platform's API (a status, a Retry-After header,
// a body) go through both platforms' classifiers and the Retry-After reader. Nothing may crash,
// and a wait the server asks for is never negative and never longer than max_server_wait.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "adapters/matrix/errors.hpp"
#include "adapters/retry_after.hpp"
#include "adapters/slack/answers.hpp"

namespace {

using namespace scribe::adapters;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool bounded(std::chrono::milliseconds wait) {
    return wait >= std::chrono::milliseconds{0} && wait <= max_server_wait;
}

void check_verdict(const api_verdict& verdict) {
    check(bounded(verdict.wait));
    if (verdict.what == api_verdict::kind::success) return;
    check(!verdict.code.empty());
}

}  // namespace

// Input: two bytes of status, the header up to the first newline, then the body.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    api_answer answer;
    answer.status = 100 + (static_cast<unsigned>(data[0]) << 8 | data[1]) % 500;
    auto rest = input.substr(2);
    const auto newline = rest.find('\n');
    if (newline != std::string_view::npos) {
        answer.retry_after = rest.substr(0, newline);
        rest.remove_prefix(newline + 1);
    }
    answer.body = rest;
    // A fixed day, and the far ends of the clock, where date arithmetic overflows if it can.
    for (const auto now : {std::chrono::system_clock::time_point{std::chrono::seconds{1796185600}},
                           std::chrono::system_clock::time_point{},
                           std::chrono::system_clock::time_point::max() - std::chrono::hours{24}}) {
        check_verdict(slack::classify(answer, now));
        check_verdict(matrix::classify(answer, now));
        if (answer.retry_after) {
            if (const auto wait = parse_retry_after(*answer.retry_after, now)) check(bounded(*wait));
        }
    }
    return 0;
}
