// Display-name lookups with a fallback.
#include "adapters/display_names.hpp"

#include <spdlog/spdlog.h>

#include "adapters/api_verdict.hpp"

namespace scribe::adapters {

boost::asio::awaitable<std::string> display_names::name_of(std::string user_id,
                                                           std::string fallback) {
    if (const auto* known = names_.find(user_id)) co_return *known;
    std::string name;
    try {
        name = co_await ask_(user_id);
    } catch (const credential_refused&) {
        throw;
    } catch (const std::exception& e) {
        spdlog::debug("no display name for {}: {}", user_id, e.what());
        co_return fallback;
    }
    if (name.empty()) name = fallback;
    names_.insert_or_assign(user_id, name);
    co_return name;
}

}  // namespace scribe::adapters
