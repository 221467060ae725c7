#pragma once
// PCI configuration space of one function.

#include <cstdint>

namespace hal {

/// PCI (extended) configuration space, 4 KiB. Accesses are naturally aligned; a 16-bit access
/// to offset 2 reads the upper half of the dword at 0, as on the bus.
class ConfigSpace {
 public:
  virtual ~ConfigSpace() = default;
  virtual uint32_t read32(uint16_t offset) = 0;
  virtual void write32(uint16_t offset, uint32_t value) = 0;
  virtual uint16_t read16(uint16_t offset) = 0;
  virtual void write16(uint16_t offset, uint16_t value) = 0;

  /// Finds a PCIe extended capability by id; 0 when absent.
  uint16_t find_ext_capability(uint16_t cap_id);
  /// Finds a classic capability by id; 0 when absent.
  uint8_t find_capability(uint8_t cap_id);
};

}  // namespace hal
