#pragma once
// Memory ordering between the driver and the device's DMA, through named primitives (style 6).
//
// The device and the driver share descriptor rings in ordinary memory. Two orders matter:
//   - read side: the device writes a descriptor's fields, then its status word (DD) last. The
//     driver must read DD first and everything else after it: load_dma_word() + dma_rmb().
//   - write side: the driver fills descriptors, then tells the device through a tail register
//     (RDT/TDT). The descriptors must be visible before the doorbell: dma_wmb() between them.
//
// On x86-64 both barriers compile to nothing but a compiler barrier (loads are not reordered
// with older loads, stores not with older stores, and uncached MMIO stores are not reordered
// with cacheable ones): DPDK's rte_io_rmb/rte_io_wmb do the same. On AArch64 they are the
// outer-shareable DMB DPDK uses (rte_io_rmb = dmb oshld, rte_io_wmb = dmb oshst).
//
// For the C++ memory model (the simulated device is another thread in threaded mode) the fences
// are acquire/release fences and the status word is read with an atomic load, so a relaxed load
// of DD followed by dma_rmb() synchronises with the device's release store of DD
// (sim::store_release in hal/sim/engine.hpp), and dma_wmb() before the tail write pairs with the
// device's read of the tail under its register lock.

#include <atomic>
#include <cstdint>

// ThreadSanitizer does not model standalone fences (GCC refuses them under -fsanitize=thread).
// In a TSan build the same orders come from operations it does see: the DD word is read with
// an acquire load, and the doorbell that follows dma_wmb() is a release read-modify-write in the
// simulated device. Real hardware builds never take this path.
// GCC says so with __SANITIZE_THREAD__, clang with __has_feature(thread_sanitizer).
#if defined(__SANITIZE_THREAD__)
#define SRIOVKIT_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SRIOVKIT_TSAN_BUILD 1
#endif
#endif
#ifndef SRIOVKIT_TSAN_BUILD
#define SRIOVKIT_TSAN_BUILD 0
#endif

namespace dp {

/// Orders every later load after the DD load before it. Pairs with the device's write of the
/// descriptor's status word last (sim: store_release of status_error / TX status).
inline void dma_rmb() {
#if defined(__aarch64__)
  asm volatile("dmb oshld" ::: "memory");
#endif
#if SRIOVKIT_TSAN_BUILD
  asm volatile("" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_acquire);
#endif
}

/// Orders every earlier store to descriptor memory before the following doorbell (RDT/TDT)
/// write. Pairs with the device reading descriptors only after it has seen the new tail.
inline void dma_wmb() {
#if defined(__aarch64__)
  asm volatile("dmb oshst" ::: "memory");
#endif
#if SRIOVKIT_TSAN_BUILD
  asm volatile("" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_release);
#endif
}

/// One 32-bit word the device writes into DMA memory (a descriptor status word, the TX head
/// write-back), read atomically. Relaxed: dma_rmb() after it gives the ordering.
inline uint32_t load_dma_word(const uint32_t& word) {
  // atomic_ref<const T> is C++26; the load does not write.
  return std::atomic_ref<uint32_t>(const_cast<uint32_t&>(word))
      .load(SRIOVKIT_TSAN_BUILD ? std::memory_order_acquire : std::memory_order_relaxed);
}

}  // namespace dp
