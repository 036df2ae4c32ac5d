// What an answer of Slack's Web API means: the `ok`/`error` envelope, 429 with Retry-After, and
// which error codes are a refused token, a passing failure or a refusal for good.
#pragma once

#include <chrono>
#include <string_view>

#include "adapters/api_verdict.hpp"

namespace scribe::adapters::slack {

// Pure: reads the status, the body and the Retry-After header only.
api_verdict classify(const api_answer& answer, std::chrono::system_clock::time_point now);

}  // namespace scribe::adapters::slack
