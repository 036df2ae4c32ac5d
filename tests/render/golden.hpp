// Golden-file comparison: documents are checked byte for byte against tests/golden/;
// SCRIBE_UPDATE_GOLDEN=1 rewrites the files instead (review the diff before committing).
#pragma once

#include <string>

namespace scribe::render::test {

std::string read_source_file(const std::string& relative_path);

// Compares `actual` with tests/golden/<name>, reporting the first line that differs.
void check_golden(const std::string& name, const std::string& actual);

}  // namespace scribe::render::test
