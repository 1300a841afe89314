#include "common/parallel.h"

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace tocsin {
namespace {

TEST_CASE("ParallelFor covers every index once, in slices of at least the minimum",
          "[common][parallel]") {
  for (std::size_t count : {0u, 1u, 7u, 255u, 256u, 257u, 1000u, 5001u}) {
    INFO("count " << count);
    std::vector<std::atomic<int>> seen(count);
    std::mutex mutex;
    std::set<std::thread::id> threads;
    std::size_t shortest = count;
    ParallelFor(count, 256, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        ++seen[i];
      }
      std::lock_guard<std::mutex> lock(mutex);
      threads.insert(std::this_thread::get_id());
      shortest = std::min(shortest, end - begin);
    });
    for (std::size_t i = 0; i < count; ++i) {
      CHECK(seen[i] == 1);
    }
    if (count < 512) {
      CHECK(threads == std::set<std::thread::id>{std::this_thread::get_id()});  // one slice
    } else if (std::thread::hardware_concurrency() > 1) {
      CHECK(threads.size() > 1);
      CHECK(shortest >= 256 / 2);  // the last slice may be shorter, never tiny
    }
  }
}

TEST_CASE("A slice that throws is rethrown after every slice is done", "[common][parallel]") {
  std::vector<std::atomic<int>> seen(4096);
  auto run = [&] {
    ParallelFor(seen.size(), 256, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        ++seen[i];
      }
      if (begin == 0) {
        throw std::runtime_error("slice 0 failed");
      }
    });
  };
  CHECK_THROWS_WITH(run(), "slice 0 failed");
  for (const auto& s : seen) {
    CHECK(s == 1);  // the other slices ran to their end, and were joined
  }
}

}  // namespace
}  // namespace tocsin
