#include "thread_pool.h"

#include <algorithm>
#include <exception>

#include "float_mode.h"

namespace lpc {

ThreadPool::ThreadPool(unsigned threads) { resize(threads); }

ThreadPool::~ThreadPool() { stop(); }

unsigned ThreadPool::default_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return std::max(1u, hw);
}

void ThreadPool::resize(unsigned threads) {
  std::lock_guard<std::mutex> serial(run_mutex_);
  stop();
  threads_ = std::max(1u, threads);
  start(threads_ - 1);
}

void ThreadPool::start(unsigned workers) {
  quit_ = false;
  for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::worker_loop() {
  unsigned seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
    if (quit_) return;
    seen = generation_;
    // Compute with the caller's handling of subnormals, so that results do not depend on the thread count.
    set_flush_denormals(flush_);
    // Take parts until none is left; the caller does the same.
    while (next_ < parts_) {
      const std::size_t part = next_++;
      const auto* job = job_;
      lock.unlock();
      std::exception_ptr err;
      try {
        (*job)(part);
      } catch (...) {
        err = std::current_exception();
      }
      lock.lock();
      if (err && !error_) error_ = err;
      if (++finished_ == parts_) done_.notify_all();
    }
  }
}

void ThreadPool::run(std::size_t parts, const std::function<void(std::size_t)>& fn) {
  if (parts == 0) return;
  if (workers_.empty() || parts == 1) {
    for (std::size_t p = 0; p < parts; ++p) fn(p);
    return;
  }
  std::lock_guard<std::mutex> serial(run_mutex_);
  std::unique_lock<std::mutex> lock(mutex_);
  job_ = &fn;
  parts_ = parts;
  next_ = 0;
  finished_ = 0;
  error_ = nullptr;
  flush_ = flush_denormals();
  ++generation_;
  wake_.notify_all();
  while (next_ < parts_) {
    const std::size_t part = next_++;
    lock.unlock();
    std::exception_ptr err;
    try {
      fn(part);
    } catch (...) {
      err = std::current_exception();
    }
    lock.lock();
    if (err && !error_) error_ = err;
    ++finished_;
  }
  done_.wait(lock, [&] { return finished_ == parts_; });
  job_ = nullptr;
  parts_ = 0;
  if (error_) {
    std::exception_ptr err = error_;
    error_ = nullptr;
    std::rethrow_exception(err);
  }
}

void ThreadPool::parallel_for(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& fn) {
  if (n == 0) return;
  const std::size_t maxParts = grain == 0 ? threads_ : std::max<std::size_t>(1, n / grain);
  const std::size_t parts = std::min<std::size_t>(threads_, maxParts);
  if (parts <= 1) {
    fn(0, n);
    return;
  }
  run(parts, [&](std::size_t p) { fn(n * p / parts, n * (p + 1) / parts); });
}

}  // namespace lpc
