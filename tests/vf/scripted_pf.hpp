#pragma once
// A PF written out message by message on the simulated 82599, for the VF driver's tests of
// behaviour a well-behaved PF driver never shows (wrong reply ids, pings ahead of replies, a PF
// stuck in reset, odd GET_QUEUES answers). It speaks through mbx::PfMailbox on the PF's BAR0,
// as a real PF would. Tests that need real PF policy use pf::PfDriver instead.

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/pci_regs.hpp"
#include "hal/sim/device.hpp"
#include "mailbox/codec.hpp"
#include "mailbox/pf_mailbox.hpp"

namespace vftest {

namespace pfr = hal::ixgbe::pf;

/// Enables `n` VFs as sysfs does (NumVFs, then VF Enable | VF MSE with ARI) and puts the PF in
/// 64-pool mode with mailbox interrupts on. Sets PFRSTD only if `pf_ready`.
inline std::unique_ptr<sim::Device82599> make_device(unsigned n, bool pf_ready = true) {
  auto dev = sim::Device82599::create();
  hal::RegisterIo& bar = dev->pf().bar0();
  bar.write(pfr::GCR_EXT, pfr::gcr_ext::kVtMode64);
  for (unsigned i = 0; i < 4; ++i) bar.write(pfr::MBVFIMR(i), 0xFFFFFFFFu);
  hal::ConfigSpace& cfg = dev->pf().config();
  const uint16_t cap = cfg.find_ext_capability(hal::pci::kExtCapIdSriov);
  namespace sr = hal::pci::sriov;
  cfg.write16(cap + sr::kCtrl, sr::kCtrlAri);
  cfg.write16(cap + sr::kNumVfs, static_cast<uint16_t>(n));
  cfg.write16(cap + sr::kCtrl, sr::kCtrlAri | sr::kCtrlVfe | sr::kCtrlMse);
  if (pf_ready) bar.write(pfr::CTRL_EXT, pfr::ctrl_ext::kPfrstd);
  return dev;
}

/// A minimal Linux-like PF: VF_RESET sets clear-to-send and answers NACK (or ACK with an admin
/// MAC); before that every request gets a 1-word NACK without CTS; API 1.0-1.4 accepted;
/// GET_QUEUES answers `queues`; everything else ACK|CTS. `handler` can override any reply:
/// return a message to send it, std::nullopt to stay silent.
class ScriptedPf {
 public:
  using Handler = std::function<std::optional<mbx::Message>(hal::VfId, const mbx::Message&)>;

  explicit ScriptedPf(sim::Device82599& dev, unsigned num_vfs)
      : mbx_(dev.pf().bar0()), num_vfs_(num_vfs) {}

  /// One pass of the PF's message task, as a SteppingWaiter step.
  void step() {
    if (!answering) return;
    const mbx::PendingEvents p = mbx_.pending(num_vfs_);
    for (unsigned i = 0; i < num_vfs_; ++i) {
      const hal::VfId vf{i};
      if ((p.flr >> i) & 1) {
        mbx_.check_for_rst(vf);
        cts[i] = false;
      }
      if ((p.req >> i) & 1 && mbx_.check_for_msg(vf)) handle(vf);
      if ((p.ack >> i) & 1) mbx_.check_for_ack(vf);
    }
  }

  /// Sends PF_CONTROL_MSG to `vf`; without CTS it first forgets the VF, as Linux does.
  void ping(hal::VfId vf, bool with_cts) {
    if (!with_cts) cts[vf.value()] = false;
    const mbx::Message m = mbx::PfControlMsg{with_cts}.encode();
    (void)mbx_.write(vf, m.words());
  }

  /// The default answer to `req` (what the handler falls back to).
  std::optional<mbx::Message> default_reply(hal::VfId vf, const mbx::Message& req) {
    const unsigned i = vf.value();
    const auto id = static_cast<mbx::MsgId>(req.id());
    if (id == mbx::MsgId::kReset) {
      cts[i] = true;
      return mbx::ResetReply{admin_mac[i].has_value(), admin_mac[i].value_or(hal::MacAddr{}), 0}
          .encode();
    }
    if (!cts[i]) return mbx::Message::from(std::array{mbx::reply_word0(req.w[0], false, false)});
    mbx::Message reply = req;
    reply.size = 1;
    switch (id) {
      case mbx::MsgId::kApiNegotiate: {
        const bool ok = req.w[1] <= static_cast<uint32_t>(max_api) &&
                        req.w[1] != static_cast<uint32_t>(mbx::Api::k20);
        reply.w[0] = mbx::reply_word0(req.w[0], ok, true);
        return reply;
      }
      case mbx::MsgId::kGetQueues:
        return mbx::GetQueuesReply{queues, queues, 0, default_queue}.encode(true, true);
      case mbx::MsgId::kUpdateXcastMode:
        return mbx::ValueReply{id, req.w[1]}.encode(true, true);
      case mbx::MsgId::kGetLinkState:
        return mbx::ValueReply{id, 1}.encode(true, true);
      default:
        reply.w[0] = mbx::reply_word0(req.w[0], true, true);
        return reply;
    }
  }

  bool answering = true;           ///< false: the PF's message task never runs
  mbx::Api max_api = mbx::Api::k14;
  uint32_t queues = 2;
  uint32_t default_queue = 0;
  std::array<bool, 64> cts{};
  std::array<std::optional<hal::MacAddr>, 64> admin_mac{};
  Handler handler;                 ///< overrides default_reply when set
  std::vector<mbx::Message> received;  ///< every request read, in order

 private:
  void handle(hal::VfId vf) {
    auto msg = mbx_.read(vf);
    if (!msg) return;
    received.push_back(*msg);
    auto reply = handler ? handler(vf, *msg) : default_reply(vf, *msg);
    if (reply) (void)mbx_.write(vf, reply->words());
  }

  mbx::PfMailbox mbx_;
  unsigned num_vfs_;
};

/// Ids of the requests `pf` received, for sequence checks.
inline std::vector<mbx::MsgId> ids(const std::vector<mbx::Message>& msgs) {
  std::vector<mbx::MsgId> out;
  for (const mbx::Message& m : msgs) out.push_back(static_cast<mbx::MsgId>(m.id()));
  return out;
}

}  // namespace vftest
