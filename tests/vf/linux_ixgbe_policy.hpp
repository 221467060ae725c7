#pragma once
// What the Linux ixgbe PF driver answers a VF on an 82599, request by request, written from
// drivers/net/ethernet/intel/ixgbe/ixgbe_sriov.c (torvalds/linux, read at c215dae and the
// Kingxukai 2025 mirror; IPsec from ixgbe_ipsec.c) as facts, not as a port of its code. Pure:
// no device, no mailbox. tests/vf drives our VF driver against it (linux_pf_rig.hpp) and
// tests/pf checks our simulated PF gives the same reply words (linux_policy_test.cpp).
//
// Each reply carries the words a VF reads: the Linux PF writes the whole 16-word buffer for
// ordinary replies (its copy of the request with the reply bits and the handler's results), 4
// words for VF_RESET and 1 word for early NACKs and pings. `size` here is the part a VF reads
// (the request's length, or the reply's fixed length when longer); the rest of the buffer is
// the request's own tail in both implementations.

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>

#include "hal/types.hpp"
#include "mailbox/codec.hpp"
#include "mailbox/message.hpp"

namespace linuxpf {

/// Which Linux: the API list grew with the E610 (1.6 in 6.16) and FEATURES_NEGOTIATE (1.7 in
/// 6.17). Neither changes what an 82599 VF that stops at 1.4 sees.
enum class Kernel { k6_15, k6_17 };

/// Per-VF state of the Linux PF (struct vf_data_storage, the fields the replies depend on).
struct VfInfo {
  hal::MacAddr mac;            ///< vf_mac_addresses
  bool pf_set_mac = false;     ///< the MAC was set by `ip link set PF vf N mac ...`
  bool trusted = false;        ///< off at SR-IOV enable
  bool rss_query = false;      ///< off at SR-IOV enable; settable on 82599/X540 only
  bool link_enable = true;     ///< on at SR-IOV enable
  bool clear_to_send = false;  ///< false until the VF's VF_RESET
  uint16_t pf_vlan = 0;        ///< port VLAN
  mbx::Api api = mbx::Api::k10;
  mbx::XcastMode xcast = mbx::XcastMode::kNone;
  bool vfre = false;           ///< the VF's VFRE bit as the PF last wrote it
};

/// Linux errno values as they land in a reply word (IPSEC_ADD puts the error in word 1).
inline constexpr uint32_t kEaccesWord = static_cast<uint32_t>(-13);

class Policy {
 public:
  Policy(unsigned num_vfs, uint32_t pf_mtu = 1500, Kernel kernel = Kernel::k6_15)
      : num_vfs_(num_vfs), pf_mtu_(pf_mtu), kernel_(kernel) {}

  VfInfo& vf(hal::VfId v) { return vfs_.at(v.value()); }

  /// Queues per pool an 82599 PF gives each VF without DCB (ixgbe_lib.c
  /// ixgbe_set_sriov_queues): 4 while the VFs and the PF's own pool fit 32 pools, else 2.
  uint32_t queues_per_pool() const { return num_vfs_ + 1 > 32 ? 2 : 4; }

  /// ixgbe_ndo_set_vf_mac with a valid MAC: stored, marked admin-set; used at the next reset.
  void set_admin_mac(hal::VfId v, hal::MacAddr m) {
    vf(v).mac = m;
    vf(v).pf_set_mac = true;
  }
  /// ixgbe_ndo_set_vf_trust: a change clears CTS (the caller pings without CTS).
  bool set_trust(hal::VfId v, bool on) {
    if (vf(v).trusted == on) return false;
    vf(v).trusted = on;
    vf(v).clear_to_send = false;
    return true;
  }

  /// A VF FLR seen in VFLRE (ixgbe_vf_reset_event): API back to 1.0. CTS is left alone.
  void on_flr(hal::VfId v) { vf(v).api = mbx::Api::k10; }

