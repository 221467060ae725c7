#include "harness/soak/op_picker.hpp"

#include <fmt/format.h>

namespace harness::soak {

std::string_view to_string(OpKind k) {
  switch (k) {
    case OpKind::kMac: return "mac";
    case OpKind::kVlan: return "vlan";
    case OpKind::kSpoofchk: return "spoofchk";
    case OpKind::kTrust: return "trust";
    case OpKind::kLinkState: return "link-state";
    case OpKind::kRate: return "rate";
    case OpKind::kBadAdmin: return "bad-admin";
    case OpKind::kPfReset: return "pf-reset";
    case OpKind::kHostFlr: return "host-flr";
    case OpKind::kGuestReset: return "guest-reset";
    case OpKind::kTrafficOnly: return "traffic";
  }
  return "?";
}

std::string_view to_string(BadAdmin b) {
  switch (b) {
    case BadAdmin::kMulticastMac: return "multicast-mac";
    case BadAdmin::kOtherVfsMac: return "other-vfs-mac";
    case BadAdmin::kVlanTooBig: return "vlan-4096";
    case BadAdmin::kQosTooBig: return "qos-8";
    case BadAdmin::kRateTooLow: return "rate-too-low";
    case BadAdmin::kRateTooHigh: return "rate-too-high";
    case BadAdmin::kNoSuchVf: return "no-such-vf";
  }
  return "?";
}

std::string describe(const Op& op) {
  const std::string head = fmt::format("{} vf {}", to_string(op.kind), op.vf);
  switch (op.kind) {
    case OpKind::kMac:
      return op.mac.is_zero() ? head + " clear" : fmt::format("{} {}", head, op.mac.to_string());
    case OpKind::kVlan: return fmt::format("{} vid {} qos {}", head, op.vlan, op.qos);
    case OpKind::kSpoofchk:
    case OpKind::kTrust: return fmt::format("{} {}", head, op.on ? "on" : "off");
    case OpKind::kLinkState: return fmt::format("{} {}", head, pf::to_string(op.link));
    case OpKind::kRate: return fmt::format("{} {} Mb/s", head, op.mbps);
    case OpKind::kBadAdmin: return fmt::format("{} {}", head, to_string(op.bad));
    case OpKind::kPfReset: return std::string(to_string(op.kind));
    case OpKind::kHostFlr:
    case OpKind::kGuestReset:
    case OpKind::kTrafficOnly: return head;
  }
  return head;
}

OpPicker::OpPicker(uint64_t seed, unsigned num_vfs) : rng_(seed), num_vfs_(num_vfs) {
  for (uint32_t w : kWeights) total_weight_ += w;
}

hal::MacAddr OpPicker::random_mac() {
  // Locally administered unicast under a prefix of the soak's own (0a:50), so an admin MAC
  // never equals a guest's random one by accident.
  const uint64_t r = rng_.next();
  return hal::MacAddr({0x0a, 0x50, static_cast<uint8_t>(r), static_cast<uint8_t>(r >> 8),
                       static_cast<uint8_t>(r >> 16), static_cast<uint8_t>(r >> 24)});
}

Op OpPicker::next(std::span<const VfIntent> intents) {
  Op op;
  uint32_t pick = rng_.below(total_weight_);
  size_t k = 0;
  while (pick >= kWeights[k]) pick -= kWeights[k++];
  op.kind = static_cast<OpKind>(k);
  op.vf = rng_.below(num_vfs_);
  switch (op.kind) {
    case OpKind::kMac:
      // One in four clears the admin MAC: the VF then keeps the one it runs with.
      op.mac = rng_.chance(1, 4) ? hal::MacAddr() : random_mac();
      break;
    case OpKind::kVlan:
      // Half clear the port VLAN; a VLAN of 0 with a priority is allowed (802.1p only).
      if (rng_.chance(1, 2)) {
        op.vlan = static_cast<uint16_t>(rng_.below(kMaxSoakVlan + 1));
        op.qos = static_cast<uint8_t>(rng_.below(8));
      }
      break;
    case OpKind::kSpoofchk:
    case OpKind::kTrust: op.on = rng_.chance(1, 2); break;
    case OpKind::kLinkState: {
      // Disable one time in four: a disabled VF sends nothing through, and the soak wants
      // traffic between most of them most of the time.
      const uint32_t r = rng_.below(8);
      op.link = r < 2 ? pf::LinkState::kDisable : r < 5 ? pf::LinkState::kAuto : pf::LinkState::kEnable;
      break;
    }
    case OpKind::kRate: op.mbps = kRates[rng_.below(kRates.size())]; break;
    case OpKind::kBadAdmin: {
      op.bad = static_cast<BadAdmin>(rng_.below(kNumBadAdmin));
      if (op.bad == BadAdmin::kMulticastMac) {
        op.mac = random_mac();
        auto b = op.mac.bytes();
        b[0] |= 0x01;
        op.mac = hal::MacAddr(b);
      } else if (op.bad == BadAdmin::kOtherVfsMac) {
        // Another VF's admin MAC, searched from a random start; none: a multicast one instead.
        op.bad = BadAdmin::kMulticastMac;
        op.mac = hal::MacAddr({0x01, 0x00, 0x5e, 0x00, 0x00, 0x01});
        const unsigned start = rng_.below(num_vfs_);
        for (unsigned i = 0; i < intents.size(); ++i) {
          const unsigned j = (start + i) % static_cast<unsigned>(intents.size());
          if (j != op.vf && intents[j].mac) {
            op.bad = BadAdmin::kOtherVfsMac;
            op.mac = *intents[j].mac;
            break;
          }
        }
      } else if (op.bad == BadAdmin::kRateTooLow) {
        op.mbps = 1 + rng_.below(10);
      } else if (op.bad == BadAdmin::kRateTooHigh) {
        op.mbps = 10001 + rng_.below(100000);
      } else if (op.bad == BadAdmin::kNoSuchVf) {
        op.vf = num_vfs_ + rng_.below(64);
      }
      break;
    }
    case OpKind::kPfReset:
      op.vf = 0;
      break;
    case OpKind::kHostFlr:
    case OpKind::kGuestReset:
    case OpKind::kTrafficOnly: break;
  }
  // 0.1 to 5 ms of simulated time: short slices pile faults onto unfinished recoveries, long
  // ones let traffic run between them.
  op.steps = 1 + rng_.below(50);
  op.phase = static_cast<uint8_t>(rng_.below(3));
  return op;
}

}  // namespace harness::soak
