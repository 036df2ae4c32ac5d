// Reading, comparing and regenerating golden files under tests/golden/.
#include "tests/render/golden.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

namespace scribe::render::test {
namespace {

std::string source_path(const std::string& relative_path) {
    return std::string(SCRIBE_SOURCE_DIR) + "/" + relative_path;
}

bool updating() {
    const char* flag = std::getenv("SCRIBE_UPDATE_GOLDEN");
    return flag != nullptr && std::string_view(flag) == "1";
}

std::string line_at(const std::string& text, std::size_t index) {
    std::istringstream in(text);
    std::string line;
    for (std::size_t i = 0; i <= index && std::getline(in, line); ++i) {
    }
    return line;
}

// The 0-based number of the first line where the two texts differ.
std::size_t first_different_line(const std::string& a, const std::string& b) {
    std::size_t line = 0;
    for (std::size_t i = 0; i < a.size() && i < b.size() && a[i] == b[i]; ++i) {
        if (a[i] == '\n') ++line;
    }
    return line;
}

}  // namespace

std::string read_source_file(const std::string& relative_path) {
    std::ifstream in(source_path(relative_path), std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read ", source_path(relative_path));
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void check_golden(const std::string& name, const std::string& actual) {
    const std::string relative = "tests/golden/" + name;
    if (updating()) {
        std::ofstream out(source_path(relative), std::ios::binary | std::ios::trunc);
        REQUIRE_MESSAGE(out.good(), "cannot write ", source_path(relative));
        out << actual;
        MESSAGE("updated ", relative);
        return;
    }
    std::ifstream probe(source_path(relative));
    REQUIRE_MESSAGE(probe.good(), relative,
                    " is missing; run the test with SCRIBE_UPDATE_GOLDEN=1 to create it");
    const std::string expected = read_source_file(relative);
    if (actual != expected) {
        const auto line = first_different_line(expected, actual);
        FAIL_CHECK(
            relative, " differs at line ", line + 1, "\n  expected: ", line_at(expected, line),
            "\n  actual:   ", line_at(actual, line), "\n(SCRIBE_UPDATE_GOLDEN=1 rewrites it)");
    }
}

}  // namespace scribe::render::test
