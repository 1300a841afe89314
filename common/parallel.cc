#include "common/parallel.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace tocsin {

void ParallelFor(std::size_t count, std::size_t min_slice,
                 const std::function<void(std::size_t begin, std::size_t end)>& work) {
  constexpr std::size_t kMaxThreads = 8;
  std::size_t cores = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, kMaxThreads);
  std::size_t slices = std::clamp<std::size_t>(count / std::max<std::size_t>(min_slice, 1), 1, cores);
  if (slices == 1) {
    work(0, count);
    return;
  }
  std::size_t per_slice = (count + slices - 1) / slices;
  std::mutex failed_mutex;
  std::exception_ptr failed;  // the first exception a slice threw
  auto guarded = [&](std::size_t begin, std::size_t end) {
    try {
      work(begin, end);
    } catch (...) {
      std::lock_guard<std::mutex> lock(failed_mutex);
      if (!failed) failed = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(slices - 1);
  std::size_t begin = per_slice;
  for (; begin < count; begin += per_slice) {
    try {
      threads.emplace_back(guarded, begin, std::min(count, begin + per_slice));
    } catch (const std::system_error&) {
      break;  // no thread to be had (a limit): the caller does the rest
    }
  }
  guarded(0, std::min(count, per_slice));
  for (; begin < count; begin += per_slice) {
    guarded(begin, std::min(count, begin + per_slice));
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  if (failed) {
    std::rethrow_exception(failed);
  }
}

}  // namespace tocsin
