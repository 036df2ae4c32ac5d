// The sample incident `scribe demo` plays: the Data Sync / port 1433 outage, as its
// responders would have typed it in chat.
#pragma once

#include <span>
#include <string_view>

namespace scribe::app {

struct demo_message {
    std::string_view at;      // when it is sent, UTC
    std::string_view author;  // display name
    // The message; "{last}" stands for the number of the entry the previous reply confirmed.
    std::string_view text;
};

std::span<const demo_message> data_sync_story();

// The markers the story sets, for checking the metrics it must produce.
struct demo_markers {
    std::string_view started;
    std::string_view detected;
    std::string_view mitigated;
    std::string_view resolved;
};
demo_markers data_sync_markers();

}  // namespace scribe::app
