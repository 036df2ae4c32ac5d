// Filling the gap of a limited /sync timeline from /rooms/{roomId}/messages, without I/O.
#pragma once

#include <cstddef>
#include <vector>

#include "adapters/matrix/requests.hpp"
#include "adapters/matrix/sync.hpp"
#include "adapters/matrix/sync_state.hpp"

namespace scribe::adapters::matrix {

// Fills one gap of a limited timeline, page by page, without I/O. The algorithm:
//   1. GET /rooms/{room}/messages?dir=b&from=<prev_batch>&to=<previous next_batch>: events
//      older than the sync's timeline, newest first, stopping where the last sync ended (a
//      sync token is a valid `to`).
//   2. Collect the chunk; while the server gives an `end` token different from `from` and
//      the chunk is not empty, ask again from `end`.
//   3. Stop early at `max_events`: a room that moved that much while the bot was away is
//      summarised by its newest events (the ones nearest the sync's timeline); truncated()
//      tells the driver to log that older ones were skipped.
//   4. Reverse what was collected: the bot gets the gap oldest first, then the timeline.
class gap_filler {
  public:
    explicit gap_filler(fetch_gap gap, std::size_t max_events = 500, int page_size = 100);

    // The request for the next page.
    request next_request() const;
    // Takes a page; true while another page is wanted.
    bool on_page(const messages_response& page);
    // Stopped at max_events before reaching the end of the gap.
    bool truncated() const { return truncated_; }
    const std::string& room_id() const { return gap_.room_id; }
    // What was collected, oldest first.
    std::vector<room_event> take_events();

  private:
    fetch_gap gap_;
    std::size_t max_events_;
    int page_size_;
    bool done_ = false;
    bool truncated_ = false;
    std::vector<room_event> newest_first_;
};

}  // namespace scribe::adapters::matrix
