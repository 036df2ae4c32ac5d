// Slack as a platform of the configuration and the service: the [slack] keys and the adapter.
#pragma once

#include "adapters/platform.hpp"
#include "adapters/slack/slack_adapter.hpp"

namespace scribe::adapters::slack {

extern const adapters::platform factory;

// The settings a [slack] section holds (made by factory.defaults()).
const slack_settings& settings_of(const platform_settings& section);

}  // namespace scribe::adapters::slack
