#include "harness/rogue/rogue_vf.hpp"

#include <algorithm>
#include <cstring>

#include "hal/ixgbe/descriptors.hpp"
#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_vf.hpp"

namespace harness::rogue {

namespace vfr = hal::ixgbe::vf;
namespace vmb = hal::ixgbe::vf::vfmailbox;

void RogueVf::write_buffer(std::span<const uint32_t> words) {
  const size_t n = std::min<size_t>(words.size(), mbx::kMaxWords);
  for (size_t i = 0; i < n; ++i) {
    fn_.bar0().write(vfr::VFMBMEM(static_cast<unsigned>(i)), words[i]);
  }
}

MailboxWords RogueVf::read_buffer() {
  MailboxWords w{};
  for (unsigned i = 0; i < mbx::kMaxWords; ++i) w[i] = fn_.bar0().read(vfr::VFMBMEM(i));
  return w;
}

void RogueVf::write_mailbox(uint32_t bits) { fn_.bar0().write(vfr::VFMAILBOX, bits); }

uint32_t RogueVf::read_mailbox() { return fn_.bar0().read(vfr::VFMAILBOX); }

void RogueVf::post(std::span<const uint32_t> words) {
  write_mailbox(vmb::kVfu);
  write_buffer(words);
  write_mailbox(vmb::kReq);
  ++posted_;
}

std::optional<MailboxWords> RogueVf::take_message() {
  if ((read_mailbox() & vmb::kPfsts) == 0) return std::nullopt;
  write_mailbox(vmb::kVfu);
  const MailboxWords w = read_buffer();
  write_mailbox(vmb::kAck);
  return w;
}

RogueVf::DmaArea::DmaArea(hal::DmaDomain& dma, hal::Iova iova, size_t len,
                          std::unique_ptr<std::byte[]> mem)
    : dma_(dma), iova_(iova), len_(len), mem_(std::move(mem)) {}

RogueVf::DmaArea::~DmaArea() { (void)dma_.unmap(iova_); }

std::expected<std::unique_ptr<RogueVf::DmaArea>, hal::Error> RogueVf::map(hal::Iova iova,
                                                                          size_t len) {
  auto mem = std::make_unique<std::byte[]>(len);  // value-initialised: zeroed
  if (auto r = fn_.dma().map(iova, mem.get(), len); !r) return std::unexpected(r.error());
  return std::unique_ptr<DmaArea>(new DmaArea(fn_.dma(), iova, len, std::move(mem)));
}

void RogueVf::setup_tx_queue(unsigned q, hal::Iova ring, uint32_t count) {
  hal::RegisterIo& b = fn_.bar0();
  b.write(vfr::VFTXDCTL(q), 0);
  b.write(vfr::VFTDBAL(q), static_cast<uint32_t>(ring.value()));
  b.write(vfr::VFTDBAH(q), static_cast<uint32_t>(ring.value() >> 32));
  b.write(vfr::VFTDLEN(q), count * static_cast<uint32_t>(sizeof(hal::ixgbe::AdvTxDesc)));
  b.write(vfr::VFTDH(q), 0);
  b.write(vfr::VFTDT(q), 0);
  b.write(vfr::VFTXDCTL(q), hal::ixgbe::txdctl::kEnable);
}

void RogueVf::write_tx_descriptor(std::span<std::byte> ring, unsigned index, uint64_t buffer,
                                  uint16_t len) {
  namespace cmd = hal::ixgbe::txd_cmd;
  hal::ixgbe::AdvTxRead d{};
  d.buffer_addr = buffer;
  d.cmd_type_len = len | cmd::kDtypData | cmd::kDext | cmd::kEop | cmd::kRs | cmd::kIfcs;
  d.olinfo_status = uint32_t{len} << 14;  // PAYLEN b31:14
  std::memcpy(ring.data() + index * sizeof d, &d, sizeof d);
}

void RogueVf::setup_rx_queue(unsigned q, hal::Iova ring, uint32_t count) {
  namespace srr = hal::ixgbe::srrctl;
  hal::RegisterIo& b = fn_.bar0();
  b.write(vfr::VFRXDCTL(q), 0);
  b.write(vfr::VFRDBAL(q), static_cast<uint32_t>(ring.value()));
  b.write(vfr::VFRDBAH(q), static_cast<uint32_t>(ring.value() >> 32));
  b.write(vfr::VFRDLEN(q), count * static_cast<uint32_t>(sizeof(hal::ixgbe::AdvRxDesc)));
  b.write(vfr::VFSRRCTL(q), srr::kDescTypeAdvOneBuf | (2048u >> srr::kBsizePktShift));
  b.write(vfr::VFRDH(q), 0);
  b.write(vfr::VFRDT(q), 0);
  b.write(vfr::VFRXDCTL(q), hal::ixgbe::rxdctl::kEnable);
}

void RogueVf::write_rx_descriptor(std::span<std::byte> ring, unsigned index, uint64_t buffer) {
  const hal::ixgbe::AdvRxRead d{.pkt_addr = buffer, .hdr_addr = 0};
  std::memcpy(ring.data() + index * sizeof d, &d, sizeof d);
}

void RogueVf::set_tx_tail(unsigned q, uint32_t tail) { fn_.bar0().write(vfr::VFTDT(q), tail); }

void RogueVf::set_rx_tail(unsigned q, uint32_t tail) { fn_.bar0().write(vfr::VFRDT(q), tail); }

}  // namespace harness::rogue
