#pragma once
// A rig for the device engine tests: a simulated 82599 with N VFs, the switch programmed raw
// through PF registers (one RAR entry per VF, VT on, loopback on), and each VF's rings and
// buffers in plain host memory mapped into that VF's IovaTable. The software side of the rings
// is written here by hand, the way a driver would, so the tests see the engine alone.

#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "hal/ixgbe/descriptors.hpp"
#include "hal/ixgbe/queue_regs.hpp"
#include "sim_fixture.hpp"
#include "test_frames.hpp"

namespace test {

namespace ix = hal::ixgbe;

inline hal::MacAddr vf_mac(unsigned vf) {
  return hal::MacAddr({0x02, 0x00, 0x00, 0x00, 0x01, static_cast<uint8_t>(vf)});
}
inline const hal::MacAddr kBroadcastMac({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
inline const hal::MacAddr kUnknownMac({0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE});


/// The device's packet accounting adds up (every frame delivered or in one drop counter).
inline void require_accounts(const sim::Device82599& dev) {
  const sim::Accounting a = dev.accounting();
  INFO(a.summary());
  REQUIRE(a.check().empty());
}

/// What the software side read from one completed RX frame.
struct RxFrame {
  Bytes bytes;
  uint32_t status = 0;  ///< status_error of the EOP descriptor
  uint16_t vlan = 0;
  unsigned descriptors = 0;
};

class EngineRig {
 public:
  static constexpr uint64_t kTxRing = 0x0000, kRxRing = 0x1000, kHeadWb = 0x2000;
  static constexpr uint64_t kTxBuf = 0x10000, kTxBufSize = 0x4000;  // one 16 KiB buffer per slot
  static constexpr unsigned kMaxRing = 64;
  static constexpr uint64_t kRxBuf = kTxBuf + kMaxRing * kTxBufSize, kRxBufSize = 0x800;
  static constexpr uint64_t kMemSize = kRxBuf + kMaxRing * kRxBufSize;

  struct Vf {
    std::vector<uint8_t> mem;
    uint64_t iova = 0;
    uint32_t tx_tail = 0, rx_tail = 0, rx_next = 0;
  };

  explicit EngineRig(unsigned num_vfs = 8, unsigned ring = 64, hal::Clock* clock = nullptr)
      : dev(ready_device(num_vfs, clock)), wire(std::make_shared<sim::MemoryWire>()), n(num_vfs), ring_(ring) {
    dev->set_wire(wire);
    vfs.resize(num_vfs);
    for (unsigned v = 0; v < num_vfs; ++v) {
      vfs[v].mem.assign(kMemSize, 0);
      vfs[v].iova = iova_base(v);
      (void)dev->vf(hal::VfId{v}).value()->dma().map(hal::Iova(vfs[v].iova), vfs[v].mem.data(), kMemSize);
    }
    program_switch();
  }

  /// Each VF's memory sits at a different IOVA, so one VF's addresses are outside the others'.
  static uint64_t iova_base(unsigned vf) { return 0x10000000ull * (vf + 1); }
  hal::RegisterIo& pf() { return dev->pf().bar0(); }
  hal::RegisterIo& bar(unsigned vf) { return vf_bar(*dev, vf); }
  uint8_t* host(unsigned vf, uint64_t off) { return vfs[vf].mem.data() + off; }

  /// VT on with replication, the PF's default pool after the VFs, VEB loopback on, RX/TX on
  /// for every pool up to the PF's, and RAR entry v+1 = VF v's MAC for pool v, VMOLR AUPE|BAM.
  void program_switch() {
    pf().write(pfr::VT_CTL, pfr::vt_ctl::kVtEnable | pfr::vt_ctl::kReplEn | (n << pfr::vt_ctl::kDefPlShift));
    pf().write(pfr::PFDTXGSWC, pfr::pfdtxgswc::kVtLben);
    pf().write(pfr::VFRE(0), (2u << n) - 1);
    pf().write(pfr::VFTE(0), (2u << n) - 1);
    for (unsigned v = 0; v < n; ++v) {
      const uint64_t bits = sim::Mac48::from(vf_mac(v)).bits();
      pf().write(pfr::RAL(v + 1), static_cast<uint32_t>(bits));
      pf().write(pfr::RAH(v + 1), static_cast<uint32_t>(bits >> 32) | pfr::rah::kAv);
      pf().write(pfr::MPSAR_LO(v + 1), 1u << v);
      pf().write(pfr::VMOLR(v), pfr::vmolr::kAupe | pfr::vmolr::kBam);
    }
  }

  /// VF `vf`'s queue 0 TX ring, optionally with head write-back.
  void setup_tx(unsigned vf, bool head_wb = false) {
    auto& b = bar(vf);
    const uint64_t ring = vfs[vf].iova + kTxRing;
    b.write(vfr::VFTDBAL(0), static_cast<uint32_t>(ring));
    b.write(vfr::VFTDBAH(0), static_cast<uint32_t>(ring >> 32));
    b.write(vfr::VFTDLEN(0), ring_ * 16);
    b.write(vfr::VFTDH(0), 0);
    b.write(vfr::VFTDT(0), 0);
    const uint64_t wb = vfs[vf].iova + kHeadWb;
    b.write(vfr::VFTDWBAL(0), head_wb ? static_cast<uint32_t>(wb) | ix::tdwbal::kHeadWbEnable : 0);
    b.write(vfr::VFTDWBAH(0), head_wb ? static_cast<uint32_t>(wb >> 32) : 0);
    b.write(vfr::VFTXDCTL(0), ix::txdctl::kEnable);
    vfs[vf].tx_tail = 0;
  }

  /// VF `vf`'s queue 0 RX ring with `bsize_kb` KiB buffers; no descriptor given yet.
  void setup_rx(unsigned vf, uint32_t bsize_kb = 2, bool vme = false) {
    auto& b = bar(vf);
    const uint64_t ring = vfs[vf].iova + kRxRing;
    b.write(vfr::VFRDBAL(0), static_cast<uint32_t>(ring));
    b.write(vfr::VFRDBAH(0), static_cast<uint32_t>(ring >> 32));
    b.write(vfr::VFRDLEN(0), ring_ * 16);
    b.write(vfr::VFSRRCTL(0), bsize_kb | ix::srrctl::kDescTypeAdvOneBuf);
    b.write(vfr::VFRDH(0), 0);
    b.write(vfr::VFRDT(0), 0);
    b.write(vfr::VFRXDCTL(0), ix::rxdctl::kEnable | (vme ? ix::rxdctl::kVme : 0));
    vfs[vf].rx_tail = vfs[vf].rx_next = 0;
  }

  /// TX and RX on every VF, each RX ring full (ring - 1 descriptors).
  void setup_all(bool vme = false) {
    for (unsigned v = 0; v < n; ++v) {
      setup_tx(v);
      setup_rx(v, 2, vme);
      post_rx(v, ring_ - 1);
    }
  }

  /// Gives the device `count` more RX descriptors (buffer addresses), then writes VFRDT once.
  /// `pkt_addr` overrides the buffer address of every descriptor (fault tests).
  void post_rx(unsigned vf, unsigned count, std::optional<uint64_t> pkt_addr = {}) {
    Vf& s = vfs[vf];
    for (unsigned k = 0; k < count; ++k) {
      ix::AdvRxRead d{pkt_addr.value_or(s.iova + kRxBuf + s.rx_tail * kRxBufSize), 0};
      std::memcpy(host(vf, kRxRing + s.rx_tail * 16), &d, sizeof d);
      s.rx_tail = (s.rx_tail + 1) % ring_;
    }
    bar(vf).write(vfr::VFRDT(0), s.rx_tail);
  }

  /// Queues `frame` on VF `vf`'s TX ring split into `segments` descriptors (RS and EOP on the
  /// last), then writes VFTDT. `buffer_iova` overrides the first segment's address.
  void send(unsigned vf, const Bytes& frame, unsigned segments = 1, std::optional<uint64_t> buffer_iova = {}) {
    Vf& s = vfs[vf];
    const size_t per = (frame.size() + segments - 1) / segments;
    for (unsigned k = 0; k < segments; ++k) {
      const size_t off = k * per;
      const size_t len = std::min(per, frame.size() - off);
      const uint64_t buf = kTxBuf + s.tx_tail * kTxBufSize;
      std::memcpy(host(vf, buf), frame.data() + off, len);
      const bool last = k + 1 == segments;
      ix::AdvTxRead d{};
      d.buffer_addr = (k == 0 && buffer_iova) ? *buffer_iova : s.iova + buf;
      d.cmd_type_len = ix::tx_data_cmd_type_len(static_cast<uint16_t>(len),
                                                ix::txd_cmd::kIfcs | (last ? ix::txd_cmd::kEop | ix::txd_cmd::kRs : 0));
      d.olinfo_status = ix::tx_olinfo_paylen(static_cast<uint32_t>(frame.size()));
      std::memcpy(host(vf, kTxRing + s.tx_tail * 16), &d, sizeof d);
      s.tx_tail = (s.tx_tail + 1) % ring_;
    }
    bar(vf).write(vfr::VFTDT(0), s.tx_tail);
  }

  /// Write-back `status` of TX descriptor `i` of VF `vf`.
  uint32_t tx_status(unsigned vf, unsigned i) {
    uint32_t st;
    std::memcpy(&st, host(vf, kTxRing + i * 16 + 12), sizeof st);
    return st;
  }

  /// Every completed frame on VF `vf`'s RX ring (reassembling chains), descriptors cleared.
  std::vector<RxFrame> receive(unsigned vf) {
    Vf& s = vfs[vf];
    std::vector<RxFrame> out;
    RxFrame cur;
    for (;;) {
      ix::AdvRxWriteBack wb;
      std::memcpy(&wb, host(vf, kRxRing + s.rx_next * 16), sizeof wb);
      if ((wb.status_error & ix::rxd_stat::kDd) == 0) break;
      // The buffer is the one this slot was posted with.
      const uint8_t* p = host(vf, kRxBuf + s.rx_next * kRxBufSize);
      cur.bytes.insert(cur.bytes.end(), p, p + wb.length);
      ++cur.descriptors;
      std::memset(host(vf, kRxRing + s.rx_next * 16), 0, 16);
      s.rx_next = (s.rx_next + 1) % ring_;
      if (wb.status_error & ix::rxd_stat::kEop) {
        cur.status = wb.status_error;
        cur.vlan = wb.vlan;
        out.push_back(std::move(cur));
        cur = RxFrame{};
      }
    }
    return out;
  }

  /// Polls until the engine is idle; returns the frames it took.
  size_t run() {
    size_t total = 0;
    for (int i = 0; i < 1000; ++i) {
      const size_t k = dev->poll_once();
      if (k == 0) break;
      total += k;
    }
    return total;
  }

  std::unique_ptr<sim::Device82599> dev;
  std::shared_ptr<sim::MemoryWire> wire;
  std::vector<Vf> vfs;
  unsigned n;

 private:
  unsigned ring_;
};

}  // namespace test
