// Writes the seed corpora under fuzz/corpus/<target>/ from the real encoders (mailbox codec,
// rtnetlink builders), so a seed is what a real peer sends. Run it by hand after a format
// change and commit the output (docs/fuzzing.md):
//   build-fuzz/bin/fuzz_make_seeds fuzz/corpus
// Seeds that a human writes better as text (sriovctl's command lines) are committed as text
// and not generated here.

#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <linux/if.h>

#include "mailbox/codec.hpp"
#include "netlink/newlink_build.hpp"
#include "netlink/setlink_request.hpp"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

bool write_file(const fs::path& dir, const std::string& name, const Bytes& b) {
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  return static_cast<bool>(f);
}

void put8(Bytes& b, uint8_t v) { b.push_back(v); }
void put16(Bytes& b, uint16_t v) {
  for (int i = 0; i < 2; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// ---- fuzz_pf_mailbox: setup byte, then (flags, count, words) records.

void record(Bytes& b, uint8_t flags, const mbx::Message& m) {
  put8(b, flags);
  put8(b, m.size);
  for (uint32_t w : m.words()) put32(b, w);
}
void record_words(Bytes& b, uint8_t flags, std::initializer_list<uint32_t> words) {
  record(b, flags, mbx::Message::from(std::span<const uint32_t>(words.begin(), words.size())));
}

const hal::MacAddr kMacA({0x02, 0x42, 0x00, 0x00, 0x00, 0x0A});
const hal::MacAddr kMacB({0x02, 0x42, 0x00, 0x00, 0x00, 0x0B});
const hal::MacAddr kAdminMacVf1({0x02, 0x11, 0x22, 0x33, 0x44, 0x01});  // pf_mailbox_rig.cpp

/// A VF's whole bring-up and a few reconfigurations, as ixgbevf does them.
void bring_up(Bytes& b, uint8_t vf) {
  record(b, vf, mbx::ResetReq{}.encode());
  record(b, vf, mbx::ApiNegotiateReq{.api = mbx::Api::k13}.encode());
  record(b, vf, mbx::GetQueuesReq{}.encode());
  record(b, vf, mbx::SetMacAddrReq{.mac = kMacA}.encode());
  mbx::SetMulticastReq mc;
  mc.count = 3;
  mc.hashes[0] = 0x010;
  mc.hashes[1] = 0x7FF;
  mc.hashes[2] = 0xFFF;
  record(b, vf, mc.encode());
  record(b, vf, mbx::SetVlanReq{.add = true, .vid = 100}.encode());
  record(b, vf, mbx::SetLpeReq{.max_frame = 9018}.encode());
  record(b, vf, mbx::UpdateXcastModeReq{.mode = mbx::XcastMode::kPromisc}.encode());
  record(b, vf, mbx::GetLinkStateReq{}.encode());
  record(b, vf, mbx::GetRetaReq{}.encode());
  record(b, vf, mbx::GetRssKeyReq{}.encode());
  record(b, vf, mbx::SetMacvlanReq{.index = 1, .mac = kMacB}.encode());
  record(b, vf, mbx::SetMacvlanReq{.index = 0, .mac = {}}.encode());
  record(b, vf, mbx::SetVlanReq{.add = false, .vid = 100}.encode());
}

void pf_mailbox_seeds(const fs::path& dir) {
  Bytes b{0x00};
  bring_up(b, 0);
  write_file(dir, "bring_up_vf0", b);

  b = {0x3F};  // every admin setting, 4 VFs
  for (uint8_t vf = 0; vf < 4; ++vf) bring_up(b, vf);
  record(b, 0, mbx::SetMacAddrReq{.mac = kAdminMacVf1}.encode());  // another VF's admin MAC
  record(b, 2, mbx::SetVlanReq{.add = true, .vid = 7}.encode());  // under a port VLAN
  write_file(dir, "admin_settings_all_vfs", b);

  b = {0x00};
  record(b, 1, mbx::GetQueuesReq{}.encode());  // before VF_RESET
  record(b, 1, mbx::ResetReq{}.encode());
  record_words(b, 1, {0x8 | mbx::word0::kAck, 4});  // reply bits from a VF
  record_words(b, 1, {0x1 | (5u << 16)});            // VF_RESET with MSGINFO
  record_words(b, 1, {0x77});                        // unknown id
  record_words(b, 1, {0x8, 99});                     // API out of range
  record_words(b, 1, {0x3 | (31u << 16), 1, 2});     // multicast count over 30, short
  record(b, 1 | 0x08, mbx::ResetReq{}.encode());     // FLR, then VF_RESET
  record(b, 1 | 0x20, mbx::GetLinkStateReq{}.encode());  // keeps VFU held
  record(b, 1 | 0x10, mbx::ResetReq{}.encode());         // never reads the reply
  record_words(b, 1, {});                                // REQ over the old buffer
  write_file(dir, "malformed_vf1", b);

  b = {0x00};
  record(b, 0, mbx::ResetReq{}.encode());
  record(b, 0, mbx::ApiNegotiateReq{.api = mbx::Api::k12}.encode());
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 24; ++i) record(b, 0x40, mbx::GetLinkStateReq{}.encode());
    record(b, 3 | 0x80, mbx::GetLinkStateReq{}.encode());  // a second passes (on VF 3)
  }
  record(b, 3, mbx::ResetReq{}.encode());
  write_file(dir, "flood_vf0", b);

  b = {0x80};  // 40 VFs
  bring_up(b, 5);
  bring_up(b, 7);
  write_file(dir, "many_vfs", b);
}

