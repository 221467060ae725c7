#include "daemon/link_view.hpp"

#include <linux/if.h>
#include <linux/if_arp.h>

namespace simd {

void StatsBaseline::take(const sim::Device82599& dev) {
  for (unsigned q = 0; q < base_.size(); ++q) base_[q] = dev.queue_counters(hal::QueueId{q});
}

sim::QueueCounters StatsBaseline::since(const sim::Device82599& dev, hal::QueueId q) const {
  sim::QueueCounters now = dev.queue_counters(q);
  if (q.value() >= base_.size()) return now;
  const sim::QueueCounters& b = base_[q.value()];
  now.tx_packets -= b.tx_packets;
  now.tx_bytes -= b.tx_bytes;
  now.tx_dma_faults -= b.tx_dma_faults;
  now.rx_packets -= b.rx_packets;
  now.rx_bytes -= b.rx_bytes;
  now.rx_no_descriptor -= b.rx_no_descriptor;
  now.rx_queue_disabled -= b.rx_queue_disabled;
  now.rx_dma_faults -= b.rx_dma_faults;
  return now;
}

rtnl::VfStats vf_stats(const pf::PfDriver& pf, const sim::Device82599& dev, hal::VfId vf,
                       const StatsBaseline& base) {
  rtnl::VfStats s;
  const unsigned per_pool = pf.queues_per_pool();
  for (unsigned i = 0; i < per_pool; ++i) {
    const sim::QueueCounters q = base.since(dev, hal::QueueId{vf.value() * per_pool + i});
    s.rx_packets += q.rx_packets;
    s.rx_bytes += q.rx_bytes;
    s.tx_packets += q.tx_packets;
    s.tx_bytes += q.tx_bytes;
    s.rx_dropped += q.rx_no_descriptor + q.rx_queue_disabled;
    s.tx_dropped += q.tx_dma_faults;
  }
  return s;
}

namespace {

rtnl::VfLinkState to_rtnl(pf::LinkState s) {
  switch (s) {
    case pf::LinkState::kAuto:
      return rtnl::VfLinkState::kAuto;
    case pf::LinkState::kEnable:
      return rtnl::VfLinkState::kEnable;
    case pf::LinkState::kDisable:
      return rtnl::VfLinkState::kDisable;
  }
  return rtnl::VfLinkState::kAuto;
}

}  // namespace

rtnl::LinkInfo describe_pf(const std::string& name, const pf::PfDriver& pf,
                           const sim::Device82599& dev, const StatsBaseline& base) {
  rtnl::LinkInfo link;
  link.ifindex = rtnl::IfIndex{kPfIfIndex};
  link.name = name;
  link.type = ARPHRD_ETHER;
  const bool up = pf.link_up();
  link.flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST | (up ? IFF_LOWER_UP | IFF_RUNNING : 0u);
  link.mtu = pf.mtu();
  link.oper_state = up ? rtnl::OperState::kUp : rtnl::OperState::kDown;
  const hal::MacAddr mac = pf.mac();
  link.address.assign(mac.bytes().begin(), mac.bytes().end());
  link.num_vf = pf.num_vfs();
  for (unsigned i = 0; i < pf.num_vfs(); ++i) {
    const pf::VfInfo v = pf.vf_info(hal::VfId{i});
    rtnl::VfInfo r;
    r.vf = rtnl::VfIndex{i};
    r.mac = v.mac;
    r.vlans = {rtnl::VfVlan{v.vlan, v.qos, rtnl::VlanProto::k8021Q}};
    r.min_tx_rate = 0;
    r.max_tx_rate = v.max_tx_mbps;
    r.spoofchk = v.spoofchk;
    r.trust = v.trusted;
    r.rss_query_en = v.rss_query;
    r.link_state = to_rtnl(v.link_state);
    r.stats = vf_stats(pf, dev, hal::VfId{i}, base);
    link.vfs.push_back(std::move(r));
  }
  return link;
}

}  // namespace simd
