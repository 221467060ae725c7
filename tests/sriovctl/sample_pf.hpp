#pragma once
// PFs for sriovctl's tests: every VF field distinct, so a swapped or dropped field shows.

#include <linux/if.h>
#include <linux/if_arp.h>

#include <string>

#include "netlink/link_info.hpp"

namespace sctest {

/// PF `name` (ifindex `ifindex`, Ethernet, up) with `vfs` VFs. VF i: MAC 02:00:00:00:<i>:01,
/// VLAN 100+i with QoS i%8 (802.1ad on odd VFs; none on VF 0), max rate i*100 (none on VF 0),
/// min rate i*10, spoofchk on for even VFs, trust on for i%3==0, RSS query on for i%4==0,
/// link state i%3; VF i%5==4 reports no spoofchk/trust/RSS; stats rx_bytes 1000+i ...
inline rtnl::LinkInfo sample_pf(const std::string& name, int ifindex, unsigned vfs) {
  rtnl::LinkInfo l;
  l.ifindex = rtnl::IfIndex(ifindex);
  l.name = name;
  l.type = ARPHRD_ETHER;
  l.flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING | IFF_LOWER_UP;
  l.mtu = 1500;
  l.oper_state = rtnl::OperState::kUp;
  l.address = {0x02, 0x00, 0x00, 0x00, 0xAA, static_cast<uint8_t>(ifindex)};
  l.num_vf = vfs;
  for (unsigned i = 0; i < vfs; ++i) {
    rtnl::VfInfo v;
    v.vf = rtnl::VfIndex(i);
    v.mac = hal::MacAddr({0x02, 0, 0, 0, static_cast<uint8_t>(i), 0x01});
    if (i == 0) {
      v.vlans = {rtnl::VfVlan{}};
    } else {
      v.vlans = {rtnl::VfVlan{static_cast<uint16_t>(100 + i), static_cast<uint8_t>(i % 8),
                              i % 2 == 1 ? rtnl::VlanProto::k8021AD : rtnl::VlanProto::k8021Q}};
    }
    v.max_tx_rate = i * 100;
    v.min_tx_rate = i * 10;
    if (i % 5 != 4) {
      v.spoofchk = i % 2 == 0;
      v.trust = i % 3 == 0;
      v.rss_query_en = i % 4 == 0;
    }
    v.link_state = static_cast<rtnl::VfLinkState>(i % 3);
    v.stats = rtnl::VfStats{.rx_packets = 10 + i,
                            .tx_packets = 20 + i,
                            .rx_bytes = 1000 + i,
                            .tx_bytes = 2000 + i,
                            .broadcast = 30 + i,
                            .multicast = 40 + i,
                            .rx_dropped = 50 + i,
                            .tx_dropped = 60 + i};
    l.vfs.push_back(v);
  }
  return l;
}

}  // namespace sctest
