#pragma once
// Test rig for the PF driver: a simulated 82599, the PF driver on its PF function, and VFs
// played by raw mbx::VfMailbox on the VF functions. Everything runs on the test's thread: a
// VF waiting for a reply steps the PF's service through a SteppingWaiter on a ManualClock.

#include <catch2/catch.hpp>

#include <initializer_list>
#include <memory>
#include <optional>

#include "hal/clock.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/device.hpp"
#include "mailbox/codec.hpp"
#include "mailbox/vf_mailbox.hpp"
#include "pf_driver/pf_driver.hpp"

namespace pftest {

inline const hal::MacAddr kPfMac({0x02, 0x00, 0x00, 0x00, 0x00, 0x01});
/// A locally administered unicast MAC ending in `last`.
inline hal::MacAddr mac(uint8_t last) { return hal::MacAddr({0x02, 0x11, 0x22, 0x33, 0x44, last}); }

pf::PfOptions options(uint32_t mtu = 1500, size_t events = 4096);

/// The first RAR entry a macvlan may take: the ones below are kept for host MACs
/// (PfOptions::host_mac_entries, default 15).
inline const unsigned kFirstMacvlan = 1 + pf::PfOptions{}.host_mac_entries;

/// Word 0 of a reply to `id` (MSGINFO 0).
constexpr uint32_t ack_cts(mbx::MsgId id) {
  return static_cast<uint32_t>(id) | mbx::word0::kAck | mbx::word0::kCts;
}
constexpr uint32_t nack_cts(mbx::MsgId id) {
  return static_cast<uint32_t>(id) | mbx::word0::kNack | mbx::word0::kCts;
}
constexpr uint32_t nack_no_cts(mbx::MsgId id) {
  return static_cast<uint32_t>(id) | mbx::word0::kNack;
}

struct Rig {
  explicit Rig(pf::PfOptions opts = options());

  hal::ManualClock clock;
  std::unique_ptr<sim::Device82599> dev;
  hal::SteppingWaiter pf_waiter;  // the PF's own hardware waits: time passes, nothing else runs
  pf::PfDriver pf;

  hal::RegisterIo& bar() { return dev->pf().bar0(); }
  uint32_t rd(hal::Reg32 r) { return bar().read(r); }
  /// init() and set_num_vfs(n), both required to succeed.
  void up(unsigned num_vfs);
  /// QDE bits of absolute queue `q` through the indirect READ.
  uint32_t qde(unsigned q);
  /// RTTBCNRC of absolute TX queue `q` through RTTDQSEL.
  uint32_t rttbcnrc(unsigned q);
  /// Whether a valid VLVF entry for `vid` includes `pool`.
  bool vlan_has(uint16_t vid, unsigned pool);
  /// Whether VFTA has `vid`.
  bool vfta_has(uint16_t vid);
  /// Whether RAR `i` is valid with `m` and maps to `pool` only.
  bool rar_is(unsigned i, const hal::MacAddr& m, unsigned pool);
  /// How many valid RAR entries hold `m`, whatever their pools.
  unsigned rar_count(const hal::MacAddr& m);
  bool rar_valid(unsigned i) { return (rd(hal::ixgbe::pf::RAH(i)) & hal::ixgbe::pf::rah::kAv) != 0; }
  bool pool_bit(hal::Reg32 (*r)(unsigned), unsigned pool) {
    return (rd(r(pool / 32)) >> (pool % 32)) & 1u;
  }
  size_t count(pf::EventCode code) { return pf.events().count(code); }
};

/// A VF driver reduced to its mailbox: sends requests and reads replies.
class Vf {
 public:
  Vf(Rig& rig, unsigned id);
  Vf(const Vf&) = delete;
  Vf& operator=(const Vf&) = delete;

  hal::VfId id() const { return id_; }
  hal::PciFunction& fn() { return *fn_; }
  mbx::VfMailbox& mbx() { return mbx_; }

  /// One request/reply exchange; the exchange itself must succeed (the reply may be a NACK).
  mbx::Message send(const mbx::Message& req, size_t reply_words = mbx::kMaxWords);
  mbx::Message send_words(std::initializer_list<uint32_t> words,
                          size_t reply_words = mbx::kMaxWords);
  /// VF_RESET; returns the decoded reply.
  mbx::ResetReply reset();
  /// API_NEGOTIATE that must be ACKed.
  void negotiate(mbx::Api api);
  /// reset() then negotiate(api).
  void ready(mbx::Api api = mbx::Api::k13);
  /// Lets the PF run one pass, then reads a pending PF message if there is one.
  std::optional<mbx::Message> poll(size_t n = 1);
  /// Function-level reset through the VF's PCIe Device Control register.
  void flr();

 private:
  Rig& rig_;
  hal::VfId id_;
  hal::PciFunction* fn_;
  hal::SteppingWaiter waiter_;
  mbx::VfMailbox mbx_;
};

}  // namespace pftest
