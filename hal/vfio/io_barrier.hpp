#pragma once
// The ordering a mapped register access needs against DMA memory, as Linux's readl()/writel()
// give it. std::atomic_thread_fence is not enough on arm64: it orders only the inner-shareable
// domain (dmb ish), while a device reaches memory from the outer-shareable one; Linux's
// readl()/writel() use dmb oshld / dmb oshst there (arch/arm64/include/asm/io.h: __iormb and
// __iowmb are dma_rmb/dma_wmb). On x86-64 uncached MMIO is already ordered with the CPU's
// loads and stores, so only the compiler must be kept from moving accesses across.

#include <atomic>

namespace hal::vfio {

/// After a register read, before later loads of DMA memory the device wrote (a descriptor
/// read after a head register): pairs with the device's write ordering.
inline void io_rmb() {
#if defined(__aarch64__)
  __asm__ __volatile__("dmb oshld" ::: "memory");
#elif defined(__x86_64__) || defined(__i386__)
  __asm__ __volatile__("" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);  // no weaker fence known to suffice
#endif
}

/// Before a register write, after earlier stores to DMA memory (descriptors before the tail
/// bump that hands them over): pairs with the device's read of that memory.
inline void io_wmb() {
#if defined(__aarch64__)
  __asm__ __volatile__("dmb oshst" ::: "memory");
#elif defined(__x86_64__) || defined(__i386__)
  __asm__ __volatile__("" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

}  // namespace hal::vfio
