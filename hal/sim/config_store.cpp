#include "hal/sim/config_store.hpp"

namespace sim {

uint32_t ConfigStore::read32(uint16_t off) const {
  if (off > kSize - 4) return 0xFFFFFFFFu;
  return uint32_t{bytes_[off]} | uint32_t{bytes_[off + 1]} << 8 | uint32_t{bytes_[off + 2]} << 16 |
         uint32_t{bytes_[off + 3]} << 24;
}

uint16_t ConfigStore::read16(uint16_t off) const {
  if (off > kSize - 2) return 0xFFFF;
  return static_cast<uint16_t>(bytes_[off] | bytes_[off + 1] << 8);
}

bool ConfigStore::write(uint16_t off, uint32_t value, unsigned width) {
  if (width == 0 || width > 4 || off > kSize - width) return false;
  for (unsigned i = 0; i < width; ++i) {
    const uint8_t v = static_cast<uint8_t>(value >> (8 * i));
    const uint8_t m = wmask_[off + i];
    bytes_[off + i] = static_cast<uint8_t>((bytes_[off + i] & ~m) | (v & m));
  }
  return true;
}

void ConfigStore::init16(uint16_t off, uint16_t v) {
  bytes_[off] = static_cast<uint8_t>(v);
  bytes_[off + 1] = static_cast<uint8_t>(v >> 8);
}

void ConfigStore::init32(uint16_t off, uint32_t v) {
  for (unsigned i = 0; i < 4; ++i) bytes_[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

void ConfigStore::writable16(uint16_t off, uint16_t mask) {
  wmask_[off] = static_cast<uint8_t>(mask);
  wmask_[off + 1] = static_cast<uint8_t>(mask >> 8);
}

void ConfigStore::writable32(uint16_t off, uint32_t mask) {
  for (unsigned i = 0; i < 4; ++i) wmask_[off + i] = static_cast<uint8_t>(mask >> (8 * i));
}

}  // namespace sim
