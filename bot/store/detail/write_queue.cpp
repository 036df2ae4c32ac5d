// The writer thread: drain the queue, commit appends in groups, run callbacks, wake flushers.
#include "bot/store/detail/write_queue.hpp"

#include <future>
#include <memory>
#include <stdexcept>

namespace scribe::store::detail {

write_queue::write_queue(const std::string& path) : writer_(path), thread_([this] { run(); }) {}

write_queue::~write_queue() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_.notify_one();
    thread_.join();
}

void write_queue::append(std::vector<model::event> events, append_callback done) {
    enqueue({std::move(events), std::move(done), {}, {}});
}

void write_queue::save_cursor(cursor_update cursor, append_callback done) {
    enqueue({{}, std::move(done), {}, std::move(cursor)});
}

void write_queue::enqueue(job j) {
    {
        const std::lock_guard lock(mutex_);
        queue_.push_back(std::move(j));
        ++queued_count_;
    }
    work_.notify_one();
}

void write_queue::flush() {
    refuse_on_writer_thread("flush()");
    std::unique_lock lock(mutex_);
    const auto target = queued_count_;
    finished_.wait(lock, [&] { return finished_count_ >= target; });
}

std::int64_t write_queue::import(const std::vector<model::event>& events) {
    refuse_on_writer_thread("import_events()");
    // Owned by the job, so the promise outlives set_value even once the waiter has woken.
    auto result = std::make_shared<std::promise<std::int64_t>>();
    auto imported = result->get_future();
    enqueue({{}, {}, [this, result, &events] {
                 try {
                     result->set_value(writer_.import(events));
                 } catch (...) {
                     result->set_exception(std::current_exception());
                 }
             }, {}});
    return imported.get();
}

// Both would wait for the thread they run on.
void write_queue::refuse_on_writer_thread(const char* what) const {
    if (std::this_thread::get_id() == thread_.get_id()) {
        throw std::logic_error(std::string(what) +
                               " called from an append callback would wait for itself");
    }
}

void write_queue::run() {
    std::vector<job> jobs;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and nothing left to commit
            jobs.swap(queue_);
        }
        std::size_t first = 0;
        while (first < jobs.size()) {
            if (jobs[first].task) {
                jobs[first].task();
                ++first;
                continue;
            }
            std::size_t last = first;
            while (last < jobs.size() && !jobs[last].task) ++last;
            commit_appends(jobs, first, last);
            first = last;
        }
        {
            const std::lock_guard lock(mutex_);
            finished_count_ += jobs.size();
        }
        finished_.notify_all();
        jobs.clear();
    }
}

void write_queue::commit_appends(std::vector<job>& jobs, std::size_t first, std::size_t last) {
    std::vector<std::vector<model::event>> batches;
    std::vector<cursor_update> cursors;
    for (std::size_t i = first; i < last; ++i) {
        if (jobs[i].cursor) {
            cursors.push_back(std::move(*jobs[i].cursor));
        } else {
            batches.push_back(std::move(jobs[i].events));
        }
    }
    auto results = writer_.commit(batches, cursors);
    std::size_t next_batch = 0;
    std::size_t next_cursor = batches.size();
    for (std::size_t i = first; i < last; ++i) {
        const std::size_t result = jobs[i].cursor ? next_cursor++ : next_batch++;
        if (!jobs[i].done) continue;
        try {
            jobs[i].done(std::move(results[result]));
        } catch (...) {
            // A callback's failure is its owner's to handle; letting it out would end the
            // writer thread and with it every other caller's appends.
        }
    }
}

}  // namespace scribe::store::detail