  /// ixgbe_rcv_ack_from_vf: a VF that is not clear to send acked a PF message; the PF answers
  /// with a bare 1-word NACK (id 0).
  std::optional<mbx::Message> on_ack(hal::VfId v) const {
    if (vfs_.at(v.value()).clear_to_send) return std::nullopt;
    return mbx::Message::from(std::array{mbx::word0::kNack});
  }

  /// PF_CONTROL_MSG as ixgbe_ping_vf writes it: CTS iff the VF is clear to send.
  mbx::Message ping(hal::VfId v) const {
    uint32_t w = static_cast<uint32_t>(mbx::MsgId::kPfControlMsg);
    if (vfs_.at(v.value()).clear_to_send) w |= mbx::word0::kCts;
    return mbx::Message::from(std::array{w});
  }

  /// ixgbe_rcv_msg_from_vf: the reply to `req`, or nothing for a buffer that already carries
  /// ACK or NACK ("a message we already processed").
  std::optional<mbx::Message> answer(hal::VfId v, const mbx::Message& req) {
    if (req.w[0] & mbx::word0::kReplyMask) return std::nullopt;
    // Word 0 compared whole: a VF_RESET with MSGINFO bits is not a VF_RESET.
    if (req.w[0] == static_cast<uint32_t>(mbx::MsgId::kReset)) return reset(v);
    if (!vf(v).clear_to_send) {
      return mbx::Message::from(std::array{req.w[0] | mbx::word0::kNack});
    }
    mbx::Message out = req;
    const bool ok = handle(v, out);
    out.w[0] = req.w[0] | (ok ? mbx::word0::kAck : mbx::word0::kNack) | mbx::word0::kCts;
    out.size = static_cast<uint8_t>(
        std::max<size_t>({size_t{1}, req.size, ok ? mbx::reply_words(req.id()) : 0}));
    return out;
  }

 private:
  // ixgbe_vf_reset_msg: clean, re-enable, CTS; ACK with the MAC only for an admin MAC.
  mbx::Message reset(hal::VfId v) {
    VfInfo& s = vf(v);
    s.api = mbx::Api::k10;
    s.clear_to_send = true;
    s.vfre = s.link_enable && !pf_jumbo();  // ixgbe_set_vf_rx_tx, 82599 jumbo rule
    const bool ack = s.pf_set_mac && s.mac.is_valid_unicast();
    mbx::Message m;
    m.size = 4;
    m.w[0] = static_cast<uint32_t>(mbx::MsgId::kReset) |
             (ack ? mbx::word0::kAck : mbx::word0::kNack);
    if (ack) mbx::put_mac(m.w, 1, s.mac);
    m.w[3] = 0;  // hw->mac.mc_filter_type: 0 on the 82599
    return m;
  }

  bool pf_jumbo() const { return pf_mtu_ + 14 > 1514; }  // dev->mtu + ETH_HLEN > ETH_FRAME_LEN

  static bool api_in(mbx::Api a, std::initializer_list<mbx::Api> list) {
    return std::find(list.begin(), list.end(), a) != list.end();
  }

