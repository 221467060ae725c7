#include "sample_links.hpp"

namespace nltest {

rtnl::LinkInfo sample_pf(const std::string& name, int ifindex, unsigned vfs, bool stats) {
  rtnl::LinkInfo l;
  l.ifindex = rtnl::IfIndex(ifindex);
  l.name = name;
  l.type = 1;         // ARPHRD_ETHER
  l.flags = 0x11043;  // UP, BROADCAST, RUNNING, MULTICAST, LOWER_UP
  l.mtu = 9000;
  l.oper_state = rtnl::OperState::kUp;
  l.address = {0x02, 0xaa, 0xbb, 0xcc, 0x00, static_cast<uint8_t>(ifindex)};
  l.num_vf = vfs;
  for (unsigned i = 0; i < vfs; ++i) {
    rtnl::VfInfo v;
    v.vf = rtnl::VfIndex(i);
    v.mac = hal::MacAddr({0x02, 0, 0, 0, static_cast<uint8_t>(i), 0x01});
    v.vlans = {rtnl::VfVlan{static_cast<uint16_t>(100 + i), static_cast<uint8_t>(i % 8),
                            i % 2 ? rtnl::VlanProto::k8021AD : rtnl::VlanProto::k8021Q}};
    v.min_tx_rate = i * 10;
    v.max_tx_rate = i * 100 + 1000;
    const bool reported = i % 5 != 4;
    if (reported) {
      v.spoofchk = i % 2 == 0;
      v.trust = i % 3 == 0;
      v.rss_query_en = i % 4 == 0;
    }
    v.link_state = static_cast<rtnl::VfLinkState>(i % 3);
    if (stats) {
      const uint64_t b = uint64_t{i} << 40;  // above 32 bits, so a u32 read would show
      v.stats = rtnl::VfStats{b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8};
    }
    l.vfs.push_back(v);
  }
  return l;
}

}  // namespace nltest
