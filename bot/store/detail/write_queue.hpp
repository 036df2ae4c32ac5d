// Group commit: producers enqueue batches and return at once; one writer thread takes everything
// queued, commits it in one transaction and then runs the batches' callbacks.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bot/model/event.hpp"
#include "bot/store/detail/event_writer.hpp"
#include "bot/store/event_store.hpp"
#include "bot/store/sqlite_store.hpp"

namespace scribe::store::detail {

class write_queue {
public:
  // Starts the writer thread, committing through `writer`.
  explicit write_queue(std::unique_ptr<batch_writer> writer);
  // Stops the integrity check if it still runs; commits what is still queued, runs its
  // callbacks, and joins the writer thread.
  ~write_queue();
  write_queue(const write_queue&) = delete;
  write_queue& operator=(const write_queue&) = delete;

  void append(std::vector<model::event> events, std::optional<owed_answer> answer,
              append_callback done);
  // Written in the group transaction it falls into, after that group's appends.
  void save_cursor(cursor_update cursor, append_callback done);
  void settle_answers(settled_answers settled, append_callback done);

  // Blocks until everything queued so far is committed and its callbacks have run.
  void flush();

  // Runs batch_writer::import on the writer thread after everything queued before it, and
  // waits for it; rethrows its store_error.
  import_report import(const std::vector<model::event>& events, bool dry_run);

  // SQLite's integrity check of the file at `path`, on a thread beside the writer; its
  // verdict is taken on the writer thread, behind the appends queued before it: a sound file
  // runs `sound` there, a damaged one makes every later append fail.
  void check_in_background(const std::string& path, open_options options,
                           std::function<void()> sound);

private:
  // An append batch, bookkeeping, or (when `task` is set) work that needs the write
  // connection alone.
  struct job {
      write_batch batch;
      append_callback done;
      std::function<void()> task;
      std::optional<bookkeeping> after;
    };

    // `unless_stopping`: the job is dropped if the queue is stopping.
    void enqueue(job j, bool unless_stopping = false);
    void run();
    void commit_appends(std::vector<job>& jobs, std::size_t first, std::size_t last);
    void refuse_on_writer_thread(const char* what) const;
    // One run of the check; throws store_error when it could not run to its end.
    std::string check_once(const std::string& path);

    std::unique_ptr<batch_writer> writer_;  // touched by the writer thread only, once it runs
    std::string refusal_;  // writer thread: why appends fail, once the integrity check failed

    std::mutex mutex_;
    std::condition_variable work_;      // something was queued, or we are stopping
    std::condition_variable finished_;  // the writer finished some jobs
    std::vector<job> queue_;
    std::uint64_t queued_count_ = 0;    // jobs ever queued
    std::uint64_t finished_count_ = 0;  // jobs whose commit and callbacks are done
    bool stopping_ = false;
    connection* checking_ = nullptr;  // the integrity check's, while it runs
    std::atomic<bool> stop_checking_ = false;
    std::condition_variable retry_check_;  // wakes a postponed check early, to stop

    std::thread thread_;  // it starts once everything above exists
    std::thread checker_;
};

// `writes`, or null once `done` was told that the store was opened for reading only.
write_queue* writable(const std::unique_ptr<write_queue>& writes, const append_callback& done);

}  // namespace scribe::store::detail
