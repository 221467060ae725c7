#pragma once
// The Linux ixgbe PF's mailbox task (ixgbe_msg_task: per VF, reset event, then message, then
// ack) on the simulated 82599, answering as linuxpf::Policy says, with a manual clock and a
// waiter that runs it: the world our VF driver meets under a kernel PF.

#include <functional>
#include <memory>
#include <vector>

#include "hal/clock.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/pci_regs.hpp"
#include "hal/sim/device.hpp"
#include "linux_ixgbe_policy.hpp"
#include "mailbox/pf_mailbox.hpp"

namespace vftest {

class LinuxPfRig {
 public:
  /// `n` VFs enabled as sysfs does, in the pool mode Linux picks for them (32 pools while the
  /// VFs and the PF fit, else 64), PFRSTD set as ixgbe_up_complete sets it.
  explicit LinuxPfRig(unsigned n = 2, uint32_t pf_mtu = 1500,
                      linuxpf::Kernel kernel = linuxpf::Kernel::k6_15)
      : dev(sim::Device82599::create()),
        policy(n, pf_mtu, kernel),
        mbx_(dev->pf().bar0()),
        num_vfs_(n),
        waiter(clock, [this] { step(); }) {
    namespace pfr = hal::ixgbe::pf;
    namespace sr = hal::pci::sriov;
    hal::RegisterIo& bar = dev->pf().bar0();
    bar.write(pfr::GCR_EXT, policy.queues_per_pool() == 4 ? pfr::gcr_ext::kVtMode32
                                                           : pfr::gcr_ext::kVtMode64);
    for (unsigned i = 0; i < 4; ++i) bar.write(pfr::MBVFIMR(i), 0xFFFFFFFFu);
    hal::ConfigSpace& cfg = dev->pf().config();
    const uint16_t cap = cfg.find_ext_capability(hal::pci::kExtCapIdSriov);
    cfg.write16(cap + sr::kCtrl, sr::kCtrlAri);
    cfg.write16(cap + sr::kNumVfs, static_cast<uint16_t>(n));
    cfg.write16(cap + sr::kCtrl, sr::kCtrlAri | sr::kCtrlVfe | sr::kCtrlMse);
    bar.write(pfr::CTRL_EXT, pfr::ctrl_ext::kPfrstd);
  }

  hal::PciFunction& fn(unsigned i) { return *dev->vf(hal::VfId{i}).value(); }

  /// One pass of ixgbe_msg_task over every VF.
  void step() {
    ++steps;
    const mbx::PendingEvents p = mbx_.pending(num_vfs_);
    for (unsigned i = 0; i < num_vfs_; ++i) {
      const hal::VfId vf{i};
      if ((p.flr >> i) & 1 && mbx_.check_for_rst(vf)) policy.on_flr(vf);
      if ((p.req >> i) & 1 && mbx_.check_for_msg(vf)) {
        auto msg = mbx_.read(vf);
        if (msg) {
          received.push_back(*msg);
          if (auto reply = policy.answer(vf, *msg)) send(vf, *reply);
        }
      }
      if ((p.ack >> i) & 1 && mbx_.check_for_ack(vf)) {
        if (auto nack = policy.on_ack(vf)) send(vf, *nack);
      }
    }
  }

  /// `ip link set PF vf N trust on|off`: CTS cleared and a ping without CTS, as Linux does.
  void set_trust(hal::VfId vf, bool on) {
    if (policy.set_trust(vf, on)) send(vf, policy.ping(vf));
  }

  /// `ip link set PF vf N state disable|enable` (ixgbe_set_vf_link_state): link_enable and
  /// VFRE/VFTE follow, CTS cleared, a ping without CTS.
  void set_link_enable(hal::VfId vf, bool on) {
    policy.vf(vf).link_enable = on;
    if (!on) policy.vf(vf).vfre = false;
    policy.vf(vf).clear_to_send = false;
    send(vf, policy.ping(vf));
  }

  /// Ids of the requests received since index `from`.
  std::vector<mbx::MsgId> ids_since(size_t from) const {
    std::vector<mbx::MsgId> out;
    for (size_t i = from; i < received.size(); ++i) {
      out.push_back(static_cast<mbx::MsgId>(received[i].id()));
    }
    return out;
  }
  size_t count(mbx::MsgId id) const {
    size_t n = 0;
    for (const mbx::Message& m : received) n += m.id() == static_cast<uint16_t>(id);
    return n;
  }

  hal::ManualClock clock;
  std::unique_ptr<sim::Device82599> dev;
  linuxpf::Policy policy;
  std::vector<mbx::Message> received;  ///< every request read, in order
  std::vector<mbx::Message> sent;      ///< every message written, in order
  uint64_t steps = 0;

 private:
  void send(hal::VfId vf, const mbx::Message& m) {
    sent.push_back(m);
    (void)mbx_.write(vf, m.words());
  }

  mbx::PfMailbox mbx_;
  unsigned num_vfs_;

 public:
  hal::SteppingWaiter waiter;
};

}  // namespace vftest
