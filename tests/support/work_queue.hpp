// Continuations posted from other threads (the store's writer) to run on the caller's thread.
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

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> items_;
};

}  // namespace scribe::testing