// ---- fuzz_rtnl_parse: one netlink message each.

Bytes bytes_of(const rtnl::Message& m) {
  const auto s = m.bytes();
  return Bytes(reinterpret_cast<const uint8_t*>(s.data()), reinterpret_cast<const uint8_t*>(s.data()) + s.size());
}

bool rtnl_seeds(const fs::path& dir) {
  rtnl::VfChange all;
  all.vf = rtnl::VfIndex(3);
  all.mac = kMacA;
  all.vlan = rtnl::VfVlan{.vid = 100, .qos = 5, .proto = rtnl::VlanProto::k8021AD};
  all.min_tx_rate = 100;
  all.max_tx_rate = 2000;
  all.spoofchk = false;
  all.trust = true;
  all.link_state = rtnl::VfLinkState::kDisable;
  all.query_rss = true;
  rtnl::VfChange one;
  one.vf = rtnl::VfIndex(0);
  one.trust = false;
  const std::vector<rtnl::VfChange> changes{all, one};
  auto s1 = rtnl::build_setlink_vf(rtnl::LinkRef(std::string("eth0")), changes);
  auto s2 = rtnl::build_setlink_vf(rtnl::LinkRef(rtnl::IfIndex(4)), std::span(&one, 1));
  if (!s1 || !s2) return false;
  write_file(dir, "setlink_all_settings", bytes_of(*s1));
  write_file(dir, "setlink_ifindex_trust", bytes_of(*s2));

  rtnl::LinkInfo l;
  l.ifindex = rtnl::IfIndex(4);
  l.name = "sim0";
  l.type = 1;
  l.flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP;
  l.mtu = 1500;
  l.oper_state = rtnl::OperState::kUp;
  l.address = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  l.num_vf = 3;
  for (uint32_t i = 0; i < 3; ++i) {
    rtnl::VfInfo v;
    v.vf = rtnl::VfIndex(i);
    v.mac = hal::MacAddr({0x02, 0, 0, 0, static_cast<uint8_t>(i), 1});
    v.vlans = {rtnl::VfVlan{.vid = static_cast<uint16_t>(10 * i), .qos = 0, .proto = rtnl::VlanProto::k8021Q}};
    v.max_tx_rate = 1000 * i;
    v.spoofchk = i != 1;
    v.trust = i == 2;
    v.link_state = static_cast<rtnl::VfLinkState>(i);
    if (i == 0) v.stats = rtnl::VfStats{1, 2, 3, 4, 5, 6, 7, 8};
    l.vfs.push_back(v);
  }
  auto n1 = rtnl::build_newlink(l);
  rtnl::NewlinkOptions skip;
  skip.ext_filter_mask = RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS;
  auto n2 = rtnl::build_newlink(l, skip);
  l.num_vf = std::nullopt;
  l.vfs.clear();
  auto n3 = rtnl::build_newlink(l);
  if (!n1 || !n2 || !n3) return false;
  write_file(dir, "newlink_3_vfs", bytes_of(*n1));
  write_file(dir, "newlink_3_vfs_no_stats", bytes_of(*n2));
  write_file(dir, "newlink_no_vfs", bytes_of(*n3));
  return true;
}

// ---- fuzz_engine: setup byte, then operations (fuzz_engine.cpp).

enum Op : uint8_t { kTxData, kTxContext, kTxRaw, kTxTail, kRxDesc, kRxTail, kFrame, kWire, kPoll,
                    kQueueReg, kRingBase, kLink };

void frame(Bytes& b, uint8_t vf, uint8_t slot, uint8_t shape, uint16_t vid, uint16_t len) {
  put8(b, kFrame); put8(b, vf); put8(b, slot); put8(b, shape); put16(b, vid); put16(b, len);
}
/// A data descriptor over TX buffer `slot` (AddrKind 0 = own TX buffer, offset slot * 2 KiB).
void tx(Bytes& b, uint8_t vf, uint8_t desc, uint8_t kind, uint16_t off, uint16_t len, uint8_t dcmd) {
  put8(b, kTxData); put8(b, vf); put8(b, desc); put8(b, kind); put16(b, off);
  if (kind == 6) {
    put32(b, 0);
    put32(b, 0);
  }
  put16(b, len); put8(b, dcmd); put8(b, 0);
}
void tail(Bytes& b, uint8_t vf, uint8_t t) { put8(b, kTxTail); put8(b, vf); put8(b, t); }
void rx_tail(Bytes& b, uint8_t vf, uint8_t t) { put8(b, kRxTail); put8(b, vf); put8(b, t); }
void poll(Bytes& b) { put8(b, kPoll); }

