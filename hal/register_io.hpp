#pragma once
// Register I/O on one BAR: what every driver sees of a device's registers.

#include <cstdint>

namespace hal {

/// A 32-bit register at a byte offset into a BAR. Definitions live in hal/ixgbe/.
struct Reg32 {
  uint32_t offset;
  constexpr bool operator==(const Reg32&) const = default;
};

/// Register I/O on one BAR. Implemented by the simulated 82599 (every access runs the device
/// model's handler, as QEMU's MMIO callbacks do), by VFIO (a mapped BAR) and by test mocks.
///
/// Thread safety: implementations are safe to call from several threads; ordering between
/// threads is the caller's business, as on real hardware.
class RegisterIo {
 public:
  virtual ~RegisterIo() = default;

  /// Reads the register at `offset`. A read of 0xFFFFFFFF from a register that cannot hold it
  /// means the device is gone (surprise removal); callers check where it matters.
  virtual uint32_t read32(uint32_t offset) = 0;
  /// Writes `value` to the register at `offset`. The write may be posted.
  virtual void write32(uint32_t offset, uint32_t value) = 0;
  /// Makes earlier posted writes visible to the device (a read of a status register on PCIe).
  virtual void flush() = 0;

  uint32_t read(Reg32 r) { return read32(r.offset); }
  void write(Reg32 r, uint32_t v) { write32(r.offset, v); }
  /// Read-modify-write helpers; not atomic against the device or other threads.
  void set_bits(Reg32 r, uint32_t bits) { write(r, read(r) | bits); }
  void clear_bits(Reg32 r, uint32_t bits) { write(r, read(r) & ~bits); }
};

/// The value a PCIe read returns when the function no longer answers.
inline constexpr uint32_t kDeviceGone = 0xFFFFFFFFu;

}  // namespace hal
