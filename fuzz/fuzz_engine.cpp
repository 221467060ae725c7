// libFuzzer target: the simulated 82599's device engine (hal/sim engine_tx.cpp, engine_rx.cpp)
// reading descriptors a guest wrote: TX descriptor contents, tail moves, RX ring states.
//
// Input: one setup byte (engine_rig.hpp, namespace engine_setup), then operations until the
// input ends; each starts with an opcode byte (modulo kNumOps, below) and its operands:
//   kTxData    vf slot sel off16 [raw64] len16 dcmd olinfo8  an advanced data descriptor
//   kTxContext vf slot vlan16 idx                           an advanced context descriptor
//   kTxRaw     vf slot bytes16                              any 16 bytes
//   kTxTail    vf tail                                      VFTDT
//   kRxDesc    vf slot sel off16 [raw64]                    an RX read descriptor
//   kRxTail    vf tail                                      VFRDT
//   kFrame     vf slot shape vid16 len16                    a frame into a TX buffer
//   kWire      shape vid16 len16 vf                         a frame arriving from the wire
//   kPoll                                                   one engine pass
//   kQueueReg  vf which value32                             a VF queue register, any value
//   kRingBase  vf rx sel off16 [raw64]                      a ring's base address
//   kLink      up                                           the wire's link
// `vf` is taken modulo the VFs, `slot` modulo the ring; `sel` picks an address kind
// (AddrKind, low 3 bits) and `raw64` follows only for AddrKind::kRaw.
//
// Invariants: after every pass and at the end the device's accounting adds up
// (Accounting::check() is empty); the PF-only canary is never written; the DMA fault log stays
// within its bound; ASan sees no access outside the blocks (each mapped exactly).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz/engine_rig.hpp"
#include "fuzz/frame_shape.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/fuzz_input.hpp"
#include "hal/ixgbe/descriptors.hpp"
#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/sim/engine.hpp"