constexpr uint8_t kEopRs = 0x01 | 0x08 | 0x02;  // EOP, RS, IFCS (DCMD bits 24, 27, 25)

void engine_seeds(const fs::path& dir) {
  // VF 0 sends one frame to VF 1, one broadcast; every VF has RX descriptors.
  Bytes b{0x00};
  for (uint8_t v = 0; v < 3; ++v) rx_tail(b, v, 15);
  frame(b, 0, 0, 0x00, 0, 128);
  frame(b, 0, 1, 0x01, 0, 64);
  tx(b, 0, 0, 0, 0, 128, kEopRs);
  tx(b, 0, 1, 0, 2048, 64, kEopRs);
  tail(b, 0, 2);
  poll(b);
  write_file(dir, "unicast_and_broadcast", b);

  // Spoofchk, port VLAN, head write-back, VLAN strip: a spoofed and a tagged frame, a
  // two-descriptor chain, a context descriptor with VLE.
  b = {0x1F};
  for (uint8_t v = 0; v < 3; ++v) rx_tail(b, v, 15);
  frame(b, 1, 0, 0x08, 0, 100);        // VF 1 with VF 2's source MAC
  frame(b, 0, 1, 0x20, 0x2064, 300);   // tagged VLAN 100, priority 1
  tx(b, 1, 0, 0, 0, 100, kEopRs);
  tail(b, 1, 1);
  tx(b, 0, 0, 0, 2048, 150, 0x02);     // first half, no EOP
  tx(b, 0, 1, 0, 2048 + 150, 150, kEopRs);
  put8(b, kTxContext); put8(b, 0); put8(b, 2); put16(b, 100); put8(b, 0);
  tx(b, 0, 3, 0, 2048, 300, kEopRs | 0x40);  // VLE
  tail(b, 0, 4);
  poll(b);
  poll(b);
  write_file(dir, "spoof_vlan_chain", b);

  // Hostile: buffers in another VF's memory, in the PF's canary, unmapped, past the block's
  // end; an RX descriptor into the canary; a tail past the ring; a ring base elsewhere.
  b = {0x08};
  for (uint8_t v = 0; v < 3; ++v) rx_tail(b, v, 15);
  frame(b, 0, 0, 0x00, 0, 64);
  tx(b, 0, 0, 3, 0, 64, kEopRs);   // another VF's buffer
  tx(b, 0, 1, 4, 0, 64, kEopRs);   // the PF's canary
  tx(b, 0, 2, 5, 0, 64, kEopRs);   // unmapped
  tx(b, 0, 3, 2, 10, 64, kEopRs);  // runs past the block
  tail(b, 0, 4);
  put8(b, kRxDesc); put8(b, 1); put8(b, 0); put8(b, 4); put16(b, 0);  // VF 1 RX into the canary
  poll(b);
  tail(b, 2, 200);
  put8(b, kRingBase); put8(b, 1); put8(b, 0); put8(b, 4); put16(b, 0);  // VF 1's TX ring on the canary
  tail(b, 1, 3);
  poll(b);
  write_file(dir, "dma_outside_domain", b);

  // The wire: frames in, link down and up, echo on.
  b = {0x20};
  for (uint8_t v = 0; v < 3; ++v) rx_tail(b, v, 15);
  put8(b, kWire); put8(b, 0x00); put16(b, 0); put16(b, 200); put8(b, 1);
  put8(b, kWire); put8(b, 0x01); put16(b, 0); put16(b, 60); put8(b, 0);
  poll(b);
  put8(b, kLink); put8(b, 0);
  frame(b, 2, 0, 0x03, 0, 90);
  tx(b, 2, 0, 0, 0, 90, kEopRs);
  tail(b, 2, 1);
  poll(b);
  put8(b, kLink); put8(b, 1);
  poll(b);
  write_file(dir, "wire_and_link", b);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: fuzz_make_seeds CORPUS_DIR (fuzz/corpus)\n");
    return 2;
  }
  const fs::path root(argv[1]);
  pf_mailbox_seeds(root / "fuzz_pf_mailbox");
  if (!rtnl_seeds(root / "fuzz_rtnl_parse")) {
    fmt::print(stderr, "fuzz_make_seeds: an rtnetlink builder refused its sample\n");
    return 1;
  }
  engine_seeds(root / "fuzz_engine");
  return 0;
}
