#pragma once
// A rogue's hand-made TX queue (issue 5, docs/reliability.md): one VF-relative queue set up by
// raw register writes, its ring and one buffer per descriptor in the rogue's own DMA memory.
// It sends whatever bytes a test crafts -- any source MAC, any tags, any length -- and
// descriptors pointing anywhere, so the tests see what the device and the switch make of them.
// Nothing here is checked or waited for: a full ring refuses the frame, that is all.
//
// Not thread-safe: one test drives it.

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>

#include "harness/rogue/rogue_vf.hpp"

namespace harness::rogue {

class RawTxQueue {
 public:
  static constexpr uint32_t kSlots = 64;         ///< descriptors in the ring (a multiple of 8)
  static constexpr uint32_t kBufferSize = 2048;  ///< one buffer per slot

  /// Maps the ring and kSlots buffers at `iova` (ring first, buffers after it) in `rogue`'s
  /// domain and sets up VF-relative TX queue `q` (RogueVf::setup_tx_queue). `rogue` must
  /// outlive the queue. Errors: those of DmaDomain::map (the range overlaps a mapping).
  static std::expected<std::unique_ptr<RawTxQueue>, hal::Error> create(RogueVf& rogue, unsigned q,
                                                                       hal::Iova iova);

  /// Copies `frame` (at most kBufferSize bytes) into the next slot's buffer and writes one
  /// data descriptor (EOP, RS) for it; with `vle_tci`, a context descriptor holding that VLAN
  /// first and DCMD.VLE on the data descriptor. Then moves the tail. Returns false, sending
  /// nothing, when the ring has no room or the frame is too long.
  bool send(std::span<const uint8_t> frame, std::optional<uint16_t> vle_tci = std::nullopt);
  /// One data descriptor for `len` bytes at `buffer` -- any IOVA, inside the domain or not --
  /// then the tail. False when the ring has no room.
  bool send_at(uint64_t buffer, uint16_t len);
  /// Descriptors the device has not taken yet (tail - VFTDH, modulo the ring).
  uint32_t in_flight();
  /// The IOVA of slot `i`'s buffer.
  uint64_t buffer_iova(uint32_t i) const;
  /// The ring's bytes as the rogue sees them (descriptors, DD write-backs).
  std::span<std::byte> ring();
  unsigned queue() const { return q_; }

 private:
  RawTxQueue(RogueVf& rogue, unsigned q, std::unique_ptr<RogueVf::DmaArea> area)
      : rogue_(rogue), q_(q), area_(std::move(area)) {}
  /// Free descriptor slots: one is always left empty, so head == tail means empty.
  uint32_t room();

  RogueVf& rogue_;
  unsigned q_;
  std::unique_ptr<RogueVf::DmaArea> area_;
  uint32_t tail_ = 0;
};

}  // namespace harness::rogue