namespace {

namespace ix = hal::ixgbe;
namespace vfr = hal::ixgbe::vf;
using fuzz::AddrKind;
using fuzz::EngineRig;
using fuzz::check;

enum Op : uint8_t {
  kTxData,
  kTxContext,
  kTxRaw,
  kTxTail,
  kRxDesc,
  kRxTail,
  kFrame,
  kWire,
  kPoll,
  kQueueReg,
  kRingBase,
  kLink,
  kNumOps,
};

/// More operations add little and slow the fuzzer down.
constexpr unsigned kMaxOps = 1024;

uint64_t read_address(fuzz::Input& in, EngineRig& rig, unsigned vf) {
  const auto kind = static_cast<AddrKind>(in.u8() % 8);
  const uint16_t off = in.u16();
  const uint64_t raw = kind == AddrKind::kRaw ? in.u64() : 0;
  return rig.address(vf, kind, off, raw);
}

void put_desc(EngineRig& rig, unsigned vf, uint64_t ring_off, unsigned slot, const void* d) {
  std::memcpy(rig.host(vf, ring_off + (slot % EngineRig::kRing) * 16), d, 16);
}

void check_accounts(EngineRig& rig) {
  const sim::Accounting a = rig.dev().accounting();
  const std::string why = a.check();
  check(why.empty(), "accounting: {} ({})", why, a.summary());
  check(rig.dev().dma_faults().size() <= sim::EngineState::kFaultLogSize, "fault log unbounded");
}

/// One of the queue registers a VF driver programs, queue 0 or 1 (bit 3 of `which`).
hal::Reg32 queue_reg(uint8_t which) {
  const unsigned q = (which >> 3) & 1;
  switch (which % 8) {
    case 0: return vfr::VFTXDCTL(q);
    case 1: return vfr::VFRXDCTL(q);
    case 2: return vfr::VFTDLEN(q);
    case 3: return vfr::VFRDLEN(q);
    case 4: return vfr::VFTDH(q);
    case 5: return vfr::VFRDH(q);
    case 6: return vfr::VFSRRCTL(q);
    default: return vfr::VFTDWBAL(q);
  }
}

void run_op(fuzz::Input& in, EngineRig& rig, uint8_t op) {
  const auto pick_vf = [&] { return in.u8() % rig.num_vfs(); };
  switch (op % kNumOps) {
    case kTxData: {
      const unsigned vf = pick_vf();
      const uint8_t slot = in.u8();
      ix::AdvTxRead d{};
      d.buffer_addr = read_address(in, rig, vf);
      const uint16_t len = in.u16();
      d.cmd_type_len = ix::tx_data_cmd_type_len(len, uint32_t{in.u8()} << 24);
      d.olinfo_status = (uint32_t{in.u8()} & (ix::txd_olinfo::kIdxMask | ix::txd_olinfo::kCc)) |
                        ix::tx_olinfo_paylen(len);
      put_desc(rig, vf, EngineRig::kTxRing, slot, &d);
      break;
    }
    case kTxContext: {
      const unsigned vf = pick_vf();
      const uint8_t slot = in.u8();
      ix::AdvTxContextDesc d{};
      d.vlan_macip_lens = (uint32_t{in.u16()} << ix::txd_ctx_lens::kVlanShift) |
                          (14u << ix::txd_ctx_lens::kMaclenShift);
      d.type_tucmd_mlhl = ix::txd_cmd::kDtypContext | ix::txd_cmd::kDext;
      d.mss_l4len_idx = (uint32_t{in.u8()} << ix::txd_ctx_mss::kIdxShift) & ix::txd_ctx_mss::kIdxMask;
      put_desc(rig, vf, EngineRig::kTxRing, slot, &d);
      break;
    }
    case kTxRaw: {
      const unsigned vf = pick_vf();
      const uint8_t slot = in.u8();
      std::array<uint8_t, 16> d{};
      const auto b = in.bytes(16);
      std::copy(b.begin(), b.end(), d.begin());
      put_desc(rig, vf, EngineRig::kTxRing, slot, d.data());
      break;
    }
    case kTxTail: {
      const unsigned vf = pick_vf();
      rig.bar(vf).write(vfr::VFTDT(0), in.u8());
      break;
    }
    case kRxDesc: {
      const unsigned vf = pick_vf();
      const uint8_t slot = in.u8();
      const ix::AdvRxRead d{read_address(in, rig, vf), 0};
      put_desc(rig, vf, EngineRig::kRxRing, slot, &d);
      break;
    }
    case kRxTail: {
      const unsigned vf = pick_vf();
      rig.bar(vf).write(vfr::VFRDT(0), in.u8());
      break;
    }
    case kFrame: {
      const unsigned vf = pick_vf();
      const unsigned slot = in.u8() % EngineRig::kSlots;
      const uint8_t shape = in.u8();
      const uint16_t vid = in.u16();
      const uint16_t len = in.u16();
      fuzz::write_frame(rig, vf, shape, vid, len,
                        {rig.host(vf, EngineRig::kTxBuf + slot * EngineRig::kBufSize), EngineRig::kBufSize});
      break;
    }
    case kWire: {
      const uint8_t shape = in.u8();
      const uint16_t vid = in.u16();
      const uint16_t len = in.u16();
      const unsigned vf = pick_vf();
      std::array<uint8_t, EngineRig::kBufSize> frame{};
      const size_t n = fuzz::write_frame(rig, vf, shape, vid, len, frame);
      rig.wire().inject(std::span<const uint8_t>(frame.data(), n));
      break;
    }
    case kPoll:
      rig.tick(10'000);
      rig.dev().poll_once();
      check_accounts(rig);
      break;
    case kQueueReg: {
      const unsigned vf = pick_vf();
      const hal::Reg32 r = queue_reg(in.u8());
      rig.bar(vf).write(r, in.u32());
      break;
    }
    case kRingBase: {
      const unsigned vf = pick_vf();
      const bool rx = in.u8() & 1;
      const uint64_t a = read_address(in, rig, vf);
      hal::RegisterIo& b = rig.bar(vf);
      b.write(rx ? vfr::VFRDBAL(0) : vfr::VFTDBAL(0), static_cast<uint32_t>(a));
      b.write(rx ? vfr::VFRDBAH(0) : vfr::VFTDBAH(0), static_cast<uint32_t>(a >> 32));
      break;
    }
    case kLink:
      rig.dev().set_link(in.u8() & 1);
      break;
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  EngineRig rig(in.u8());
  for (unsigned i = 0; i < kMaxOps && !in.empty(); ++i) run_op(in, rig, in.u8());
  rig.run_idle();
  check_accounts(rig);
  check(rig.canary_intact(), "the PF-only canary was written through a VF's DMA");
  return 0;
}
