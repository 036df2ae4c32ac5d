// The registered platforms, in the order they appear in configuration listings.
#include "bot/app/platforms.hpp"

#include <array>

#include "adapters/matrix/factory.hpp"
#include "adapters/slack/factory.hpp"

namespace scribe::app {

std::span<const adapters::platform* const> platforms() {
    static constexpr std::array<const adapters::platform*, 2> all{
        &adapters::slack::factory,
        &adapters::matrix::factory,
    };
    return all;
}

}  // namespace scribe::app
