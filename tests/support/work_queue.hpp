// Continuations posted from other threads (the store's writer) to run on the caller's thread,
// or held until the test runs them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace scribe::testing {

class work_queue {
public:
    void post(std::function<void()> work) {
        {
            std::lock_guard lock(mutex_);
            items_.push_back(std::move(work));
        }
        ready_.notify_one();
    }

    // Runs posted work on this thread until `done()` holds; false when nothing was posted for
    // `patience` while it did not hold.
    template <class Predicate>
    bool run_until(Predicate done, std::chrono::milliseconds patience) {
        while (!done()) {
            std::function<void()> work;
            {
                std::unique_lock lock(mutex_);
                if (!ready_.wait_for(lock, patience, [&] { return !items_.empty(); })) return false;
                work = std::move(items_.front());
                items_.pop_front();
            }
            work();
        }
        return true;
    }

    // Runs what was posted by now, without waiting; how much ran.
    std::size_t run_ready() {
        std::deque<std::function<void()>> ready;
        {
            std::lock_guard lock(mutex_);
            ready.swap(items_);
        }
        for (auto& work : ready) work();
        return ready.size();
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return items_.size();
    }

private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> items_;
};

}  // namespace scribe::testing
