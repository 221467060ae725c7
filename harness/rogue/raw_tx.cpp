#include "harness/rogue/raw_tx.hpp"

#include <cstring>

#include "hal/ixgbe/descriptors.hpp"
#include "hal/ixgbe/regs_vf.hpp"

namespace harness::rogue {

namespace {
namespace ix = hal::ixgbe;
constexpr uint32_t kDescLen = sizeof(ix::AdvTxDesc);
constexpr size_t kRingBytes = RawTxQueue::kSlots * kDescLen;
}  // namespace

std::expected<std::unique_ptr<RawTxQueue>, hal::Error> RawTxQueue::create(RogueVf& rogue, unsigned q,
                                                                          hal::Iova iova) {
  auto area = rogue.map(iova, kRingBytes + size_t{kSlots} * kBufferSize);
  if (!area) return std::unexpected(area.error());
  rogue.setup_tx_queue(q, iova, kSlots);
  return std::unique_ptr<RawTxQueue>(new RawTxQueue(rogue, q, std::move(*area)));
}

uint64_t RawTxQueue::buffer_iova(uint32_t i) const {
  return area_->iova().value() + kRingBytes + uint64_t{i % kSlots} * kBufferSize;
}

std::span<std::byte> RawTxQueue::ring() { return area_->bytes().first(kRingBytes); }

uint32_t RawTxQueue::in_flight() {
  const uint32_t head = rogue_.read32(ix::vf::VFTDH(q_).offset) % kSlots;
  return (tail_ + kSlots - head) % kSlots;
}

uint32_t RawTxQueue::room() { return kSlots - 1 - in_flight(); }

bool RawTxQueue::send(std::span<const uint8_t> frame, std::optional<uint16_t> vle_tci) {
  const uint32_t need = vle_tci ? 2 : 1;
  if (frame.size() > kBufferSize || room() < need) return false;
  if (vle_tci) {
    // Context slot 0 holds the VLAN the data descriptor's VLE inserts (spec 5b).
    ix::AdvTxContextDesc ctx{};
    ctx.vlan_macip_lens = uint32_t{*vle_tci} << ix::txd_ctx_lens::kVlanShift;
    ctx.type_tucmd_mlhl = ix::txd_cmd::kDtypContext | ix::txd_cmd::kDext;
    std::memcpy(ring().data() + tail_ * kDescLen, &ctx, sizeof ctx);
    tail_ = (tail_ + 1) % kSlots;
  }
  const uint32_t slot = tail_;
  std::memcpy(area_->bytes().data() + kRingBytes + size_t{slot} * kBufferSize, frame.data(), frame.size());
  const auto len = static_cast<uint16_t>(frame.size());
  RogueVf::write_tx_descriptor(ring(), slot, buffer_iova(slot), len);
  if (vle_tci) {
    ix::AdvTxRead d;
    std::memcpy(&d, ring().data() + slot * kDescLen, sizeof d);
    d.cmd_type_len |= ix::txd_cmd::kVle;
    std::memcpy(ring().data() + slot * kDescLen, &d, sizeof d);
  }
  tail_ = (tail_ + 1) % kSlots;
  rogue_.set_tx_tail(q_, tail_);
  return true;
}

bool RawTxQueue::send_at(uint64_t buffer, uint16_t len) {
  if (room() < 1) return false;
  RogueVf::write_tx_descriptor(ring(), tail_, buffer, len);
  tail_ = (tail_ + 1) % kSlots;
  rogue_.set_tx_tail(q_, tail_);
  return true;
}

}  // namespace harness::rogue
