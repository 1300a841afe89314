// common/c_free.h -- owning pointers for C library handles.
#pragma once

namespace tocsin {

// A deleter that calls `FreeFn`: bssl::UniquePtr in one template, e.g.
//   using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, CFree<&EVP_PKEY_free>>;
template <auto FreeFn>
struct CFree {
  template <typename T>
  void operator()(T* pointer) const noexcept {
    FreeFn(pointer);
  }
};

}  // namespace tocsin
