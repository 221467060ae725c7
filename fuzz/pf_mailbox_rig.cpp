#include "hal/ixgbe/regs_pf.hpp"
#include "fuzz/pf_mailbox_rig.hpp"

#include <chrono>

#include "fuzz/fuzz_check.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/pci_regs.hpp"

namespace fuzz {
namespace {
namespace vreg = hal::ixgbe::vf;
namespace vmb = hal::ixgbe::vf::vfmailbox;

pf::PfOptions options(uint8_t flags) {
  pf::PfOptions o;
  o.mac = hal::MacAddr({0x02, 0x00, 0x00, 0x00, 0x00, 0x01});
  o.mtu = (flags & setup::kJumboPf) ? 9000 : 1500;
  o.event_capacity = PfMailboxRig::kEventCapacity;
  // A shallow bucket and a short run to disable: an input reaches every state of the flood
  // guard within a few hundred records (time moves only as records say).
  o.mailbox_flood = pf::MailboxFloodPolicy::recommended();
  o.mailbox_flood.burst = 8;
  o.mailbox_flood.disable_after = std::chrono::seconds(2);
  return o;
}

sim::DeviceConfig device_config(hal::Clock& clock) {
  sim::DeviceConfig c;
  c.clock = &clock;
  return c;
}

template <typename T>
void require(const std::expected<T, pf::Refusal>& r, const char* what) {
  if (!r) fail("rig setup: {} refused: {}", what, r.error().reason);
}

}  // namespace

bool RawVf::take_lock() {
  fn_.bar0().write(vreg::VFMAILBOX, vmb::kVfu);
  return (mailbox() & vmb::kVfu) != 0;
}

void RawVf::post(std::span<const uint32_t> words, bool keep_lock) {
  for (size_t i = 0; i < words.size() && i < vreg::kMbxWords; ++i) {
    fn_.bar0().write(vreg::VFMBMEM(static_cast<unsigned>(i)), words[i]);
  }
  // REQ alone releases VFU (the write leaves VFU clear); with VFU the VF keeps the buffer.
  fn_.bar0().write(vreg::VFMAILBOX, vmb::kReq | (keep_lock ? vmb::kVfu : 0));
}

void RawVf::release() { fn_.bar0().write(vreg::VFMAILBOX, 0); }

std::optional<mbx::Message> RawVf::read_reply() {
  if ((mailbox() & vmb::kPfsts) == 0) return std::nullopt;
  if (!take_lock()) return std::nullopt;
  mbx::Message m;
  m.size = mbx::kMaxWords;
  for (unsigned i = 0; i < mbx::kMaxWords; ++i) m.w[i] = fn_.bar0().read(vreg::VFMBMEM(i));
  fn_.bar0().write(vreg::VFMAILBOX, vmb::kAck);
  return m;
}

void RawVf::flr() {
  hal::ConfigSpace& cfg = fn_.config();
  const uint8_t exp = cfg.find_capability(hal::pci::kCapIdExp);
  if (exp == 0) fail("VF has no PCIe capability");
  const uint16_t at = static_cast<uint16_t>(exp + hal::pci::kExpDevCtl);
  cfg.write16(at, static_cast<uint16_t>(cfg.read16(at) | hal::pci::kExpDevCtlBcrFlr));
}

uint32_t RawVf::mailbox() { return fn_.bar0().read(vreg::VFMAILBOX); }

PfMailboxRig::PfMailboxRig(uint8_t flags)
    : dev_(sim::Device82599::create(device_config(clock_))),
      waiter_(clock_, {}),
      pf_(dev_->pf(), clock_, waiter_, options(flags)),
      num_vfs_((flags & setup::kManyVfs) ? kManyVfs : kFewVfs),
      policy_(options(flags).mailbox_flood) {
  require(pf_.init(), "init");
  require(pf_.set_num_vfs(num_vfs_), "set_num_vfs");
  for (unsigned v = 0; v < num_vfs_; ++v) {
    auto fn = dev_->vf(hal::VfId(v));
    if (!fn) fail("VF {} missing after set_num_vfs", v);
    vfs_[v] = std::make_unique<RawVf>(**fn);
  }
  if (flags & setup::kAdminMacVf1) {
    require(pf_.set_vf_mac(hal::VfId(1), hal::MacAddr({0x02, 0x11, 0x22, 0x33, 0x44, 0x01})),
            "set_vf_mac");
  }
  if (flags & setup::kPortVlanVf2) require(pf_.set_vf_vlan(hal::VfId(2), 100, 3), "set_vf_vlan");
  if (flags & setup::kTrustVf0) require(pf_.set_vf_trust(hal::VfId(0), true), "set_vf_trust");
  if (flags & setup::kLinkOffVf3) {
    require(pf_.set_vf_link_state(hal::VfId(3), pf::LinkState::kDisable), "set_vf_link_state");
  }
  if (flags & setup::kRssQueryVf0) require(pf_.set_vf_rss_query(hal::VfId(0), true), "rss_query");
  if (flags & setup::kSpoofOffVf2) require(pf_.set_vf_spoofchk(hal::VfId(2), false), "spoofchk");
  settle();
}

void PfMailboxRig::settle() {
  // Bounded: a pass that keeps finding work 64 times in a row is itself a finding.
  for (int i = 0; i < 64; ++i) {
    clock_.advance(std::chrono::milliseconds(1));
    if (pf_.service_once() == 0) return;
  }
  fail("the PF's service never went idle");
}

bool PfMailboxRig::request_pending(unsigned vf) {
  namespace pfr = hal::ixgbe::pf;
  const uint32_t icr = dev_->pf().bar0().read(pfr::MBVFICR(vf / 16));  // 16 VFs per register
  return (icr & pfr::mbvficr::req_bit(vf)) != 0;
}

}  // namespace fuzz
