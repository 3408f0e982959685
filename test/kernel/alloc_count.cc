// The allocation counter of alloc_count.h: every replaceable global
// allocation function, counting the calling thread's allocations while asked.
// Under ThreadSanitizer, whose runtime defines the allocation functions
// itself, the sanitizer's allocation hook counts instead (every heap
// allocation, malloc included).
#include "alloc_count.h"

#if defined(__SANITIZE_THREAD__)
#define ALLOC_COUNT_HOOK 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ALLOC_COUNT_HOOK 1
#endif
#endif
#ifdef ALLOC_COUNT_HOOK
#include <sanitizer/allocator_interface.h>
#endif

#include <cstddef>
#include <cstdlib>
#include <new>

namespace {

thread_local bool counting = false;
thread_local long allocations = 0;

#ifdef ALLOC_COUNT_HOOK
void OnMalloc(const volatile void*, std::size_t) {
  if (counting) ++allocations;
}
void OnFree(const volatile void*) {}
#endif

}  // namespace

namespace alloc_count {

void Start() noexcept {
#ifdef ALLOC_COUNT_HOOK
  static const bool installed = __sanitizer_install_malloc_and_free_hooks(OnMalloc, OnFree) != 0;
  (void)installed;
#endif
  allocations = 0;
  counting = true;
}

long Stop() noexcept {
  counting = false;
  return allocations;
}

}  // namespace alloc_count

// Replaces every replaceable global allocation function (plain, array,
// nothrow, sized, aligned) to count allocations of the data path. All of them
// must be replaced together: a form left out keeps the runtime's own version
// (under ASan, its new/delete), and memory it hands out would then be released
// here with free(), or the other way round, which ASan reports as an
// alloc-dealloc mismatch. (GCC flags malloc/free inside replaced new/delete as
// mismatched.)
#ifndef ALLOC_COUNT_HOOK
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {

void* CountedAlloc(std::size_t n, std::size_t align) noexcept {
  if (counting) ++allocations;
  if (n == 0) n = 1;
  if (align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) return std::malloc(n);
  void* p = nullptr;  // `align` is a power of two above 16: posix_memalign accepts it
  return posix_memalign(&p, align, n) == 0 ? p : nullptr;
}

void* CountedAllocOrThrow(std::size_t n, std::size_t align) {
  if (void* p = CountedAlloc(n, align)) return p;
  throw std::bad_alloc();
}

std::size_t Align(std::align_val_t a) { return static_cast<std::size_t>(a); }

}  // namespace

void* operator new(std::size_t n) { return CountedAllocOrThrow(n, 0); }
void* operator new[](std::size_t n) { return CountedAllocOrThrow(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return CountedAllocOrThrow(n, Align(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return CountedAllocOrThrow(n, Align(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return CountedAlloc(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return CountedAlloc(n, 0); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return CountedAlloc(n, Align(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return CountedAlloc(n, Align(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
#endif  // ALLOC_COUNT_HOOK
