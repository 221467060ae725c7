#include "daemon/vf_detail.hpp"

#include "daemon/link_view.hpp"

namespace simd {

std::string_view to_string(LastReset::Kind k) {
  switch (k) {
    case LastReset::Kind::kNone:
      return "none";
    case LastReset::Kind::kVfReset:
      return "vf_reset";
    case LastReset::Kind::kFlr:
      return "flr";
  }
  return "none";
}

namespace {

nlohmann::json guest_json(const GuestView& g) {
  if (g.guest == nullptr) return nullptr;
  const vf::VfDriver& d = g.guest->driver();
  return {{"state", vf::to_string(d.state())},
          {"link_up", d.link_up()},
          {"mac", d.mac().to_string()},
          {"ip", g.ip},
          {"api", mbx::to_string(d.api())},
          {"resets", d.counters().resets},
          {"recoveries", d.counters().recoveries},
          {"nacks", d.counters().nacks},
          {"announced", g.announced},
          {"arp_replies", g.arp_replies},
          {"echo_replies", g.echo_replies}};
}

}  // namespace

nlohmann::json vf_detail(const pf::PfDriver& pf, const sim::Device82599& dev, hal::VfId vf,
                         const LastReset& last_reset, const GuestView& guest,
                         const StatsBaseline& base) {
  const pf::VfInfo v = pf.vf_info(vf);
  const unsigned per_pool = pf.queues_per_pool();
  const rtnl::VfStats st = vf_stats(pf, dev, vf, base);
  return {
      {"vf", vf.value()},
      {"admin",
       {{"mac", v.mac.to_string()},
        {"admin_mac", v.admin_mac},
        {"vlan", v.vlan},
        {"qos", v.qos},
        {"spoofchk", v.spoofchk},
        // Held off while the VF's entry delivers a host MAC to the default pool, whatever
        // spoofchk says (docs/switch.md "Why the MAC anti-spoof bit is lifted").
        {"mac_antispoof_lifted", v.mac_antispoof_lifted},
        {"trust", v.trusted},
        {"rss_query", v.rss_query},
        {"link_state", pf::to_string(v.link_state)},
        {"max_tx_rate", v.max_tx_mbps}}},
      {"negotiated",
       {{"clear_to_send", v.clear_to_send},
        {"api", mbx::to_string(v.api)},
        {"xcast", mbx::to_string(v.xcast)},
        {"max_frame", v.max_frame},
        {"mc_hashes", v.num_mc_hashes},
        {"macvlans", v.num_macvlans},
        {"vlans", pf.vf_vlans(vf)},
        {"queues", {{"first", vf.value() * per_pool}, {"rx", per_pool}, {"tx", per_pool}}}}},
      {"last_reset",
       {{"kind", to_string(last_reset.kind)},
        {"seq", last_reset.seq},
        {"time_ns", last_reset.time_ns}}},
      {"mailbox",
       {{"messages", v.counters.messages},
        {"acks", v.counters.acks},
        {"nacks", v.counters.nacks},
        {"resets", v.counters.resets},
        {"flrs", v.counters.flrs},
        {"ignored", v.counters.ignored},
        {"pings", v.counters.pings}}},
      {"stats",
       {{"rx_packets", st.rx_packets},
        {"rx_bytes", st.rx_bytes},
        {"tx_packets", st.tx_packets},
        {"tx_bytes", st.tx_bytes},
        {"rx_dropped", st.rx_dropped},
        {"tx_dropped", st.tx_dropped}}},
      {"guest", guest_json(guest)},
  };
}

}  // namespace simd
