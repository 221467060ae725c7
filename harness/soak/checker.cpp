#include "harness/soak/checker.hpp"

#include <fmt/format.h>

namespace harness::soak {
namespace {

void check_vf(unsigned vf, const VfSnapshot& v, std::vector<std::string>& out) {
  if (!v.info.exists) {
    out.push_back(fmt::format("vf {}: the PF does not know it", vf));
    return;
  }
  if (auto why = check_admin(v.intent, v.info)) out.push_back(fmt::format("vf {}: {}", vf, *why));
  if (auto why = check_regs(v.intent, v.regs)) out.push_back(fmt::format("vf {}: registers: {}", vf, *why));
  if (!v.guest_up) out.push_back(fmt::format("vf {}: guest not up ({})", vf, v.guest_state));
  if (v.guest_up && !v.queues_live) {
    out.push_back(fmt::format("vf {}: guest up but its queues are not set up", vf));
  }
  if (v.guest_up && !v.info.clear_to_send) {
    out.push_back(fmt::format("vf {}: guest up but the PF has it not clear to send", vf));
  }
  // An admin MAC change reaches the guest at its next reset: before that they may differ.
  if (v.guest_up && v.guest_resets > v.intent.resets_at_mac) {
    if (v.intent.mac && v.guest_mac != *v.intent.mac) {
      out.push_back(fmt::format("vf {}: guest runs MAC {}, not the admin MAC {}", vf,
                                v.guest_mac.to_string(), v.intent.mac->to_string()));
    } else if (v.guest_mac != v.info.mac) {
      out.push_back(fmt::format("vf {}: guest runs MAC {}, the PF reports {}", vf,
                                v.guest_mac.to_string(), v.info.mac.to_string()));
    }
  }
}

void check_device(const SoakSnapshot& s, std::vector<std::string>& out) {
  const sim::Accounting& a = s.accounting;
  if (std::string why = a.check(); !why.empty()) out.push_back("accounting: " + why);
  // Every chain the engine took was transmitted (counted on its queue) or dropped before the
  // switch; every delivered copy is on a queue's books; every wire copy reached the wire.
  if (a.offered_tx != s.queue_tx_packets + a.tx_dma_fault + a.oversize) {
    out.push_back(fmt::format(
        "accounting: {} TX frames offered, but queues transmitted {} and {} + {} were dropped "
        "(DMA fault, oversize)",
        a.offered_tx, s.queue_tx_packets, a.tx_dma_fault, a.oversize));
  }
  if (a.delivered != s.queue_rx_packets) {
    out.push_back(fmt::format("accounting: {} copies delivered, but the queues received {}",
                              a.delivered, s.queue_rx_packets));
  }
  if (a.to_wire != s.wire_frames) {
    out.push_back(fmt::format("accounting: {} copies sent to the wire, the wire got {}", a.to_wire,
                              s.wire_frames));
  }
}

void check_guests(const SoakSnapshot& s, std::vector<std::string>& out) {
  uint64_t sent = 0, taken = 0, tx_abandoned = 0, delivered = 0, received = 0, rx_abandoned = 0;
  std::array<uint64_t, 64> from{};
  for (unsigned vf = 0; vf < s.traffic.size(); ++vf) {
    const GuestTraffic& t = s.traffic[vf];
    sent += t.sent;
    taken += t.tx_taken;
    tx_abandoned += t.tx_abandoned;
    delivered += t.delivered;
    received += t.received;
    rx_abandoned += t.rx_abandoned;
    for (size_t f = 0; f < from.size(); ++f) from[f] += t.from[f];
    if (t.phantoms != 0) {
      out.push_back(fmt::format(
          "vf {}: {} queue lives ended with more frames taken than sent, more read than "
          "delivered, or more left than a ring holds",
          vf, t.phantoms));
    }
    if (t.bad != 0) out.push_back(fmt::format("vf {}: its sink read {} frames that are not probes", vf, t.bad));
    if (t.mbufs_missing != 0) {
      out.push_back(fmt::format("vf {}: {} mbufs not back in its pool", vf, t.mbufs_missing));
    }
  }
  for (size_t f = 0; f < s.traffic.size() && f < from.size(); ++f) {
    if (from[f] > s.traffic[f].sent) {
      out.push_back(fmt::format("vf {}: its probes were received {} times, it sent {}", f,
                                from[f], s.traffic[f].sent));
    }
  }
  if (sent != taken + tx_abandoned + s.in_tx_ring) {
    out.push_back(fmt::format(
        "guests: {} frames handed to the NICs, but {} taken + {} freed by resets + {} still "
        "queued = {}",
        sent, taken, tx_abandoned, s.in_tx_ring, taken + tx_abandoned + s.in_tx_ring));
  }
  // Only the guests' queue 0 transmit: every frame a queue sent is on a guest's books.
  if (taken != s.queue_tx_packets) {
    out.push_back(fmt::format("guests: the device took {} of the guests' frames, its queues "
                              "transmitted {}",
                              taken, s.queue_tx_packets));
  }
  if (delivered != s.accounting.delivered) {
    out.push_back(fmt::format("guests: {} copies delivered to the guests' queues, the device "
                              "delivered {}",
                              delivered, s.accounting.delivered));
  }
  if (delivered != received + rx_abandoned + s.in_rx_ring) {
    out.push_back(fmt::format(
        "guests: {} copies delivered, but {} read + {} freed by resets + {} still in rings = {}",
        delivered, received, rx_abandoned, s.in_rx_ring, received + rx_abandoned + s.in_rx_ring));
  }
  if (s.in_tx_ring != 0 || s.in_rx_ring != 0) {
    out.push_back(fmt::format("quiesce: {} frames still in TX rings, {} in RX rings", s.in_tx_ring,
                              s.in_rx_ring));
  }
}

/// A VF's settings in a probe message: what decides where its frames go.
std::string settings(const SoakSnapshot& s, unsigned vf) {
  if (vf >= s.vfs.size()) return "?";
  const VfSnapshot& v = s.vfs[vf];
  return fmt::format("[vlan {} qos {} spoofchk {} trust {} link {} mac {}{}]", v.intent.vlan,
                     v.intent.qos, v.intent.spoofchk ? "on" : "off", v.intent.trust ? "on" : "off",
                     pf::to_string(v.intent.link_state), v.guest_mac.to_string(),
                     v.intent.mac ? " (admin)" : "");
}

void check_probes(const SoakSnapshot& s, std::vector<std::string>& out) {
  for (const PairProbe& p : s.probes) {
    const std::string both = fmt::format("; vf {} {}, vf {} {}", p.from, settings(s, p.from), p.to,
                                         settings(s, p.to));
    // Every guest is up with live queues once quiesced: each must send, whatever its VLAN.
    if (p.sent == 0) {
      out.push_back(
          fmt::format("probe: vf {} sent nothing to vf {} in the final round{}", p.from, p.to, both));
    } else if (p.expect_delivery && *p.expect_delivery && p.received != p.sent) {
      out.push_back(fmt::format("probe: vf {} -> vf {} (same VLAN): {} of {} frames arrived{}",
                                p.from, p.to, p.received, p.sent, both));
    } else if (p.expect_delivery && !*p.expect_delivery && p.received != 0) {
      out.push_back(fmt::format("probe: vf {} -> vf {} (other port VLANs): {} of {} frames "
                                "crossed{}",
                                p.from, p.to, p.received, p.sent, both));
    }
  }
}

}  // namespace

std::optional<bool> expect_delivery(const VfIntent& from, const VfIntent& to) {
  // The VID decides, 0 included: a priority on port VLAN 0 sends priority-tagged frames (VID 0),
  // which a pool in VLAN 0 takes. One exception: any port VLAN, a priority alone included,
  // clears the receiving pool's VMOLR.AUPE (as the Linux PF does), so an untagged sender's
  // frames do not reach a priority-only pool.
  const bool to_port_vlan = to.vlan != 0 || to.qos != 0;
  const bool from_untagged = from.vlan == 0 && from.qos == 0;
  if (to_port_vlan && from_untagged) return false;
  return from.vlan == to.vlan;
}

std::optional<std::string> check_admin(const VfIntent& want, const pf::VfInfo& got) {
  if (got.admin_mac != want.mac.has_value()) {
    return fmt::format("admin MAC {} set, the PF says {}", want.mac ? "is" : "is not",
                       got.admin_mac ? "set" : "not set");
  }
  if (want.mac && got.mac != *want.mac) {
    return fmt::format("admin MAC {}, the PF reports {}", want.mac->to_string(), got.mac.to_string());
  }
  if (got.vlan != want.vlan || got.qos != want.qos) {
    return fmt::format("port VLAN {} qos {}, the PF reports {} qos {}", want.vlan, want.qos,
                       got.vlan, got.qos);
  }
  if (got.spoofchk != want.spoofchk) {
    return fmt::format("spoofchk {}, the PF reports {}", want.spoofchk, got.spoofchk);
  }
  if (got.trusted != want.trust) {
    return fmt::format("trust {}, the PF reports {}", want.trust, got.trusted);
  }
  if (got.link_state != want.link_state) {
    return fmt::format("link state {}, the PF reports {}", pf::to_string(want.link_state),
                       pf::to_string(got.link_state));
  }
  if (got.max_tx_mbps != want.max_tx_mbps) {
    return fmt::format("max TX rate {} Mb/s, the PF reports {}", want.max_tx_mbps, got.max_tx_mbps);
  }
  return std::nullopt;
}

std::vector<std::string> check(const SoakSnapshot& s) {
  std::vector<std::string> out;
  for (unsigned vf = 0; vf < s.vfs.size(); ++vf) check_vf(vf, s.vfs[vf], out);
  check_device(s, out);
  check_guests(s, out);
  check_probes(s, out);
  return out;
}

}  // namespace harness::soak
