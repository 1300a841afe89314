// common/parallel.h -- one CPU-bound loop spread over the machine's cores.
#pragma once

#include <cstddef>
#include <functional>

namespace tocsin {

// Calls `work(begin, end)` over consecutive slices of [0, count), on up to
// one thread per core (at most 8), each slice at least `min_slice` long; on
// the calling thread alone when that makes one slice. Returns once every
// slice is done. `work` must be safe to run on several threads at once on
// disjoint slices. When a thread cannot be started (a process limit), the
// calling thread runs the slices left; when a slice throws, the first
// exception is rethrown here once every slice is done.
void ParallelFor(std::size_t count, std::size_t min_slice,
                 const std::function<void(std::size_t begin, std::size_t end)>& work);

}  // namespace tocsin
