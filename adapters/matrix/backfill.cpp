// Filling the gap of a limited /sync timeline from /rooms/{roomId}/messages, without I/O.
#include "adapters/matrix/backfill.hpp"

#include <algorithm>
#include <iterator>

namespace scribe::adapters::matrix {

gap_filler::gap_filler(fetch_gap gap, std::size_t max_events, int page_size)
    : gap_(std::move(gap)), max_events_(max_events), page_size_(std::max(1, page_size)) {}

request gap_filler::next_request() const {
    return messages(gap_.room_id, gap_.from, gap_.to, page_size_);
}

bool gap_filler::on_page(const messages_response& page) {
    if (done_) return false;
    for (const auto& event : page.chunk) {
        if (newest_first_.size() == max_events_) {
            truncated_ = true;
            break;
        }
        newest_first_.push_back(event);
    }
    const bool more =
        !truncated_ && !page.chunk.empty() && !page.end.empty() && page.end != gap_.from;
    if (more) {
        gap_.from = page.end;
    } else {
        done_ = true;
    }
    return more;
}

std::vector<room_event> gap_filler::take_events() {
    std::vector<room_event> out(std::make_move_iterator(newest_first_.rbegin()),
                                std::make_move_iterator(newest_first_.rend()));
    newest_first_.clear();
    return out;
}

}  // namespace scribe::adapters::matrix
