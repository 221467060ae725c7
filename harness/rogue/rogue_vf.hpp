#pragma once
// A VF driver that misbehaves on purpose (issue 5, docs/reliability.md): the guest an attacker
// controls. It writes raw mailbox words and raw queue registers and descriptors, ignores the
// protocol's handshakes and never waits. It holds nothing but its own hal::PciFunction -- its
// BAR0, config space and DMA domain, exactly what a guest is given -- so whatever it does, it
// does through that handle: the tests built on it show what the host and the other VFs
// survive.
//
// Not thread-safe: one test drives it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>

#include "hal/pci_function.hpp"
#include "hal/types.hpp"
#include "mailbox/message.hpp"

namespace harness::rogue {

/// The 16 words of a mailbox buffer.
using MailboxWords = std::array<uint32_t, mbx::kMaxWords>;

class RogueVf {
 public:
  /// Binds to `fn` (a VF function), which must outlive the RogueVf. Touches nothing yet.
  explicit RogueVf(hal::PciFunction& fn) : fn_(fn) {}

  hal::PciFunction& function() { return fn_; }

  // ---- Raw BAR0 access: any offset, also past the BAR's end or misaligned.

  uint32_t read32(uint32_t offset) { return fn_.bar0().read32(offset); }
  void write32(uint32_t offset, uint32_t value) { fn_.bar0().write32(offset, value); }

  // ---- Mailbox, raw (spec 3a). None of these takes the lock or waits unless it says so.

  /// Writes `words` into VFMBMEM from word 0; words past the 16th are dropped.
  void write_buffer(std::span<const uint32_t> words);
  /// The 16 VFMBMEM words as they are now.
  MailboxWords read_buffer();
  /// Writes VFMAILBOX = `bits` as given: REQ, ACK and VFU in any combination.
  void write_mailbox(uint32_t bits);
  /// Reads VFMAILBOX once (its read-to-clear bits clear, as for any reader).
  uint32_t read_mailbox();
  /// Posts `words` as a request with none of a driver's care: one VFU attempt (a refusal is
  /// ignored), the words, then VFMAILBOX = REQ (which releases VFU). Does not wait, does not
  /// read the reply; a reply still unread is simply overwritten. Counted in posted().
  void post(std::span<const uint32_t> words);
  /// The PF's message, if PFSTS is set: its 16 words, acked (VFMAILBOX = ACK). Never waits.
  std::optional<MailboxWords> take_message();
  /// Requests post() has written.
  uint64_t posted() const { return posted_; }

  // ---- Raw queues (spec 1b, 5). The rings and buffers live in the rogue's own memory,
  // mapped in its DMA domain; descriptors may point anywhere.

  /// Host memory mapped into the rogue's DMA domain at `iova` (unmapped on destruction).
  class DmaArea {
   public:
    ~DmaArea();
    DmaArea(const DmaArea&) = delete;
    DmaArea& operator=(const DmaArea&) = delete;
    hal::Iova iova() const { return iova_; }
    std::span<std::byte> bytes() { return {mem_.get(), len_}; }

   private:
    friend class RogueVf;
    /// `mem` (`len` bytes) is already mapped at `iova` in `dma`.
    DmaArea(hal::DmaDomain& dma, hal::Iova iova, size_t len, std::unique_ptr<std::byte[]> mem);
    hal::DmaDomain& dma_;
    hal::Iova iova_;
    size_t len_;
    std::unique_ptr<std::byte[]> mem_;
  };
  /// Maps `len` zeroed bytes at `iova` in the rogue's domain. Errors: those of DmaDomain::map.
  std::expected<std::unique_ptr<DmaArea>, hal::Error> map(hal::Iova iova, size_t len);

  /// VF-relative TX queue `q`: ring base `ring`, `count` descriptors, head and tail 0, then
  /// TXDCTL.ENABLE. Raw writes: nothing is checked, `q` may be any slot.
  void setup_tx_queue(unsigned q, hal::Iova ring, uint32_t count);
  /// Writes a data descriptor (EOP, RS, IFCS) at `index` of the ring in `ring`: `len` bytes
  /// from `buffer`, which may be any IOVA, inside the domain or not.
  static void write_tx_descriptor(std::span<std::byte> ring, unsigned index, uint64_t buffer,
                                  uint16_t len);
  /// VF-relative RX queue `q`: ring base `ring`, `count` descriptors, 2 KiB buffers
  /// (advanced one-buffer), head and tail 0, then RXDCTL.ENABLE.
  void setup_rx_queue(unsigned q, hal::Iova ring, uint32_t count);
  /// Writes a read-format RX descriptor at `index`: packet buffer `buffer` (any IOVA).
  static void write_rx_descriptor(std::span<std::byte> ring, unsigned index, uint64_t buffer);
  /// Moves the TX or RX tail of VF-relative queue `q`.
  void set_tx_tail(unsigned q, uint32_t tail);
  void set_rx_tail(unsigned q, uint32_t tail);

 private:
  hal::PciFunction& fn_;
  uint64_t posted_ = 0;
};

}  // namespace harness::rogue
