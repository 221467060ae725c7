#pragma once
// 82599 advanced RX and TX descriptors (spec 5; datasheet 7.1.6 and 7.2.3; field names as in
// D-TYPE `union ixgbe_adv_rx_desc` / `ixgbe_adv_tx_desc` and L-VFDEF). Shared by the VF and PF
// drivers (software side) and the simulated device engine (hardware side).
//
// Every descriptor is 16 bytes of little-endian words in DMA memory. The structs below are the
// in-memory layout on a little-endian host (the only kind sriovkit builds for, asserted below);
// the bit constants apply to the word named in their namespace.

#include <bit>
#include <cstddef>
#include <cstdint>

namespace hal::ixgbe {

static_assert(std::endian::native == std::endian::little,
              "descriptor words are little-endian; a big-endian host needs byte swaps here");

// ---------------------------------------------------------------------------------------------
// RX (spec 5a): SRRCTL.DESCTYPE = advanced one-buffer.

/// Read format (software -> hardware). hdr_addr is 0 without header split; its bit 0 overlaps
/// DD of the write-back format, so software writes 0 there (and clears status) before reuse.
struct AdvRxRead {
  uint64_t pkt_addr;  ///< packet buffer IOVA
  uint64_t hdr_addr;  ///< header buffer IOVA (0: no split)
};

/// Write-back format (hardware -> software).
struct AdvRxWriteBack {
  uint32_t info;          ///< dword 0: RSS type, packet type, RSC count, header length, SPH
  uint32_t rss;           ///< dword 1: RSS hash, or IP id (b15:0) + packet checksum (b31:16)
  uint32_t status_error;  ///< dword 2: status b19:0, errors b31:20
  uint16_t length;        ///< dword 3 b15:0: bytes written to this buffer
  uint16_t vlan;          ///< dword 3 b31:16: the stripped 802.1Q TCI (valid when VP is set)
};

union AdvRxDesc {
  AdvRxRead read;
  AdvRxWriteBack wb;
};

static_assert(sizeof(AdvRxRead) == 16 && sizeof(AdvRxWriteBack) == 16 && sizeof(AdvRxDesc) == 16);
static_assert(offsetof(AdvRxRead, pkt_addr) == 0 && offsetof(AdvRxRead, hdr_addr) == 8);
static_assert(offsetof(AdvRxWriteBack, info) == 0 && offsetof(AdvRxWriteBack, rss) == 4 &&
              offsetof(AdvRxWriteBack, status_error) == 8 && offsetof(AdvRxWriteBack, length) == 12 &&
              offsetof(AdvRxWriteBack, vlan) == 14);

/// Write-back dword 0 (`info`).
namespace rxd_info {
inline constexpr uint32_t kRssTypeMask = 0x0000000Fu;
inline constexpr unsigned kPktTypeShift = 4;
inline constexpr uint32_t kPktTypeMask = 0x0001FFF0u;  // b16:4 (b15:4 + the extended bit)
inline constexpr unsigned kRscCountShift = 17;
inline constexpr uint32_t kRscCountMask = 0x001E0000u;  // b20:17
inline constexpr unsigned kHdrLenShift = 21;
inline constexpr uint32_t kHdrLenMask = 0x7FE00000u;  // b30:21
inline constexpr uint32_t kSph = 1u << 31;             // split header
}  // namespace rxd_info

/// RSS type values (dword 0 b3:0).
namespace rss_type {
inline constexpr uint32_t kNone = 0x0;
inline constexpr uint32_t kIpv4Tcp = 0x1;
inline constexpr uint32_t kIpv4 = 0x2;
inline constexpr uint32_t kIpv6Tcp = 0x3;
inline constexpr uint32_t kIpv6Ex = 0x4;
inline constexpr uint32_t kIpv6 = 0x5;
inline constexpr uint32_t kIpv6TcpEx = 0x6;
inline constexpr uint32_t kIpv4Udp = 0x7;
inline constexpr uint32_t kIpv6Udp = 0x8;
inline constexpr uint32_t kIpv6UdpEx = 0x9;
}  // namespace rss_type

/// Packet type bits, as they sit in dword 0 (already shifted by kPktTypeShift).
namespace pkt_type {
inline constexpr uint32_t kIpv4 = 1u << 4;
inline constexpr uint32_t kIpv4Ex = 1u << 5;
inline constexpr uint32_t kIpv6 = 1u << 6;
inline constexpr uint32_t kIpv6Ex = 1u << 7;
inline constexpr uint32_t kTcp = 1u << 8;
inline constexpr uint32_t kUdp = 1u << 9;
inline constexpr uint32_t kSctp = 1u << 10;
inline constexpr uint32_t kNfs = 1u << 11;
inline constexpr uint32_t kIpsecEsp = 1u << 12;
inline constexpr uint32_t kIpsecAh = 1u << 13;
inline constexpr uint32_t kLinkSec = 1u << 14;
inline constexpr uint32_t kEtqf = 1u << 15;  ///< ETQF match: b6:4 then hold the filter index
inline constexpr unsigned kEtqfIndexShift = 4;
inline constexpr uint32_t kEtqfIndexMask = 0x70u;
}  // namespace pkt_type

/// Write-back dword 2 (`status_error`): status b19:0.
namespace rxd_stat {
inline constexpr uint32_t kDd = 1u << 0;      ///< descriptor done: read it first, then barrier
inline constexpr uint32_t kEop = 1u << 1;     ///< end of packet
inline constexpr uint32_t kFlm = 1u << 2;     ///< flow director match
inline constexpr uint32_t kVp = 1u << 3;      ///< 802.1Q packet; `vlan` holds the TCI
inline constexpr uint32_t kUdpcs = 1u << 4;
inline constexpr uint32_t kL4cs = 1u << 5;
inline constexpr uint32_t kIpcs = 1u << 6;
inline constexpr uint32_t kPif = 1u << 7;     ///< passed in-exact filter
inline constexpr uint32_t kCrcv = 1u << 8;
inline constexpr uint32_t kVext = 1u << 9;    ///< outer VLAN (double VLAN)
inline constexpr uint32_t kUdpv = 1u << 10;
inline constexpr uint32_t kDynint = 1u << 11;
inline constexpr uint32_t kTs = 1u << 16;
inline constexpr uint32_t kSecp = 1u << 17;
inline constexpr uint32_t kLb = 1u << 18;     ///< looped back by the VEB (VM-to-VM)
inline constexpr uint32_t kStatusMask = 0x000FFFFFu;
}  // namespace rxd_stat

/// Write-back dword 2 (`status_error`): errors b31:20.
namespace rxd_err {
inline constexpr uint32_t kHbo = 1u << 23;  ///< header buffer overflow
inline constexpr uint32_t kCe = 1u << 24;   ///< CRC / symbol error
inline constexpr uint32_t kLe = 1u << 25;   ///< length error
inline constexpr uint32_t kPe = 1u << 27;   ///< byte-alignment/packet error
inline constexpr uint32_t kOse = 1u << 28;
inline constexpr uint32_t kUse = 1u << 29;  ///< DPDK's RXE
inline constexpr uint32_t kTcpe = 1u << 30;
inline constexpr uint32_t kIpe = 1u << 31;
inline constexpr uint32_t kErrorMask = 0xFFF00000u;
}  // namespace rxd_err

/// Write-back `vlan` (dword 3 b31:16) fields.
namespace rxd_vlan {
inline constexpr uint16_t kVidMask = 0x0FFF;
inline constexpr uint16_t kCfi = 1u << 12;
inline constexpr unsigned kPriShift = 13;
}  // namespace rxd_vlan

// ---------------------------------------------------------------------------------------------
// TX (spec 5b): advanced data and context descriptors.

/// Advanced data descriptor, read format (software -> hardware).
struct AdvTxRead {
  uint64_t buffer_addr;    ///< IOVA of this segment
  uint32_t cmd_type_len;   ///< DTALEN b15:0, DTYP b23:20, DCMD b31:24
  uint32_t olinfo_status;  ///< STA b3:0, IDX b6:4, CC b7, POPTS b13:8, PAYLEN b31:14
};

/// Write-back format: only DD in `status` (byte offset 12) is defined; the rest is reserved.
struct AdvTxWriteBack {
  uint64_t rsvd;
  uint32_t nxtseq_seed;
  uint32_t status;
};

union AdvTxDesc {
  AdvTxRead read;
  AdvTxWriteBack wb;
};

/// Advanced context descriptor (VLAN to insert with VLE, checksum and TSO parameters).
struct AdvTxContextDesc {
  uint32_t vlan_macip_lens;  ///< IPLEN b8:0, MACLEN b15:9, VLAN b31:16
  uint32_t seqnum_seed;      ///< IPsec SA index / FCoE; 0 for sriovkit
  uint32_t type_tucmd_mlhl;  ///< TUCMD b19:9 region, DTYP b23:20 (= context), DEXT b29
  uint32_t mss_l4len_idx;    ///< IDX b6:4, L4LEN b15:8, MSS b31:16
};

static_assert(sizeof(AdvTxRead) == 16 && sizeof(AdvTxWriteBack) == 16 && sizeof(AdvTxDesc) == 16);
static_assert(sizeof(AdvTxContextDesc) == 16);
static_assert(offsetof(AdvTxRead, buffer_addr) == 0 && offsetof(AdvTxRead, cmd_type_len) == 8 &&
              offsetof(AdvTxRead, olinfo_status) == 12);
static_assert(offsetof(AdvTxWriteBack, status) == 12);
static_assert(offsetof(AdvTxContextDesc, vlan_macip_lens) == 0 &&
              offsetof(AdvTxContextDesc, seqnum_seed) == 4 &&
              offsetof(AdvTxContextDesc, type_tucmd_mlhl) == 8 &&
              offsetof(AdvTxContextDesc, mss_l4len_idx) == 12);

/// Data descriptor `cmd_type_len`, and the DTYP/DEXT bits the context descriptor shares.
namespace txd_cmd {
inline constexpr uint32_t kDtalenMask = 0x0000FFFFu;
inline constexpr uint32_t kMacTstamp = 1u << 19;
inline constexpr uint32_t kDtypMask = 0x00F00000u;
inline constexpr uint32_t kDtypContext = 0x00200000u;
inline constexpr uint32_t kDtypData = 0x00300000u;
// DCMD (b31:24)
inline constexpr uint32_t kEop = 1u << 24;   ///< last descriptor of the packet
inline constexpr uint32_t kIfcs = 1u << 25;  ///< insert FCS
inline constexpr uint32_t kIc = 1u << 26;    ///< insert checksum (legacy descriptors only)
inline constexpr uint32_t kRs = 1u << 27;    ///< report status: hardware writes DD back
inline constexpr uint32_t kDext = 1u << 29;  ///< descriptor extension: 1 for advanced
inline constexpr uint32_t kVle = 1u << 30;   ///< insert the context descriptor's VLAN
inline constexpr uint32_t kTse = 1u << 31;   ///< TCP segmentation
inline constexpr uint32_t kDcmdMask = 0xFF000000u;
}  // namespace txd_cmd

/// Data descriptor `olinfo_status` (and the write-back `status`).
namespace txd_olinfo {
inline constexpr uint32_t kStaDd = 1u << 0;  ///< write-back: descriptor done (RS was set)
inline constexpr uint32_t kStaMask = 0xFu;
inline constexpr unsigned kIdxShift = 4;      ///< context slot (0 or 1)
inline constexpr uint32_t kIdxMask = 0x70u;
inline constexpr uint32_t kCc = 1u << 7;      ///< check context
inline constexpr unsigned kPoptsShift = 8;
inline constexpr uint32_t kPoptsIxsm = 1u << 8;   ///< insert IPv4 checksum
inline constexpr uint32_t kPoptsTxsm = 1u << 9;   ///< insert L4 checksum
inline constexpr uint32_t kPoptsIpsec = 1u << 10;
inline constexpr unsigned kPaylenShift = 14;  ///< PAYLEN b31:14: whole payload length
inline constexpr uint32_t kPaylenMax = 0x3FFFFu;
}  // namespace txd_olinfo

/// Context descriptor `vlan_macip_lens`.
namespace txd_ctx_lens {
inline constexpr uint32_t kIplenMask = 0x1FFu;
inline constexpr unsigned kMaclenShift = 9;
inline constexpr uint32_t kMaclenMask = 0x7Fu << 9;
inline constexpr unsigned kVlanShift = 16;
}  // namespace txd_ctx_lens

/// Context descriptor `type_tucmd_mlhl` (TUCMD bits; DTYP/DEXT from txd_cmd).
namespace txd_ctx_tucmd {
inline constexpr uint32_t kIpv4 = 1u << 10;
inline constexpr uint32_t kL4tUdp = 0u << 11;
inline constexpr uint32_t kL4tTcp = 1u << 11;
inline constexpr uint32_t kL4tSctp = 2u << 11;
inline constexpr uint32_t kL4tMask = 3u << 11;
inline constexpr uint32_t kEsp = 1u << 13;
inline constexpr uint32_t kEspEncrypt = 1u << 14;
}  // namespace txd_ctx_tucmd

/// Context descriptor `mss_l4len_idx`.
namespace txd_ctx_mss {
inline constexpr unsigned kIdxShift = 4;
inline constexpr uint32_t kIdxMask = 0x70u;
inline constexpr unsigned kL4lenShift = 8;
inline constexpr uint32_t kL4lenMask = 0xFFu << 8;
inline constexpr unsigned kMssShift = 16;
}  // namespace txd_ctx_mss

// ---- Small pure helpers: build or read one word, so driver code has no raw shifts.

/// `cmd_type_len` of an advanced data descriptor carrying `len` bytes with DCMD bits `dcmd`
/// (txd_cmd::kEop, kRs, kIfcs, kVle, ...). DTYP = data and DEXT are always set.
constexpr uint32_t tx_data_cmd_type_len(uint16_t len, uint32_t dcmd) {
  return uint32_t{len} | txd_cmd::kDtypData | txd_cmd::kDext | (dcmd & txd_cmd::kDcmdMask);
}
/// `olinfo_status` announcing a packet of `paylen` bytes in total.
constexpr uint32_t tx_olinfo_paylen(uint32_t paylen) {
  return (paylen & txd_olinfo::kPaylenMax) << txd_olinfo::kPaylenShift;
}
/// The packet type field of an RX write-back `info` word, unshifted (pkt_type:: constants).
constexpr uint32_t rx_pkt_type(uint32_t info) { return info & rxd_info::kPktTypeMask; }
/// The RSS type of an RX write-back `info` word (rss_type:: constants).
constexpr uint32_t rx_rss_type(uint32_t info) { return info & rxd_info::kRssTypeMask; }

static_assert(tx_data_cmd_type_len(60, txd_cmd::kEop | txd_cmd::kRs) == 0x2930003Cu);
static_assert(tx_olinfo_paylen(60) == 60u << 14);

}  // namespace hal::ixgbe
