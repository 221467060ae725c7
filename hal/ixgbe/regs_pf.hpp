#pragma once
// Intel 82599 PF BAR0 registers (spec section 2 and the datasheet's init chapter 4.6), datasheet
// names. The only place PF offsets live; only the registers sriovkit uses.

#include <array>
#include <cstdint>

#include "hal/register_io.hpp"

namespace hal::ixgbe::pf {

inline constexpr uint32_t kBarSize = 512 * 1024;
inline constexpr unsigned kMaxVfs = 64;           // hardware; drivers stop at 63 (spec 6)
inline constexpr unsigned kNumQueues = 128;
inline constexpr unsigned kNumRar = 128;
inline constexpr unsigned kNumMta = 128;
inline constexpr unsigned kNumVfta = 128;
inline constexpr unsigned kNumVlvf = 64;
inline constexpr unsigned kNumPools = 64;
inline constexpr unsigned kNumVectors = 64;       // PF MSI-X table size

// --- General control and status (datasheet 8.2.3.1) ---
inline constexpr Reg32 CTRL{0x00000};
inline constexpr Reg32 STATUS{0x00008};
inline constexpr Reg32 CTRL_EXT{0x00018};
inline constexpr Reg32 EEC{0x10010};
inline constexpr Reg32 RDRXCTL{0x02F00};
inline constexpr Reg32 LINKS{0x042A4};
inline constexpr Reg32 AUTOC{0x042A0};
inline constexpr Reg32 HLREG0{0x04240};
inline constexpr Reg32 MAXFRS{0x04268};
inline constexpr Reg32 FCTRL{0x05080};
inline constexpr Reg32 MCSTCTRL{0x05090};
inline constexpr Reg32 RXCTRL{0x03000};
inline constexpr Reg32 DMATXCTL{0x04A80};

namespace ctrl {
inline constexpr uint32_t kGioMasterDisable = 1u << 2;
inline constexpr uint32_t kLrst = 1u << 3;   // link reset
inline constexpr uint32_t kRst = 1u << 26;   // device (software) reset, self-clearing
inline constexpr uint32_t kResetMask = kRst | kLrst;
}  // namespace ctrl
namespace status {
inline constexpr uint32_t kGioMasterEnable = 1u << 19;
}
namespace ctrl_ext {
inline constexpr uint32_t kPfrstd = 1u << 14;  // PF reset done: gates VF mailbox use
inline constexpr uint32_t kNsDis = 1u << 16;
inline constexpr uint32_t kDrvLoad = 1u << 28;
}  // namespace ctrl_ext
namespace eec {
inline constexpr uint32_t kPres = 1u << 8;   // EEPROM present
inline constexpr uint32_t kArd = 1u << 9;    // EEPROM auto-read done
}  // namespace eec
namespace rdrxctl {
inline constexpr uint32_t kCrcStrip = 1u << 1;
inline constexpr uint32_t kDmaIdone = 1u << 3;  // DMA init done
/// RSC first-packet size (b21:17): 0x8 after reset; software must clear it (datasheet
/// 8.2.3.8.8; Linux and DPDK setup_rdrxctl clear it, ixy issue #29).
inline constexpr uint32_t kRscFrstSizeMask = 0x1Fu << 17;
inline constexpr uint32_t kRscFrstSizeReset = 0x8u << 17;
inline constexpr uint32_t kRscAckc = 1u << 25;    // 82599: must be set (datasheet 8.2.3.8.8)
inline constexpr uint32_t kFcoeWrfix = 1u << 26;  // 82599: must be set (datasheet 8.2.3.8.8)
}  // namespace rdrxctl
namespace links {
inline constexpr uint32_t kUp = 1u << 30;
inline constexpr uint32_t kSpeedMask = 0x30000000u;
inline constexpr uint32_t kSpeed10G = 0x30000000u;
}  // namespace links
namespace hlreg0 {
inline constexpr uint32_t kTxCrcEn = 1u << 0;     // append the FCS on transmit
inline constexpr uint32_t kRxCrcStrp = 1u << 1;   // strip the FCS on receive
inline constexpr uint32_t kJumboEn = 1u << 2;
inline constexpr uint32_t kTxPadEn = 1u << 10;    // pad short TX frames to 64 bytes (FCS included)
inline constexpr uint32_t kRxLngthErrEn = 1u << 27;  // count 802.3 length-field errors in RLEC
/// The bits above that are set after reset (datasheet 8.2.3.22.8, "init val 1b"); the reserved
/// and MDIO fields' reset values are not modelled.
inline constexpr uint32_t kResetValue = kTxCrcEn | kRxCrcStrp | kTxPadEn | kRxLngthErrEn;
}  // namespace hlreg0
namespace maxfrs {
inline constexpr unsigned kMfsShift = 16;
}
namespace fctrl {
inline constexpr uint32_t kMpe = 1u << 8;
inline constexpr uint32_t kUpe = 1u << 9;
inline constexpr uint32_t kBam = 1u << 10;
}  // namespace fctrl
namespace mcstctrl {
inline constexpr uint32_t kMfe = 1u << 2;  // multicast filter enable
}
namespace rxctrl {
inline constexpr uint32_t kRxEn = 1u << 0;
}
namespace dmatxctl {
inline constexpr uint32_t kTe = 1u << 0;
}

// --- Interrupts (datasheet 8.2.3.5) ---
inline constexpr Reg32 EICR{0x00800};
inline constexpr Reg32 EICS{0x00808};
inline constexpr Reg32 EIAC{0x00810};
inline constexpr Reg32 EIMS{0x00880};
inline constexpr Reg32 EIMC{0x00888};
inline constexpr Reg32 EIAM{0x00890};
inline constexpr Reg32 GPIE{0x00898};
constexpr Reg32 IVAR(unsigned n) { return {0x00900 + 4 * n}; }
inline constexpr Reg32 IVAR_MISC{0x00A00};

namespace eicr {
inline constexpr uint32_t kRtxQueueMask = 0xFFFF;
inline constexpr uint32_t kMailbox = 1u << 19;
inline constexpr uint32_t kLsc = 1u << 20;
inline constexpr uint32_t kOther = 1u << 31;
/// Causes routed to the "other" vector (IVAR_MISC byte 1).
inline constexpr uint32_t kOtherCauses = 0x7FFF0000u;
/// EIMC value that masks everything, OTHER (b31) included (Linux IXGBE_IRQ_CLEAR_MASK, which
/// ixgbe_stop_adapter_generic writes).
inline constexpr uint32_t kAllMask = 0xFFFFFFFFu;
}  // namespace eicr
namespace gpie {
inline constexpr uint32_t kMsixMode = 1u << 4;
inline constexpr uint32_t kOcd = 1u << 5;
inline constexpr uint32_t kEiame = 1u << 30;
inline constexpr uint32_t kPbaSupport = 1u << 31;
inline constexpr uint32_t kVtModeMask = 0x0000C000u;
inline constexpr uint32_t kVtMode16 = 0x00004000u;
inline constexpr uint32_t kVtMode32 = 0x00008000u;
inline constexpr uint32_t kVtMode64 = 0x0000C000u;
}  // namespace gpie
namespace ivar {
inline constexpr uint32_t kValid = 0x80;
inline constexpr unsigned kMiscOtherShift = 8;  // IVAR_MISC byte 1: "other" causes
}  // namespace ivar

// --- Mailbox and VF reset (spec 2, 3) ---
constexpr Reg32 PFMAILBOX(unsigned vf) { return {0x04B00 + 4 * vf}; }
constexpr Reg32 PFMBMEM(unsigned vf, unsigned word) { return {0x13000 + 64 * vf + 4 * word}; }
constexpr Reg32 MBVFICR(unsigned i) { return {0x00710 + 4 * i}; }  // i = vf / 16
constexpr Reg32 MBVFIMR(unsigned i) { return {0x00720 + 4 * i}; }  // i = vf / 16
constexpr Reg32 VFLRE(unsigned i) { return {i == 0 ? 0x00600u : 0x001C0u}; }  // i = vf / 32
constexpr Reg32 VFLREC(unsigned i) { return {0x00700 + 4 * i}; }              // i = vf / 32

namespace pfmailbox {
inline constexpr uint32_t kSts = 1u << 0;
inline constexpr uint32_t kAck = 1u << 1;
inline constexpr uint32_t kVfu = 1u << 2;
inline constexpr uint32_t kPfu = 1u << 3;
inline constexpr uint32_t kRvfu = 1u << 4;
}  // namespace pfmailbox
namespace mbvficr {
inline constexpr uint32_t kVfReqMask = 0x0000FFFFu;
inline constexpr uint32_t kVfAckMask = 0xFFFF0000u;
constexpr uint32_t req_bit(unsigned vf) { return 1u << (vf % 16); }
constexpr uint32_t ack_bit(unsigned vf) { return 1u << (16 + vf % 16); }
}  // namespace mbvficr

// --- Pools, switch and anti-spoof (spec 2, 6, 7) ---
inline constexpr Reg32 VT_CTL{0x051B0};
constexpr Reg32 VFRE(unsigned i) { return {0x051E0 + 4 * i}; }  // i = pool / 32
constexpr Reg32 VFTE(unsigned i) { return {0x08110 + 4 * i}; }  // i = pool / 32
constexpr Reg32 PFVFSPOOF(unsigned i) { return {0x08200 + 4 * i}; }  // i = pool / 8
inline constexpr Reg32 PFDTXGSWC{0x08220};
constexpr Reg32 VMECM(unsigned i) { return {0x08790 + 4 * i}; }
/// Switch Security Violation Packet Count: frames the MAC/VLAN anti-spoof checks dropped from
/// pools whose VMECM bit is set. Read-to-clear; one count for the whole switch (no pool).
inline constexpr Reg32 SSVPC{0x08780};
constexpr Reg32 VMOLR(unsigned pool) { return {0x0F000 + 4 * pool}; }
constexpr Reg32 VMVIR(unsigned pool) { return {0x08000 + 4 * pool}; }
constexpr Reg32 VLVF(unsigned i) { return {0x0F100 + 4 * i}; }
constexpr Reg32 VLVFB(unsigned j) { return {0x0F200 + 4 * j}; }  // j = 2i (pools 0-31), 2i+1
constexpr Reg32 VFTA(unsigned i) { return {0x0A000 + 4 * i}; }
constexpr Reg32 RAL(unsigned i) { return {i <= 15 ? 0x05400 + 8 * i : 0x0A200 + 8 * i}; }
constexpr Reg32 RAH(unsigned i) { return {i <= 15 ? 0x05404 + 8 * i : 0x0A204 + 8 * i}; }
constexpr Reg32 MPSAR_LO(unsigned i) { return {0x0A600 + 8 * i}; }
constexpr Reg32 MPSAR_HI(unsigned i) { return {0x0A604 + 8 * i}; }
constexpr Reg32 MTA(unsigned i) { return {0x05200 + 4 * i}; }
constexpr Reg32 PSRTYPE(unsigned pool) { return {0x0EA00 + 4 * pool}; }
inline constexpr Reg32 MRQC{0x05818};
inline constexpr Reg32 MTQC{0x08120};
inline constexpr Reg32 GCR_EXT{0x11050};
inline constexpr Reg32 RTTDCS{0x04900};
inline constexpr Reg32 QDE{0x02F04};
inline constexpr Reg32 RTTDQSEL{0x04904};
inline constexpr Reg32 RTTBCNRM{0x04980};
inline constexpr Reg32 RTTBCNRC{0x04984};

namespace vt_ctl {
inline constexpr uint32_t kVtEnable = 1u << 0;
inline constexpr unsigned kDefPlShift = 7;
inline constexpr uint32_t kDefPlMask = 0x3Fu << 7;
inline constexpr uint32_t kDisDefPl = 1u << 29;
inline constexpr uint32_t kReplEn = 1u << 30;
}  // namespace vt_ctl
namespace pfvfspoof {
constexpr uint32_t mac_bit(unsigned pool) { return 1u << (pool % 8); }
constexpr uint32_t vlan_bit(unsigned pool) { return 1u << (8 + pool % 8); }
}  // namespace pfvfspoof
namespace pfdtxgswc {
inline constexpr uint32_t kVtLben = 1u << 0;
}
namespace vmolr {
inline constexpr uint32_t kUpe = 1u << 22;
inline constexpr uint32_t kVpe = 1u << 23;
inline constexpr uint32_t kAupe = 1u << 24;
inline constexpr uint32_t kRompe = 1u << 25;
inline constexpr uint32_t kRope = 1u << 26;
inline constexpr uint32_t kBam = 1u << 27;
inline constexpr uint32_t kMpe = 1u << 28;
}  // namespace vmolr
namespace vmvir {
inline constexpr uint32_t kVidMask = 0x0FFF;
inline constexpr unsigned kPrioShift = 13;
inline constexpr uint32_t kVlanaDefault = 0x40000000u;  // always insert the default VLAN
inline constexpr uint32_t kVlanaNever = 0x80000000u;
inline constexpr uint32_t kVlanaMask = 0xC0000000u;
}  // namespace vmvir
namespace vlvf {
inline constexpr uint32_t kVidMask = 0x0FFF;
inline constexpr uint32_t kVien = 1u << 31;
}  // namespace vlvf
namespace rah {
inline constexpr uint32_t kAv = 1u << 31;
}
namespace mrqc {
inline constexpr uint32_t kMrqeMask = 0xF;
inline constexpr uint32_t kVmdq64 = 0x8;
inline constexpr uint32_t kVmdq32Rss = 0xA;
inline constexpr uint32_t kVmdq64Rss = 0xB;
inline constexpr uint32_t kVmdq32x4Tc = 0xD;
}  // namespace mrqc
namespace mtqc {
inline constexpr uint32_t kRtEna = 1u << 0;
inline constexpr uint32_t kVtEna = 1u << 1;
inline constexpr uint32_t k64Pools2Q = 0x4;
inline constexpr uint32_t k32Pools4Q = 0x8;
}  // namespace mtqc
namespace gcr_ext {
inline constexpr uint32_t kVtModeMask = 0x3;
inline constexpr uint32_t kVtMode16 = 0x1;
inline constexpr uint32_t kVtMode32 = 0x2;
inline constexpr uint32_t kVtMode64 = 0x3;
inline constexpr uint32_t kBuffersClear = 1u << 30;
inline constexpr uint32_t kMsixEn = 1u << 31;
}  // namespace gcr_ext
namespace rttdcs {
inline constexpr uint32_t kArbDis = 1u << 6;
}
namespace qde {
inline constexpr uint32_t kEnable = 1u << 0;
inline constexpr uint32_t kHideVlan = 1u << 1;
inline constexpr unsigned kIdxShift = 8;
inline constexpr uint32_t kIdxMask = 0x7Fu << 8;
inline constexpr uint32_t kWrite = 1u << 16;
inline constexpr uint32_t kRead = 1u << 17;
}  // namespace qde
namespace rttbcnrc {
inline constexpr uint32_t kRfDecMask = 0x3FFF;
inline constexpr unsigned kRfIntShift = 14;
inline constexpr uint32_t kRfIntMask = 0x3FFu << 14;
inline constexpr uint32_t kRsEna = 1u << 31;
}  // namespace rttbcnrc

// --- PF view of the absolute queues (spec 2, D-TYPE PVF* macros) ---
constexpr uint32_t rx_queue_base(unsigned q) { return q < 64 ? 0x01000 + 0x40 * q : 0x0D000 + 0x40 * (q - 64); }
constexpr uint32_t tx_queue_base(unsigned q) { return 0x06000 + 0x40 * q; }
constexpr Reg32 RDBAL(unsigned q) { return {rx_queue_base(q) + 0x00}; }
constexpr Reg32 RDBAH(unsigned q) { return {rx_queue_base(q) + 0x04}; }
constexpr Reg32 RDLEN(unsigned q) { return {rx_queue_base(q) + 0x08}; }
constexpr Reg32 RDH(unsigned q) { return {rx_queue_base(q) + 0x10}; }
constexpr Reg32 SRRCTL(unsigned q) { return {rx_queue_base(q) + 0x14}; }
constexpr Reg32 RDT(unsigned q) { return {rx_queue_base(q) + 0x18}; }
constexpr Reg32 RXDCTL(unsigned q) { return {rx_queue_base(q) + 0x28}; }
constexpr Reg32 TDBAL(unsigned q) { return {tx_queue_base(q) + 0x00}; }
constexpr Reg32 TDBAH(unsigned q) { return {tx_queue_base(q) + 0x04}; }
constexpr Reg32 TDLEN(unsigned q) { return {tx_queue_base(q) + 0x08}; }
constexpr Reg32 TDH(unsigned q) { return {tx_queue_base(q) + 0x10}; }
constexpr Reg32 TDT(unsigned q) { return {tx_queue_base(q) + 0x18}; }
constexpr Reg32 TXDCTL(unsigned q) { return {tx_queue_base(q) + 0x28}; }
constexpr Reg32 TDWBAL(unsigned q) { return {tx_queue_base(q) + 0x38}; }
constexpr Reg32 TDWBAH(unsigned q) { return {tx_queue_base(q) + 0x3C}; }

// --- Statistics (datasheet 8.2.3.23: every one clear-on-read, sticking at 0xFFFFFFFF) ---
// Touched by the init sequence:
inline constexpr Reg32 GPRC{0x04074};
inline constexpr Reg32 GPTC{0x04080};
inline constexpr Reg32 MPC0{0x03FA0};
// MAC receive errors, frames the MAC discards (lengths from the destination address through
// the FCS; the maximum is MAXFRS.MFS with HLREG0.JUMBOEN, else 1518). The simulated MAC counts
// them (hal/sim/mac_rx.hpp).
inline constexpr Reg32 CRCERRS{0x04000};  // bad FCS, 64 bytes or longer
inline constexpr Reg32 RLEC{0x04040};     // 802.3 length field disagrees with the frame (RXLNGTHERREN)
inline constexpr Reg32 RUC{0x040A4};      // good FCS, shorter than 64 bytes (undersize)
inline constexpr Reg32 RFC{0x040A8};      // bad FCS, shorter than 64 bytes (fragment)
inline constexpr Reg32 ROC{0x040AC};      // good FCS, longer than the maximum (oversize)
inline constexpr Reg32 RJC{0x040B0};      // bad FCS, longer than the maximum (jabber)

// --- Added for pf_driver: RSS shared with the VFs, VLAN filter enable, rate compensation ---
// (datasheet 8.2.3.7: RETA/RSSRK/MRQC fields, 8.2.3.7.2 VLNCTRL; spec 7 for RTTBCNRM)
constexpr Reg32 RETA(unsigned i) { return {0x05C00 + 4 * i}; }   // i = 0..31, 4 entries each
constexpr Reg32 RSSRK(unsigned i) { return {0x05C80 + 4 * i}; }  // i = 0..9, 40-byte key
inline constexpr unsigned kNumReta = 32;
inline constexpr unsigned kNumRssrk = 10;
inline constexpr Reg32 VLNCTRL{0x05088};
namespace vlnctrl {
inline constexpr uint32_t kVfe = 1u << 30;  // VLAN filter enable (VFTA)
}
namespace mrqc {
inline constexpr uint32_t kRssFieldIpv4Tcp = 1u << 16;
inline constexpr uint32_t kRssFieldIpv4 = 1u << 17;
inline constexpr uint32_t kRssFieldIpv6 = 1u << 20;
inline constexpr uint32_t kRssFieldIpv6Tcp = 1u << 21;
}  // namespace mrqc
namespace rttbcnrm {
inline constexpr uint32_t kMmwSize82599 = 0x4;  // compensation without 9.5 KB jumbo (spec 7)
}

// --- Added for pf_driver: index/bit helpers, so driver code has no raw masks or shifts ---

/// Pool bitmaps split over register pairs, 32 pools each: VFRE, VFTE, VMECM and MPSAR_LO/HI
/// (spec 2). Register pool_reg_index(p) holds pool p at pool_bit(p).
inline constexpr unsigned kPoolsPerReg = 32;
constexpr unsigned pool_reg_index(unsigned pool) { return pool / kPoolsPerReg; }
constexpr uint32_t pool_bit(unsigned pool) { return 1u << (pool % kPoolsPerReg); }
/// The bits of pool-bitmap register `i` that cover pools first_pool and above.
constexpr uint32_t pool_bits_from(unsigned first_pool, unsigned i) {
  const unsigned lo = i * kPoolsPerReg;
  if (first_pool <= lo) return ~0u;
  if (first_pool >= lo + kPoolsPerReg) return 0;
  return ~0u << (first_pool - lo);
}
static_assert(pool_reg_index(kNumPools - 1) == 1 && pool_bit(33) == 2u);
static_assert(pool_bits_from(4, 0) == 0xFFFFFFF0u && pool_bits_from(4, 1) == ~0u &&
              pool_bits_from(40, 0) == 0 && pool_bits_from(40, 1) == 0xFFFFFF00u);

namespace mbvficr {
inline constexpr unsigned kVfsPerReg = 16;  // MBVFICR(i)/MBVFIMR(i) cover VFs 16i..16i+15
constexpr unsigned reg_index(unsigned vf) { return vf / kVfsPerReg; }
}  // namespace mbvficr

namespace pfvfspoof {
inline constexpr unsigned kPoolsPerReg = 8;  // PFVFSPOOF(i) covers pools 8i..8i+7
constexpr unsigned reg_index(unsigned pool) { return pool / kPoolsPerReg; }
}  // namespace pfvfspoof

/// The 4096-bit multicast table: a 12-bit hash picks MTA register hash[11:5] and bit hash[4:0]
/// (spec 4c; Linux/DPDK `(hash >> 5) & 0x7F`, `hash & 0x1F`).
namespace mta {
inline constexpr uint16_t kHashMask = 0x0FFF;  // hashes are 12 bits wide
inline constexpr unsigned kRegShift = 5;
inline constexpr unsigned kRegMask = 0x7F;
inline constexpr unsigned kBitMask = 0x1F;
constexpr unsigned reg_index(uint16_t hash) { return (hash >> kRegShift) & kRegMask; }
constexpr uint32_t bit(uint16_t hash) { return 1u << (hash & kBitMask); }
static_assert(reg_index(kHashMask) == kNumMta - 1 && bit(kHashMask) == 1u << 31);
}  // namespace mta

/// The 4096-bit VLAN table: VID v is bit v % 32 of VFTA(v / 32).
namespace vfta {
inline constexpr unsigned kVidsPerReg = 32;
constexpr unsigned reg_index(uint16_t vid) { return vid / kVidsPerReg; }
constexpr uint32_t bit(uint16_t vid) { return 1u << (vid % kVidsPerReg); }
static_assert(reg_index(4095) == kNumVfta - 1);
}  // namespace vfta

// --- Added for the simulated VEB (hal/sim/l2_switch): the unicast hash table, the filter type,
// and the fields the switch decodes. PFUTA's offset is D-TYPE's IXGBE_UTA(i); MO as D-TYPE's
// MCSTCTRL filter-type field (the spec does not list either) ---
constexpr Reg32 PFUTA(unsigned i) { return {0x0F400 + 4 * i}; }  // i = 0..127, 4096-bit table
inline constexpr unsigned kNumUta = 128;

namespace mcstctrl {
inline constexpr uint32_t kMoMask = 0x3;  // MO b1:0: multicast/unicast hash filter type 0..3
}
namespace rah {
inline constexpr uint32_t kAddrHiMask = 0xFFFF;  // RAH b15:0: address bytes 4 and 5
}
namespace pfvfspoof {
inline constexpr uint32_t kMacMask = 0xFF;  // b7:0: MAC anti-spoof, pools 8i..8i+7
inline constexpr unsigned kVlanShift = 8;   // b15:8: VLAN anti-spoof, same pools
}  // namespace pfvfspoof
namespace vmvir {
inline constexpr uint32_t kTciMask = 0xFFFF;  // VID b11:0, CFI b12, priority b15:13: the tag
inline constexpr uint32_t kPrioMask = 0xE000;
}  // namespace vmvir

namespace mta {
/// The 12-bit MTA/UTA hash of an address whose bytes 4 and 5 are `byte4`, `byte5`, for filter
/// type `mo` (MCSTCTRL.MO): type 0 takes address bits 47:36, 1 bits 46:35, 2 bits 45:34, 3 bits
/// 43:32, byte 5 being bits 47:40 (spec 4c; mbx::mta_hash is built on it). PFUTA uses the same
/// hash for unicast.
constexpr uint16_t hash(uint8_t byte4, uint8_t byte5, unsigned mo) {
  constexpr unsigned kShift[4] = {4, 3, 2, 0};
  const uint32_t top = uint32_t{byte4} | uint32_t{byte5} << 8;  // address bits 47:32
  return static_cast<uint16_t>((top >> kShift[mo & mcstctrl::kMoMask]) & kHashMask);
}
static_assert(hash(0x00, 0x01, 0) == 0x010 && hash(0xFF, 0xFA, 0) == 0xFAF &&
              hash(0xFF, 0xFA, 1) == 0xF5F && hash(0xFF, 0xFA, 2) == 0xEBF &&
              hash(0xFF, 0xFA, 3) == 0xAFF);
}  // namespace mta

namespace reta {
/// What a VF learns of a RETA entry (GET_RETA, spec 4b): 2 bits, a queue of its own pool (an
/// 82599 pool has at most 4 queues with RSS, spec 6).
inline constexpr uint8_t kVfEntryMask = 0x3;
}  // namespace reta

// --- Added for the simulated RSS (hal/sim/rss): the MRQE modes, the remaining hash-field
// enables, the RETA entry width, PSRTYPE.RQPL and RXCSUM.PCSD (datasheet 7.1.2.8, 8.2.3.7;
// field positions as D-TYPE's IXGBE_MRQC_*, IXGBE_PSRTYPE_RQPL_SHIFT, IXGBE_RXCSUM_PCSD) ---
inline constexpr Reg32 RXCSUM{0x05000};
namespace mrqc {
// MRQE (b3:0) values besides the VT ones above; 0x6, 0x7, 0x9, 0xE and 0xF are reserved.
inline constexpr uint32_t kMrqeNone = 0x0;      // one queue, no RSS
inline constexpr uint32_t kRss = 0x1;           // RSS over 16 queues
inline constexpr uint32_t kDcb8Tc = 0x2;        // DCB, 8 TCs, no RSS
inline constexpr uint32_t kDcb4Tc = 0x3;        // DCB, 4 TCs, no RSS
inline constexpr uint32_t kDcbRss8Tc = 0x4;     // DCB, 8 TCs x 16 RSS queues
inline constexpr uint32_t kDcbRss4Tc = 0x5;     // DCB, 4 TCs x 16 RSS queues
inline constexpr uint32_t kVmdq16x8Tc = 0xC;    // VT, 16 pools x 8 TCs
// Hash-field enables (b24:16): one bit per hash function; several may be set.
inline constexpr uint32_t kRssFieldIpv6ExTcp = 1u << 18;
inline constexpr uint32_t kRssFieldIpv6Ex = 1u << 19;
inline constexpr uint32_t kRssFieldIpv4Udp = 1u << 22;
inline constexpr uint32_t kRssFieldIpv6Udp = 1u << 23;
inline constexpr uint32_t kRssFieldIpv6ExUdp = 1u << 24;
inline constexpr uint32_t kRssFieldMask = 0x01FF0000u;
}  // namespace mrqc
namespace reta {
/// Each RETA byte is one entry; the 82599 uses its low 4 bits (the RSS output index, 16 queues).
inline constexpr uint8_t kEntryMask = 0xF;
inline constexpr unsigned kEntriesPerReg = 4;  // RETA(i) holds entries 4i..4i+3, entry 4i in b7:0
inline constexpr unsigned kNumEntries = 128;   // indexed by the hash's 7 low bits
}  // namespace reta
namespace psrtype {
/// RQPL (b31:29): how many low bits of the RSS output index select a queue of this pool
/// (0: one queue, 1: two, 2: four). Drivers write log2 of the pool's RX queue count.
inline constexpr unsigned kRqplShift = 29;
inline constexpr uint32_t kRqplMask = 0x7u << 29;
}  // namespace psrtype
namespace rxcsum {
/// PCSD: descriptor dword 1 carries the RSS hash instead of the IP id and packet checksum.
inline constexpr uint32_t kPcsd = 1u << 13;
}
namespace rttbcnrm {
/// MMW_SIZE (b10:0): the rate scheduler's compensation window; Linux and DPDK write 0x4
/// (0x14 with 9.5 KB jumbo). Width and unit are not in the spec: see docs/sim-model.md.
inline constexpr uint32_t kMmwSizeMask = 0x7FF;
}  // namespace rttbcnrm


// --- Added for the full bring-up and teardown (datasheet 4.6.3 .. 4.6.8; offsets and bits as
// Linux ixgbe_type.h / DPDK base/ixgbe_type.h name them) ---

// 8.2.3.1.3 ESDP: software-definable pins. On SFP+ boards SDP3 drives the module's TX_DISABLE:
// set = laser off (Linux ixgbe_disable_tx_laser_multispeed_fiber), clear = laser on.
inline constexpr Reg32 ESDP{0x00020};
namespace esdp {
inline constexpr uint32_t kSdp3 = 1u << 3;      // SDP3 data: TX_DISABLE of the SFP+ module
inline constexpr uint32_t kSdp3Dir = 1u << 11;  // SDP3 direction: 1 = output (set by the EEPROM)
}  // namespace esdp

// 8.2.3.22.19 AUTOC, 8.2.3.22.21 AUTOC2, ANLP1: link mode select (4.6.4) and the 82599's
// pipeline reset (Linux ixgbe_reset_pipeline_82599).
inline constexpr Reg32 AUTOC2{0x042A8};
inline constexpr Reg32 ANLP1{0x042B0};
namespace autoc {
inline constexpr uint32_t kRestartAn = 1u << 12;  // self-clearing: apply LMS, restart the link
inline constexpr uint32_t kLmsMask = 0x7u << 13;
inline constexpr uint32_t kLms10gSerial = 0x3u << 13;  // 10 Gb/s serial (SFI with AUTOC2)
inline constexpr uint32_t kLmsKx4KxKr = 0x4u << 13;    // backplane, not on an SFP+ port
/// LMS bit 2: toggled together with RESTART_AN it resets the whole link pipeline.
inline constexpr uint32_t kLmsPipelineToggle = 0x4u << 13;
}  // namespace autoc
namespace autoc2 {
inline constexpr uint32_t k10gPmaPmdSerialMask = 0x3u << 16;
inline constexpr uint32_t k10gSfi = 0x2u << 16;  // 10G serial PMA/PMD: SFI (SFP+)
/// b30:28: the EEPROM may disable the link (Linux IXGBE_AUTOC2_LINK_DISABLE_MASK); software
/// clears them before a pipeline reset.
inline constexpr uint32_t kLinkDisableMask = 0x7u << 28;
}  // namespace autoc2
namespace anlp1 {
inline constexpr uint32_t kAnStateMask = 0xFu << 16;  // 0: auto-negotiation not started
}

// 8.2.3.22.x MMNGC, 8.2.3.26 manageability: firmware that shares the port with the driver.
inline constexpr Reg32 MMNGC{0x042D0};
inline constexpr Reg32 MANC{0x05820};
inline constexpr Reg32 FWSM{0x10148};
inline constexpr Reg32 FACTPS{0x10150};
namespace mmngc {
inline constexpr uint32_t kMngVeto = 1u << 0;  // firmware vetoes link resets
}
namespace manc {
inline constexpr uint32_t kRcvTcoEn = 1u << 17;  // firmware receives TCO (BMC) traffic
}
namespace fwsm {
inline constexpr uint32_t kModeMask = 0x7u << 1;
inline constexpr uint32_t kModePassThrough = 0x2u << 1;  // Linux IXGBE_FWSM_FW_MODE_PT (0x4)
}  // namespace fwsm
namespace factps {
inline constexpr uint32_t kMngcg = 1u << 29;  // manageability clock gated: firmware asleep
}

// 8.2.3.2.2 EERD: one EEPROM word through the EEPROM read register.
inline constexpr Reg32 EERD{0x10014};
namespace eerd {
inline constexpr uint32_t kStart = 1u << 0;
inline constexpr uint32_t kDone = 1u << 1;
inline constexpr unsigned kAddrShift = 2;
inline constexpr uint32_t kAddrMask = 0x3FFFu << 2;
inline constexpr unsigned kDataShift = 16;
}  // namespace eerd
/// EEPROM words the driver reads (Linux ixgbe_verify_lesm_fw_enabled_82599): the firmware
/// module pointer, in it the LESM parameter pointer, in that the LESM state word.
namespace eeprom {
inline constexpr uint16_t kFwPtr = 0x0F;
inline constexpr uint16_t kFwLesmParametersPtr = 0x2;
inline constexpr uint16_t kFwLesmState1 = 0x1;
inline constexpr uint16_t kFwLesmStateEnabled = 0x8000;
inline constexpr unsigned kWords = 0x4000;  // what EERD's 14-bit address reaches
}  // namespace eeprom

// MSI-X auto-mask, one bit per vector (0..31 in EIAM_EX(0), 32..63 in EIAM_EX(1)).
constexpr Reg32 EIAM_EX(unsigned i) { return {0x00AD0 + 4 * i}; }

// 4.6.3.2 and 8.2.3.3: flow control. Off: every register 0, except FCRTH.RTH (below).
constexpr Reg32 FCTTV(unsigned i) { return {0x03200 + 4 * i}; }  // i = 0..3
constexpr Reg32 FCRTL(unsigned tc) { return {0x03220 + 4 * tc}; }  // 82599 layout, tc = 0..7
constexpr Reg32 FCRTH(unsigned tc) { return {0x03260 + 4 * tc}; }  // 82599 layout, tc = 0..7
inline constexpr Reg32 FCRTV{0x032A0};
inline constexpr Reg32 FCCFG{0x03D00};
inline constexpr Reg32 MFLCN{0x04294};
inline constexpr unsigned kNumFcTtv = 4;
inline constexpr unsigned kNumTc = 8;  // packet buffers and flow-control thresholds
namespace fcrth {
inline constexpr uint32_t kFcen = 1u << 31;      // XOFF enable for this packet buffer
inline constexpr uint32_t kRthMask = 0x7FFE0u;   // b18:5, in bytes (32-byte units)
/// 4.6.3.2: RTH must hold a value even with flow control off, typically RXPBSIZE - 0x6000.
inline constexpr uint32_t kHeadroom = 0x6000;
}  // namespace fcrth

// 4.6.7 / 8.2.3.8: receive packet buffers and the security (MACsec/IPsec) RX path.
constexpr Reg32 RXPBSIZE(unsigned tc) { return {0x03C00 + 4 * tc}; }
inline constexpr Reg32 SECRXCTRL{0x08D00};
inline constexpr Reg32 SECRXSTAT{0x08D04};
namespace rxpbsize {
inline constexpr uint32_t k512KB = 0x00080000u;  // the whole 512 KB RX buffer in PB 0 (no DCB)
inline constexpr uint32_t kSizeMask = 0x000FFC00u;  // b19:10, in KB
}  // namespace rxpbsize
namespace secrxctrl {
inline constexpr uint32_t kRxDis = 1u << 1;     // stop the RX data path (drain first)
}  // namespace secrxctrl
namespace secrxstat {
inline constexpr uint32_t kSecRxRdy = 1u << 0;  // RX path drained: RX_DIS took effect
}

// 4.6.8 / 8.2.3.9: transmit packet buffers and the DMA request size.
constexpr Reg32 TXPBSIZE(unsigned tc) { return {0x0CC00 + 4 * tc}; }
inline constexpr Reg32 DTXMXSZRQ{0x08100};
namespace txpbsize {
inline constexpr uint32_t k160KB = 0x00028000u;  // the whole 160 KB TX buffer in PB 0 (no DCB)
inline constexpr uint32_t kSizeMask = 0x000FFC00u;
}  // namespace txpbsize
namespace dtxmxszrq {
inline constexpr uint32_t kMaxBytesNumReqMask = 0xFFFu;  // b11:0, in 256-byte units
inline constexpr uint32_t kDefault = 0x10u;              // 4 KB, the reset value
/// Datasheet 4.6.11.3.4 (DCB off): the most outstanding TX request bytes (ixy writes 0xFFFF,
/// of which the 12-bit field keeps 0xFFF).
inline constexpr uint32_t kNoDcb = 0xFFFu;
}  // namespace dtxmxszrq

// 8.2.3.23: statistics the model counts besides the MAC receive errors above (all clear on
// read; the GORC/GOTC/TOR pairs are 36-bit: L holds bits 31:0, H bits 35:32).
inline constexpr Reg32 ILLERRC{0x04004};
inline constexpr Reg32 ERRBC{0x04008};
inline constexpr Reg32 MLFC{0x04034};
inline constexpr Reg32 MRFC{0x04038};
inline constexpr Reg32 BPRC{0x04078};
inline constexpr Reg32 MPRC{0x0407C};
inline constexpr Reg32 GORCL{0x04088};
inline constexpr Reg32 GORCH{0x0408C};
inline constexpr Reg32 GOTCL{0x04090};
inline constexpr Reg32 GOTCH{0x04094};
inline constexpr Reg32 TORL{0x040C0};
inline constexpr Reg32 TORH{0x040C4};
inline constexpr Reg32 TPR{0x040D0};
inline constexpr Reg32 TPT{0x040D4};
inline constexpr Reg32 MPTC{0x040F0};
inline constexpr Reg32 BPTC{0x040F4};
constexpr Reg32 MPC(unsigned tc) { return {0x03FA0 + 4 * tc}; }  // MPC(0) is MPC0 above
namespace stats {
inline constexpr uint32_t kHighMask = 0xF;  // bits 35:32 of a 36-bit octet counter
}

/// Every statistics register sriovkit knows (datasheet 8.2.3.23; Linux ixgbe_clear_hw_cntrs
/// reads the same ones among more): clear on read, so one read of each zeroes them (4.6.5).
/// The simulated device answers exactly these as clear-on-read counters. SSVPC is apart: it
/// belongs to the switch (spoof_watch reads it).
inline constexpr std::array kClearOnReadStats = {
    CRCERRS, ILLERRC, ERRBC,  MLFC,   MRFC,   RLEC,   MPC(0), MPC(1), MPC(2), MPC(3),
    MPC(4),  MPC(5),  MPC(6), MPC(7), GPRC,   BPRC,   MPRC,   GPTC,   GORCL,  GORCH,
    GOTCL,   GOTCH,   RUC,    RFC,    ROC,    RJC,    TORL,   TORH,   TPR,    TPT,
    MPTC,    BPTC};

}  // namespace hal::ixgbe::pf
