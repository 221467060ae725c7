// 82599 advanced descriptor layouts (spec 5): sizes, offsets, and fields decoded from raw
// little-endian bytes as the device writes them.

#include <cstring>

#include <catch2/catch.hpp>

#include "hal/ixgbe/descriptors.hpp"

namespace ix = hal::ixgbe;

namespace {
// Raw descriptor bytes, little-endian dwords, as they sit in DMA memory.
template <class T>
T from_dwords(uint32_t d0, uint32_t d1, uint32_t d2, uint32_t d3) {
  uint8_t raw[16];
  const uint32_t d[4] = {d0, d1, d2, d3};
  for (unsigned i = 0; i < 16; ++i) raw[i] = static_cast<uint8_t>(d[i / 4] >> (8 * (i % 4)));
  T t;
  std::memcpy(&t, raw, sizeof t);
  return t;
}
}  // namespace

TEST_CASE("Advanced descriptors are 16 bytes with datasheet field offsets", "[descriptors]") {
  STATIC_REQUIRE(sizeof(ix::AdvRxDesc) == 16);
  STATIC_REQUIRE(sizeof(ix::AdvTxDesc) == 16);
  STATIC_REQUIRE(sizeof(ix::AdvTxContextDesc) == 16);
  // DD is bit 0 of the dword at byte 8 (RX write-back) and at byte 12 (TX write-back).
  STATIC_REQUIRE(offsetof(ix::AdvRxWriteBack, status_error) == 8);
  STATIC_REQUIRE(offsetof(ix::AdvTxWriteBack, status) == 12);
  // The RX header address (read format) overlaps the write-back status dword.
  STATIC_REQUIRE(offsetof(ix::AdvRxRead, hdr_addr) == offsetof(ix::AdvRxWriteBack, status_error));
}

TEST_CASE("RX write-back fields decode from the device's little-endian dwords", "[descriptors]") {
  // dword 0: RSS type IPv4/TCP, packet type IPv4|TCP; dword 1: hash; dword 2: DD|EOP|VP|L4CS|
  // IPCS; dword 3: length 60, VLAN PCP 5 VID 100.
  const uint32_t info = ix::rss_type::kIpv4Tcp | ix::pkt_type::kIpv4 | ix::pkt_type::kTcp;
  const uint32_t status = ix::rxd_stat::kDd | ix::rxd_stat::kEop | ix::rxd_stat::kVp |
                          ix::rxd_stat::kL4cs | ix::rxd_stat::kIpcs;
  const uint16_t tci = static_cast<uint16_t>(5u << ix::rxd_vlan::kPriShift | 100u);
  const auto d = from_dwords<ix::AdvRxDesc>(info, 0xDEADBEEF, status, uint32_t{tci} << 16 | 60u);
  CHECK(ix::rx_rss_type(d.wb.info) == ix::rss_type::kIpv4Tcp);
  CHECK(ix::rx_pkt_type(d.wb.info) == (ix::pkt_type::kIpv4 | ix::pkt_type::kTcp));
  CHECK(d.wb.rss == 0xDEADBEEFu);
  CHECK((d.wb.status_error & ix::rxd_stat::kDd) != 0);
  CHECK((d.wb.status_error & ix::rxd_err::kErrorMask) == 0);
  CHECK(d.wb.length == 60);
  CHECK((d.wb.vlan & ix::rxd_vlan::kVidMask) == 100);
  CHECK(d.wb.vlan >> ix::rxd_vlan::kPriShift == 5);
}

TEST_CASE("RX status and error bits sit where spec 5a puts them", "[descriptors]") {
  CHECK(ix::rxd_stat::kDd == 0x1u);
  CHECK(ix::rxd_stat::kEop == 0x2u);
  CHECK(ix::rxd_stat::kVp == 0x8u);
  CHECK(ix::rxd_stat::kLb == 0x40000u);
  CHECK(ix::rxd_err::kUse == 0x20000000u);
  CHECK(ix::rxd_err::kIpe == 0x80000000u);
  CHECK((ix::rxd_stat::kStatusMask & ix::rxd_err::kErrorMask) == 0);
  CHECK(ix::rxd_info::kRscCountMask >> ix::rxd_info::kRscCountShift == 0xF);
  CHECK(ix::rxd_info::kHdrLenMask >> ix::rxd_info::kHdrLenShift == 0x3FF);
}

