// The chat platforms `scribe run` knows. Adding one: a folder under adapters/ that defines its
// factory (adapters/platform.hpp), and a line in platforms.cpp.
#pragma once

#include <span>

#include "adapters/platform.hpp"

namespace scribe::app {

std::span<const adapters::platform* const> platforms();

}  // namespace scribe::app
