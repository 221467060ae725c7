#pragma once
// fuzz_engine's world: a simulated 82599 with a few VFs whose rings and buffers live in
// memory this rig owns, each VF's block mapped into that VF's DMA domain only, plus a canary
// block mapped into the PF's domain alone. The switch is programmed raw through PF registers
// (the engine is under test, not the PF driver) and the software side of the rings is written
// by hand, so the input controls every descriptor, tail and ring register.

#include <array>
#include <cstdint>
#include <memory>

#include "hal/clock.hpp"
#include "hal/sim/device.hpp"
#include "hal/types.hpp"

namespace fuzz {

/// How the device is set up before the operations run, one bit each (the input's first byte).
namespace engine_setup {
inline constexpr uint8_t kSpoofChk = 1u << 0;   ///< MAC and VLAN anti-spoof on every VF
inline constexpr uint8_t kPortVlan = 1u << 1;   ///< VF 1 under port VLAN 100 (VMVIR + VLVF)
inline constexpr uint8_t kMulticastPromisc = 1u << 2;  ///< VF 0 takes every multicast (MPE)
inline constexpr uint8_t kHeadWb = 1u << 3;     ///< TX head write-back on every VF
inline constexpr uint8_t kStripVlan = 1u << 4;  ///< RX VLAN strip (RXDCTL.VME) on every VF
inline constexpr uint8_t kWireEcho = 1u << 5;   ///< the wire sends back what it gets
inline constexpr uint8_t kLinkDown = 1u << 6;   ///< the link starts down
inline constexpr uint8_t kFourVfs = 1u << 7;    ///< 4 VFs instead of 3
}  // namespace engine_setup

/// Where a descriptor's address points (low 3 bits of the selector byte).
enum class AddrKind : uint8_t {
  kOwnTxBuffer,   ///< the VF's own TX buffers
  kOwnAnywhere,   ///< anywhere in the VF's own block (rings included)
  kOwnEnd,        ///< just before the end of the VF's block: a long access runs past it
  kOtherVf,       ///< the next VF's buffers: outside this VF's domain
  kPfCanary,      ///< the canary, mapped for the PF only
  kUnmapped,      ///< an IOVA nobody mapped
  kRaw,           ///< 64 bits from the input
  kOwnRxBuffer,   ///< the VF's own RX buffers
};

class EngineRig {
 public:
  static constexpr unsigned kMaxVfs = 4;
  static constexpr unsigned kRing = 16;  ///< descriptors per ring (registers may say otherwise)
  static constexpr unsigned kSlots = 8;  ///< buffers per direction
  static constexpr uint64_t kBufSize = 2048;
  static constexpr uint64_t kTxRing = 0x0000, kRxRing = 0x0400, kHeadWb = 0x0800;
  static constexpr uint64_t kTxBuf = 0x1000, kRxBuf = kTxBuf + kSlots * kBufSize;
  static constexpr uint64_t kBlock = kRxBuf + kSlots * kBufSize;
  static constexpr uint64_t kCanaryIova = 0x70000000, kCanarySize = 4096;
  static constexpr uint8_t kCanaryByte = 0xA5;
  static constexpr uint64_t kUnmappedIova = 0x123400000000;

  explicit EngineRig(uint8_t setup_flags);
  EngineRig(const EngineRig&) = delete;
  EngineRig& operator=(const EngineRig&) = delete;

  unsigned num_vfs() const { return num_vfs_; }
  sim::Device82599& dev() { return *dev_; }
  sim::MemoryWire& wire() { return *wire_; }
  hal::RegisterIo& bar(unsigned vf);
  /// Host address of offset `off` in VF `vf`'s block. Precondition: off < kBlock.
  uint8_t* host(unsigned vf, uint64_t off) { return blocks_[vf].get() + off; }
  static uint64_t iova(unsigned vf) { return 0x10000000ull * (vf + 1); }
  /// The IOVA `kind` names for VF `vf`, `off` bytes in (reduced to the region), or `raw`.
  uint64_t address(unsigned vf, AddrKind kind, uint16_t off, uint64_t raw) const;
  static hal::MacAddr vf_mac(unsigned vf) {
    return hal::MacAddr({0x02, 0x00, 0x00, 0x00, 0x01, static_cast<uint8_t>(vf)});
  }
  /// Whether the PF-only canary still holds its pattern.
  bool canary_intact() const;
  /// poll_once() until it finds nothing (bounded); how many passes did work.
  unsigned run_idle();
  /// Lets `ns` nanoseconds of device time pass (the TX rate limiter's clock).
  void tick(uint64_t ns) { clock_.advance(hal::Nanos(ns)); }

 private:
  void enable_vfs();
  void program_switch(uint8_t flags);
  void setup_queues(unsigned vf, uint8_t flags);

  hal::ManualClock clock_;
  unsigned num_vfs_;
  // Exactly kBlock bytes each, so ASan sees any access past a mapping's end. Declared before
  // the device so they outlive its mappings.
  std::array<std::unique_ptr<uint8_t[]>, kMaxVfs> blocks_;
  std::unique_ptr<uint8_t[]> canary_;
  std::unique_ptr<sim::Device82599> dev_;
  std::shared_ptr<sim::MemoryWire> wire_;
};

}  // namespace fuzz