TEST_CASE("TX data descriptor words carry length, DTYP, DCMD and PAYLEN", "[descriptors]") {
  const uint32_t ctl = ix::tx_data_cmd_type_len(1514, ix::txd_cmd::kEop | ix::txd_cmd::kRs |
                                                          ix::txd_cmd::kIfcs);
  CHECK((ctl & ix::txd_cmd::kDtalenMask) == 1514);
  CHECK((ctl & ix::txd_cmd::kDtypMask) == ix::txd_cmd::kDtypData);
  CHECK((ctl & ix::txd_cmd::kDext) != 0);
  CHECK((ctl & ix::txd_cmd::kEop) != 0);
  CHECK((ctl & ix::txd_cmd::kVle) == 0);
  const uint32_t ol = ix::tx_olinfo_paylen(1514) | ix::txd_olinfo::kPoptsTxsm;
  CHECK(ol >> ix::txd_olinfo::kPaylenShift == 1514);
  CHECK((ol & ix::txd_olinfo::kStaMask) == 0);

  ix::AdvTxDesc d{};
  d.read = {.buffer_addr = 0x1234'5678'9000, .cmd_type_len = ctl, .olinfo_status = ol};
  uint8_t raw[16];
  std::memcpy(raw, &d, sizeof raw);
  CHECK(raw[0] == 0x00);
  CHECK(raw[1] == 0x90);  // little-endian address
  CHECK(raw[8] == (1514 & 0xFF));
  CHECK(raw[11] == (ctl >> 24));  // DCMD is the top byte of dword 2
  // The device's write-back: DD in the dword at byte 12.
  d.wb.status = ix::txd_olinfo::kStaDd;
  std::memcpy(raw, &d, sizeof raw);
  CHECK(raw[12] == 0x01);
}

TEST_CASE("TX context descriptor fields", "[descriptors]") {
  ix::AdvTxContextDesc c{};
  c.vlan_macip_lens = 20u | 14u << ix::txd_ctx_lens::kMaclenShift | 100u << ix::txd_ctx_lens::kVlanShift;
  c.type_tucmd_mlhl = ix::txd_cmd::kDtypContext | ix::txd_cmd::kDext | ix::txd_ctx_tucmd::kIpv4 |
                      ix::txd_ctx_tucmd::kL4tTcp;
  c.mss_l4len_idx = 1u << ix::txd_ctx_mss::kIdxShift | 20u << ix::txd_ctx_mss::kL4lenShift |
                    1460u << ix::txd_ctx_mss::kMssShift;
  CHECK((c.vlan_macip_lens & ix::txd_ctx_lens::kIplenMask) == 20);
  CHECK((c.vlan_macip_lens & ix::txd_ctx_lens::kMaclenMask) >> ix::txd_ctx_lens::kMaclenShift == 14);
  CHECK(c.vlan_macip_lens >> ix::txd_ctx_lens::kVlanShift == 100);
  CHECK((c.type_tucmd_mlhl & ix::txd_cmd::kDtypMask) == ix::txd_cmd::kDtypContext);
  CHECK((c.type_tucmd_mlhl & ix::txd_ctx_tucmd::kL4tMask) == ix::txd_ctx_tucmd::kL4tTcp);
  CHECK((c.mss_l4len_idx & ix::txd_ctx_mss::kIdxMask) >> ix::txd_ctx_mss::kIdxShift == 1);
  CHECK(c.mss_l4len_idx >> ix::txd_ctx_mss::kMssShift == 1460);
}
