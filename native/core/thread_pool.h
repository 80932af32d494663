// A small fixed pool of worker threads for splitting large arrays. The calling thread takes part,
// so setThreads(1) means no workers at all. Work is split into contiguous ranges whose boundaries
// depend only on the problem size (never on the thread count) for anything that reduces, so results
// are bit-identical for any number of threads.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lpc {

class ThreadPool {
 public:
  explicit ThreadPool(unsigned threads = 1);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Total threads that run a job, the caller included (>= 1).
  unsigned threads() const { return threads_; }
  // Stops the workers and starts threads - 1 new ones. Not callable from inside a job.
  void resize(unsigned threads);

  // Runs fn(part) for part in [0, parts), spread over the threads; returns when all are done.
  // The first exception thrown by any part is rethrown here after the others have finished.
  void run(std::size_t parts, const std::function<void(std::size_t)>& fn);

  // Splits [0, n) into at most threads() contiguous ranges of at least `grain` items, and calls
  // fn(begin, end) on each. Small n runs on the caller alone. For elementwise work only: range
  // boundaries depend on the thread count.
  void parallel_for(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& fn);

  // Default thread count: the hardware threads, as onnxruntime's sessions default to.
  static unsigned default_threads();

 private:
  void start(unsigned workers);
  void stop();
  void worker_loop();

  unsigned threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t parts_ = 0, next_ = 0, finished_ = 0;
  unsigned generation_ = 0;
  bool quit_ = false;
  bool flush_ = false;  // the caller's subnormal mode for the current job (native/core/float_mode.h)
  std::exception_ptr error_;
  std::mutex run_mutex_;  // one job at a time
};

}  // namespace lpc
