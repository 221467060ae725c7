#include "hal/config_space.hpp"

#include "hal/pci_regs.hpp"

namespace hal {

uint16_t ConfigSpace::find_ext_capability(uint16_t cap_id) {
  uint16_t at = pci::kExtCapStart;
  // A well-formed list has at most (4096-256)/4 entries; the bound stops a looping list.
  for (int hops = 0; at != 0 && hops < 960; ++hops) {
    const uint32_t hdr = read32(at);
    if (hdr == 0 || hdr == 0xFFFFFFFFu) return 0;
    if ((hdr & 0xFFFF) == cap_id) return at;
    at = static_cast<uint16_t>((hdr >> 20) & 0xFFC);
  }
  return 0;
}

uint8_t ConfigSpace::find_capability(uint8_t cap_id) {
  if ((read16(pci::kStatus) & pci::kStatusCapList) == 0) return 0;
  uint8_t at = static_cast<uint8_t>(read32(pci::kCapPtr) & 0xFC);
  for (int hops = 0; at != 0 && hops < 48; ++hops) {
    const uint32_t hdr = read32(at);
    if ((hdr & 0xFF) == cap_id) return at;
    at = static_cast<uint8_t>((hdr >> 8) & 0xFC);
  }
  return 0;
}

}  // namespace hal
