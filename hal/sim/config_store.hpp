#pragma once
// Byte-addressed PCI configuration storage with per-byte write masks, as config space behaves on
// the bus: read-only bits ignore writes, read-write bits keep them.

#include <array>
#include <cstdint>

namespace sim {

class ConfigStore {
 public:
  static constexpr uint16_t kSize = 4096;

  uint32_t read32(uint16_t off) const;
  uint16_t read16(uint16_t off) const;
  uint8_t read8(uint16_t off) const { return bytes_[off]; }

  /// A bus write: only bits set in the write mask change. Returns false when out of range.
  bool write(uint16_t off, uint32_t value, unsigned width);

  // Layout helpers used while building a function's config space (ignore the write mask).
  void init8(uint16_t off, uint8_t v) { bytes_[off] = v; }
  void init16(uint16_t off, uint16_t v);
  void init32(uint16_t off, uint32_t v);
  /// Marks bits of a 16/32-bit register as writable by software.
  void writable16(uint16_t off, uint16_t mask);
  void writable32(uint16_t off, uint32_t mask);
  /// Sets a register's value regardless of the mask (the device's own side effects).
  void force16(uint16_t off, uint16_t v) { init16(off, v); }
  void force32(uint16_t off, uint32_t v) { init32(off, v); }

 private:
  std::array<uint8_t, kSize> bytes_{};
  std::array<uint8_t, kSize> wmask_{};
};

}  // namespace sim
