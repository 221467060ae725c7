#include "fuzz/engine_rig.hpp"

#include <algorithm>
#include <cstring>

#include "fuzz/fuzz_check.hpp"
#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/pci_regs.hpp"

namespace fuzz {
namespace {
namespace ix = hal::ixgbe;
namespace pfr = hal::ixgbe::pf;
namespace vfr = hal::ixgbe::vf;
namespace sr = hal::pci::sriov;

constexpr uint16_t kPortVlan = 100;

sim::DeviceConfig device_config(hal::Clock& clock, bool link_up) {
  sim::DeviceConfig c;
  c.clock = &clock;
  c.link_up = link_up;
  return c;
}

void write64(hal::RegisterIo& bar, hal::Reg32 lo, hal::Reg32 hi, uint64_t v) {
  bar.write(lo, static_cast<uint32_t>(v));
  bar.write(hi, static_cast<uint32_t>(v >> 32));
}

}  // namespace

EngineRig::EngineRig(uint8_t flags)
    : num_vfs_((flags & engine_setup::kFourVfs) ? 4 : 3),
      canary_(new uint8_t[kCanarySize]),
      dev_(sim::Device82599::create(device_config(clock_, !(flags & engine_setup::kLinkDown)))) {
  std::memset(canary_.get(), kCanaryByte, kCanarySize);
  if (!dev_->pf().dma().map(hal::Iova(kCanaryIova), canary_.get(), kCanarySize)) {
    fail("rig setup: canary not mapped");
  }
  enable_vfs();
  for (unsigned v = 0; v < num_vfs_; ++v) {
    blocks_[v].reset(new uint8_t[kBlock]());
    auto fn = dev_->vf(hal::VfId(v));
    if (!fn || !(*fn)->dma().map(hal::Iova(iova(v)), blocks_[v].get(), kBlock)) {
      fail("rig setup: VF {} block not mapped", v);
    }
  }
  program_switch(flags);
  for (unsigned v = 0; v < num_vfs_; ++v) setup_queues(v, flags);
  wire_ = std::make_shared<sim::MemoryWire>((flags & engine_setup::kWireEcho) != 0);
  dev_->set_wire(wire_);
}

hal::RegisterIo& EngineRig::bar(unsigned vf) { return dev_->vf(hal::VfId(vf)).value()->bar0(); }

void EngineRig::enable_vfs() {
  // What sysfs sriov_numvfs does (64-pool VT mode, ARI, VF Enable), then PF reset done so
  // the VFs' registers answer.
  hal::RegisterIo& pf = dev_->pf().bar0();
  pf.write(pfr::GCR_EXT, pfr::gcr_ext::kVtMode64);
  hal::ConfigSpace& cfg = dev_->pf().config();
  const uint16_t cap = cfg.find_ext_capability(hal::pci::kExtCapIdSriov);
  if (cap == 0) fail("rig setup: no SR-IOV capability");
  cfg.write16(cap + sr::kCtrl, sr::kCtrlAri);
  cfg.write16(cap + sr::kNumVfs, static_cast<uint16_t>(num_vfs_));
  cfg.write16(cap + sr::kCtrl, sr::kCtrlAri | sr::kCtrlVfe | sr::kCtrlMse);
  pf.write(pfr::CTRL_EXT, pfr::ctrl_ext::kPfrstd);
  // Receive and transmit are off at power-on (datasheet 4.6.7, 4.6.8): the PF driver's
  // bring-up turns them on, and so must a rig that stands in for it.
  pf.write(pfr::RXCTRL, pfr::rxctrl::kRxEn);
  pf.write(pfr::DMATXCTL, pfr::dmatxctl::kTe);
}

void EngineRig::program_switch(uint8_t flags) {
  hal::RegisterIo& pf = dev_->pf().bar0();
  const unsigned n = num_vfs_;
  pf.write(pfr::VT_CTL, pfr::vt_ctl::kVtEnable | pfr::vt_ctl::kReplEn | (n << pfr::vt_ctl::kDefPlShift));
  pf.write(pfr::PFDTXGSWC, pfr::pfdtxgswc::kVtLben);
  pf.write(pfr::VFRE(0), (2u << n) - 1);  // the VFs' pools and the PF's default pool
  pf.write(pfr::VFTE(0), (2u << n) - 1);
  for (unsigned v = 0; v < n; ++v) {
    const auto& b = vf_mac(v).bytes();
    pf.write(pfr::RAL(v + 1), uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 |
                                  uint32_t{b[3]} << 24);
    pf.write(pfr::RAH(v + 1), uint32_t{b[4]} | uint32_t{b[5]} << 8 | pfr::rah::kAv);
    pf.write(pfr::MPSAR_LO(v + 1), 1u << v);
    uint32_t vmolr = pfr::vmolr::kAupe | pfr::vmolr::kBam;
    if (v == 0 && (flags & engine_setup::kMulticastPromisc)) vmolr |= pfr::vmolr::kMpe;
    pf.write(pfr::VMOLR(v), vmolr);
  }
  if (flags & engine_setup::kSpoofChk) {
    uint32_t spoof = 0;
    for (unsigned v = 0; v < n; ++v) spoof |= pfr::pfvfspoof::mac_bit(v) | pfr::pfvfspoof::vlan_bit(v);
    pf.write(pfr::PFVFSPOOF(0), spoof);
  }
  if (flags & engine_setup::kPortVlan) {
    pf.write(pfr::VMVIR(1), kPortVlan | pfr::vmvir::kVlanaDefault);
    pf.write(pfr::VLVF(0), kPortVlan | pfr::vlvf::kVien);
    pf.write(pfr::VLVFB(0), (2u << n) - 1);
    pf.write(pfr::VFTA(pfr::vfta::reg_index(kPortVlan)), pfr::vfta::bit(kPortVlan));
  }
}

void EngineRig::setup_queues(unsigned vf, uint8_t flags) {
  hal::RegisterIo& b = bar(vf);
  write64(b, vfr::VFTDBAL(0), vfr::VFTDBAH(0), iova(vf) + kTxRing);
  b.write(vfr::VFTDLEN(0), kRing * 16);
  if (flags & engine_setup::kHeadWb) {
    write64(b, vfr::VFTDWBAL(0), vfr::VFTDWBAH(0), (iova(vf) + kHeadWb) | ix::tdwbal::kHeadWbEnable);
  }
  b.write(vfr::VFTXDCTL(0), ix::txdctl::kEnable);
  write64(b, vfr::VFRDBAL(0), vfr::VFRDBAH(0), iova(vf) + kRxRing);
  b.write(vfr::VFRDLEN(0), kRing * 16);
  b.write(vfr::VFSRRCTL(0), static_cast<uint32_t>(kBufSize >> 10) | ix::srrctl::kDescTypeAdvOneBuf);
  b.write(vfr::VFRXDCTL(0), ix::rxdctl::kEnable | ((flags & engine_setup::kStripVlan) ? ix::rxdctl::kVme : 0));
  // Every RX descriptor starts with a buffer of its own; the input decides how many the
  // device may use (RDT) and may point them elsewhere.
  for (unsigned i = 0; i < kRing; ++i) {
    const uint64_t buf = iova(vf) + kRxBuf + (i % kSlots) * kBufSize;
    std::memcpy(host(vf, kRxRing + i * 16), &buf, sizeof buf);
  }
}

uint64_t EngineRig::address(unsigned vf, AddrKind kind, uint16_t off, uint64_t raw) const {
  switch (kind) {
    case AddrKind::kOwnTxBuffer:
      return iova(vf) + kTxBuf + off % (kSlots * kBufSize);
    case AddrKind::kOwnAnywhere:
      return iova(vf) + off % kBlock;
    case AddrKind::kOwnEnd:
      return iova(vf) + kBlock - 1 - off % 64;
    case AddrKind::kOtherVf:
      return iova((vf + 1) % num_vfs_) + kTxBuf + off % (kSlots * kBufSize);
    case AddrKind::kPfCanary:
      return kCanaryIova + off % kCanarySize;
    case AddrKind::kUnmapped:
      return kUnmappedIova + off;
    case AddrKind::kRaw:
      return raw;
    case AddrKind::kOwnRxBuffer:
      return iova(vf) + kRxBuf + off % (kSlots * kBufSize);
  }
  return raw;
}

bool EngineRig::canary_intact() const {
  return std::all_of(canary_.get(), canary_.get() + kCanarySize,
                     [](uint8_t b) { return b == kCanaryByte; });
}

unsigned EngineRig::run_idle() {
  unsigned passes = 0;
  // A pass takes at most 32 frames per queue; a few hundred passes empty any ring here.
  for (; passes < 256; ++passes) {
    tick(1'000'000);
    if (dev_->poll_once() == 0) break;
  }
  return passes;
}

}  // namespace fuzz
