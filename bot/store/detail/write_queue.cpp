// The writer thread: drain the queue, commit appends in groups, run callbacks, wake flushers.
#include "bot/store/detail/write_queue.hpp"

#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>

#include "bot/store/detail/schema.hpp"

namespace scribe::store::detail {

namespace {
constexpr auto check_retry = std::chrono::minutes(1);
}  // namespace

write_queue::write_queue(std::unique_ptr<batch_writer> writer)
    : writer_(std::move(writer)), thread_([this] { run(); }) {}

write_queue::~write_queue() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
        stop_checking_ = true;
        if (checking_) checking_->interrupt();
    }
    retry_check_.notify_one();
    if (checker_.joinable()) checker_.join();
    work_.notify_one();
    thread_.join();
}

// On a connection of its own, so appends go on meanwhile; the verdict is taken in the queue,
// behind the appends already there.
void write_queue::check_in_background(const std::string& path, open_options options,
                                      std::function<void()> sound) {
    checker_ = std::thread([this, path, options = std::move(options), sound = std::move(sound)] {
        std::string damage;
        for (;;) {
            try {
                damage = check_once(path);
                break;
            } catch (const std::exception& e) {
                if (stop_checking_) return;  // interrupted: the next start checks again
                if (options.on_check_postponed) options.on_check_postponed(e.what());
            }
            std::unique_lock lock(mutex_);
            if (retry_check_.wait_for(lock, check_retry, [&] { return stopping_; })) return;
        }
        enqueue({{},
                 {},
                 [this, damage, path, sound, on_checked = options.on_checked] {
                     std::string found;
                     if (!damage.empty()) {
                         found = damaged_message(path, damage) +
                                 " (anything Scribe recorded before the check ended is in " +
                                 path + "-wal, not merged into it)";
                     } else {
                         try {
                             sound();
                         } catch (const store_error& e) {
                             found = e.what();
                         }
                     }
                     refusal_ = found;
                     if (!on_checked) return;
                     try {
                         on_checked(found);
                     } catch (...) {
                         // As with append callbacks: the writer thread must go on.
                     }
                 },
                 {}},
                true);
    });
}

std::string write_queue::check_once(const std::string& path) {
    connection db(path, connection::access::query_only);
    db.stop_when(stop_checking_);
    // Registered so that the destructor can interrupt it, and unregistered before it closes.
    struct registration {
        write_queue& queue;
        registration(write_queue& q, connection& c) : queue(q) {
            const std::lock_guard lock(queue.mutex_);
            queue.checking_ = &c;
        }
        ~registration() {
            const std::lock_guard lock(queue.mutex_);
            queue.checking_ = nullptr;
        }
        registration(const registration&) = delete;
        registration& operator=(const registration&) = delete;
    } registered(*this, db);
    return find_damage(db);
}

void write_queue::append(std::vector<model::event> events, std::optional<owed_answer> answer,
                         append_callback done) {
    enqueue({{std::move(events), std::move(answer)}, std::move(done), {}, {}});
}

void write_queue::save_cursor(cursor_update cursor, append_callback done) {
    enqueue({{}, std::move(done), {}, bookkeeping(std::move(cursor))});
}

void write_queue::settle_answers(settled_answers settled, append_callback done) {
    enqueue({{}, std::move(done), {}, bookkeeping(std::move(settled))});
}

void write_queue::enqueue(job j, bool unless_stopping) {
    {
        const std::lock_guard lock(mutex_);
        if (unless_stopping && stopping_) return;
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

import_report write_queue::import(const std::vector<model::event>& events, bool dry_run) {
    refuse_on_writer_thread("import_events()");
    // Owned by the job, so the promise outlives set_value even once the waiter has woken.
    auto result = std::make_shared<std::promise<import_report>>();
    auto imported = result->get_future();
    enqueue({{}, {}, [this, result, &events, dry_run] {
                 try {
                     if (!refusal_.empty()) throw store_error(refusal_);
                     result->set_value(writer_->import(events, dry_run));
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
    std::vector<write_batch> batches;
    std::vector<bookkeeping> after;
    for (std::size_t i = first; i < last; ++i) {
        if (jobs[i].after) {
            after.push_back(std::move(*jobs[i].after));
        } else {
            batches.push_back(std::move(jobs[i].batch));
        }
    }
    auto results = refusal_.empty() ? writer_->commit(batches, after)
                                    : std::vector<append_result>(batches.size() + after.size(),
                                                                 append_result{{}, refusal_});
    std::size_t next_batch = 0;
    std::size_t next_after = batches.size();
    for (std::size_t i = first; i < last; ++i) {
        const std::size_t result = jobs[i].after ? next_after++ : next_batch++;
        if (!jobs[i].done) continue;
        try {
            jobs[i].done(std::move(results[result]));
        } catch (...) {
            // A callback's failure is its owner's to handle; letting it out would end the
            // writer thread and with it every other caller's appends.
        }
    }
}

write_queue* writable(const std::unique_ptr<write_queue>& writes, const append_callback& done) {
    if (!writes && done) done({{}, "the store was opened for reading only"});
    return writes.get();
}

}  // namespace scribe::store::detail
