// Matrix as a platform of the configuration and the service: the [matrix] keys and the
// adapter.
#pragma once

#include "adapters/platform.hpp"
#include "adapters/matrix/matrix_adapter.hpp"

namespace scribe::adapters::matrix {

extern const adapters::platform factory;

// The settings a [matrix] section holds (made by factory.defaults()).
const matrix_settings& settings_of(const platform_settings& section);

}  // namespace scribe::adapters::matrix
