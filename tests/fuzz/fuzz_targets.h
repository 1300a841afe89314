// tests/fuzz/fuzz_targets.h -- shared set-up for the fuzz targets.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"

namespace tocsin::fuzz {

inline ByteView Input(const std::uint8_t* data, std::size_t size) { return {data, size}; }

}  // namespace tocsin::fuzz
