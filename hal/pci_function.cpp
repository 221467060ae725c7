#include "hal/pci_function.hpp"

#include "hal/pci_regs.hpp"

namespace hal {
namespace sr = pci::sriov;

std::expected<void, Error> PciFunction::set_sriov_num_vfs(unsigned n) {
  ConfigSpace& cfg = config();
  const uint16_t at = cfg.find_ext_capability(pci::kExtCapIdSriov);
  if (at == 0) return std::unexpected(Error::kNoDevice);
  const uint16_t ctrl = cfg.read16(at + sr::kCtrl);
  const auto off = static_cast<uint16_t>(ctrl & ~(sr::kCtrlVfe | sr::kCtrlMse));
  if (n == 0) {
    cfg.write16(at + sr::kCtrl, off);
    cfg.write16(at + sr::kNumVfs, 0);
    return {};
  }
  // ARI Capable Hierarchy may change only while VF Enable is clear (SR-IOV 3.3.3.5), and it
  // moves First VF Offset to 0x80 so 64 VFs fit on the PF's bus (spec 6). NumVFs is likewise
  // writable only before VF Enable (3.3.7).
  const auto base = static_cast<uint16_t>(off | sr::kCtrlAri);
  cfg.write16(at + sr::kCtrl, base);
  cfg.write16(at + sr::kNumVfs, static_cast<uint16_t>(n));
  cfg.write16(at + sr::kCtrl, base | sr::kCtrlVfe | sr::kCtrlMse);
  return {};
}

}  // namespace hal
