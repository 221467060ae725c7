#pragma once
// PCI config space through the VFIO device fd's config region (pread/pwrite), as vfio-pci
// virtualises it: some fields are emulated, and writes to the SR-IOV capability are dropped.

#include <cstdint>

#include "hal/config_space.hpp"
#include "hal/vfio/device.hpp"

namespace hal::vfio {

/// ConfigSpace of one VFIO device. Accesses must be naturally aligned and inside the region;
/// others read as all-ones and write nothing, as does a failed pread/pwrite (a function that
/// is gone). Thread-safe: each access is one positioned read or write.
class VfioConfig final : public ConfigSpace {
 public:
  /// `dev` must outlive this object.
  explicit VfioConfig(const Device& dev) : ops_(&dev.ops()), fd_(dev.fd()), region_(dev.config()) {}

  uint32_t read32(uint16_t offset) override { return static_cast<uint32_t>(read(offset, 4)); }
  void write32(uint16_t offset, uint32_t value) override { write(offset, 4, value); }
  uint16_t read16(uint16_t offset) override { return static_cast<uint16_t>(read(offset, 2)); }
  void write16(uint16_t offset, uint16_t value) override { write(offset, 2, value); }
  uint8_t read8(uint16_t offset) { return static_cast<uint8_t>(read(offset, 1)); }
  void write8(uint16_t offset, uint8_t value) { write(offset, 1, value); }

 private:
  bool valid(uint16_t offset, unsigned size) const;
  uint32_t read(uint16_t offset, unsigned size);
  void write(uint16_t offset, unsigned size, uint32_t value);

  SysOps* ops_;
  int fd_;
  Region region_;
};

}  // namespace hal::vfio
