#include "common/parallel.h"

#include <algorithm>
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
  std::vector<std::thread> threads;
  threads.reserve(slices - 1);
  for (std::size_t begin = per_slice; begin < count; begin += per_slice) {
    threads.emplace_back(work, begin, std::min(count, begin + per_slice));
  }
  work(0, std::min(count, per_slice));
  for (std::thread& thread : threads) {
    thread.join();
  }
}

}  // namespace tocsin