  bool handle(hal::VfId v, mbx::Message& m) {
    using mbx::Api;
    using mbx::MsgId;
    VfInfo& s = vf(v);
    switch (static_cast<MsgId>(m.id())) {
      case MsgId::kSetMacAddr: {
        const hal::MacAddr mac = mbx::get_mac(m.w, 1);
        if (!mac.is_valid_unicast()) return false;
        if (s.pf_set_mac && !s.trusted && mac != s.mac) return false;
        s.mac = mac;
        return true;
      }
      case MsgId::kSetMulticast:
        return true;  // at most 30 hashes kept, never refused
      case MsgId::kSetVlan: {
        if (s.pf_vlan != 0) return false;
        return true;  // VLVF room assumed; removing VID 0 is ACKed and ignored
      }
      case MsgId::kSetLpe: {
        const uint32_t frame = m.w[1];
        if (frame < 68 || frame > 9728) return false;  // VFRE untouched
        // 82599: an API >= 1.1 VF takes any frame while the PF runs jumbo; otherwise the VF
        // frame must be standard. A refusal turns the VF's receive off.
        const bool modern = api_in(s.api, {Api::k11, Api::k12, Api::k13, Api::k14}) ||
                            (kernel_ == Kernel::k6_17 && api_in(s.api, {Api::k16, Api::k17}));
        const bool ok = (modern && pf_jumbo()) || (!pf_jumbo() && frame <= 1518);
        s.vfre = ok;
        return ok;
      }
      case MsgId::kSetMacvlan: {
        const uint8_t index = m.msginfo();
        if (s.pf_set_mac && !s.trusted && index > 0) return false;
        if (index > 0 && !mbx::get_mac(m.w, 1).is_valid_unicast()) return false;
        return true;  // spare RAR entries assumed
      }
      case MsgId::kApiNegotiate: {
        const auto a = static_cast<Api>(m.w[1]);
        const bool ok = api_in(a, {Api::k10, Api::k11, Api::k12, Api::k13, Api::k14}) ||
                        (kernel_ == Kernel::k6_17 && api_in(a, {Api::k16, Api::k17}));
        if (ok) s.api = a;
        return ok;
      }
      case MsgId::kGetQueues:
        if (!api_in(s.api, {Api::k20, Api::k11, Api::k12, Api::k13, Api::k14})) return false;
        m.w[1] = queues_per_pool();
        m.w[2] = queues_per_pool();
        m.w[3] = s.pf_vlan != 0 ? 1 : 0;  // no DCB: 1 under a port VLAN
        m.w[4] = 0;                       // default TC
        return true;
      case MsgId::kGetReta:
      case MsgId::kGetRssKey:
        // rss_query_enabled is checked first (-EPERM), then the API (-EOPNOTSUPP).
        if (!s.rss_query) return false;
        if (!api_in(s.api, {Api::k12, Api::k13, Api::k14})) return false;
        return true;  // table contents are the PF's RSS setup; not modelled
      case MsgId::kUpdateXcastMode: {
        int mode = static_cast<int>(m.w[1]);
        if (s.api == Api::k12) {
          if (mode == 3) return false;  // PROMISC came with 1.3
        } else if (!api_in(s.api, {Api::k13, Api::k14})) {
          return false;
        }
        // Untrusted: anything above MULTI becomes MULTI, silently, before the mode is checked.
        if (mode > 1 && !s.trusted) mode = 1;
        if (static_cast<int>(s.xcast) != mode) {
          if (mode < 0 || mode > 3) return false;
          if (mode == 3) return false;  // PROMISC: mac.type <= 82599EB gets -EOPNOTSUPP
          s.xcast = static_cast<mbx::XcastMode>(mode);
        }
        m.w[1] = static_cast<uint32_t>(mode);
        return true;
      }
      case MsgId::kGetLinkState:
        if (!api_in(s.api, {Api::k12, Api::k13, Api::k14})) return false;
        m.w[1] = s.link_enable ? 1 : 0;
        return true;
      case MsgId::kIpsecAdd:
        // Trusted VF and the PF's "vf-ipsec" private flag (off by default) both needed.
        m.w[1] = kEaccesWord;
        return false;
      case MsgId::kIpsecDel:
        // Untrusted: -EPERM. Trusted: an SA handle below 2 x 1024 that is not in use is
        // ACKed (nothing to delete), anything above is -EINVAL.
        return s.trusted && m.w[1] < 2048;
      default:
        // "Unhandled Msg" (-EIO). GET_PF_LINK_STATE answers only on an E610; the 6.17
        // FEATURES_NEGOTIATE (API 1.7 only) is not modelled: no 82599 VF of ours sends it.
        return false;
    }
  }

  unsigned num_vfs_;
  uint32_t pf_mtu_;
  Kernel kernel_;
  std::array<VfInfo, 64> vfs_{};
};

}  // namespace linuxpf
