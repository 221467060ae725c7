#include "hal/vfio/vfio_config.hpp"

#include <cstring>

namespace hal::vfio {

bool VfioConfig::valid(uint16_t offset, unsigned size) const {
  return offset % size == 0 && uint64_t{offset} + size <= region_.size;
}

// PCI config space is little-endian, as is every host sriovkit builds for (x86-64, arm64 LE):
// the bytes read are the value.
uint32_t VfioConfig::read(uint16_t offset, unsigned size) {
  const uint32_t ones = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
  if (!valid(offset, size)) return ones;
  uint32_t v = 0;
  const ssize_t n = ops_->pread(fd_, &v, size, static_cast<off_t>(region_.offset + offset));
  return n == static_cast<ssize_t>(size) ? v : ones;
}

void VfioConfig::write(uint16_t offset, unsigned size, uint32_t value) {
  if (!valid(offset, size)) return;
  ops_->pwrite(fd_, &value, size, static_cast<off_t>(region_.offset + offset));
}

}  // namespace hal::vfio
