// Counts the heap allocations the calling thread makes between Start() and
// Stop(), for tests of paths that promise to allocate nothing. Linking
// alloc_count.cc into a test binary replaces every global allocation
// function of that binary.
#pragma once

namespace alloc_count {

void Start() noexcept;
// Stops counting; how many allocations this thread made since Start().
long Stop() noexcept;

}  // namespace alloc_count
