// A cable between two simulated devices: one bounded SPSC ring of frame slots per direction.
#include "hal/sim/cable.hpp"

#include <array>
#include <atomic>
#include <bit>
#include <cstring>

#include "hal/sim/engine.hpp"
#include "hal/sim/frame.hpp"

namespace sim {

static_assert(kMaxWireFrame >= EngineState::kMaxFrame + FrameView::kTagLen,
              "a cable slot must hold the longest frame the engine sends, tag included");

namespace {

/// Keeps the producer's and the consumer's fields on separate cache lines: each side writes
/// only its own, so neither invalidates the other's line on every frame.
constexpr size_t kCacheLine = 64;

/// Increments a counter that only one thread writes; others read it at any time. Release, so a
/// reader that sees the new value also sees what happened before it (FrameRing::stats()).
inline void bump(std::atomic<uint64_t>& c) {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

/// A bounded single-producer single-consumer queue of whole frames, each copied into a
/// preallocated slot of kMaxWireFrame bytes. The producer owns tail_ (and its counters), the
/// consumer owns head_; both indices only grow, so full is tail - head == capacity and a slot
/// is index & mask.
class FrameRing {
 public:
  explicit FrameRing(size_t capacity)
      : mask_(capacity - 1),
        // Not value-initialised: a slot is written before it is read, and untouched pages of a
        // large ring then never get committed.
        bytes_(std::make_unique_for_overwrite<uint8_t[]>(capacity * kMaxWireFrame)),
        lens_(std::make_unique<uint32_t[]>(capacity)) {}

  /// Producer side.
  void push(std::span<const uint8_t> frame) {
    if (frame.size() > kMaxWireFrame) {
      bump(prod_.dropped_oversize);
      return;
    }
    const uint64_t tail = prod_.tail.load(std::memory_order_relaxed);
    if (tail - prod_.head_seen == mask_ + 1) {
      // Pairs with the consumer's release of head in pop(): the slot it freed has been read
      // completely before we overwrite it.
      prod_.head_seen = cons_.head.load(std::memory_order_acquire);
      if (tail - prod_.head_seen == mask_ + 1) {
        bump(prod_.dropped_full);
        return;
      }
    }
    const size_t slot = tail & mask_;
    std::memcpy(&bytes_[slot * kMaxWireFrame], frame.data(), frame.size());
    lens_[slot] = static_cast<uint32_t>(frame.size());
    bump(prod_.sent);
    // Publishes the slot's bytes and length; pairs with the acquire of tail in pop().
    prod_.tail.store(tail + 1, std::memory_order_release);
  }

  /// Consumer side.
  bool pop(std::vector<uint8_t>& frame) {
    const uint64_t head = cons_.head.load(std::memory_order_relaxed);
    if (head == cons_.tail_seen) {
      // Pairs with the release of tail in push(): the slot's bytes are visible.
      cons_.tail_seen = prod_.tail.load(std::memory_order_acquire);
      if (head == cons_.tail_seen) return false;
    }
    const size_t slot = head & mask_;
    const uint8_t* p = &bytes_[slot * kMaxWireFrame];
    frame.assign(p, p + lens_[slot]);
    // Hands the slot back to the producer (pairs with its acquire of head in push()) before
    // counting the frame received: a sender pacing itself on sent - received must never see
    // room the ring does not have yet (counted first, a paced sender overran the ring, a
    // frame was dropped and the receiver waited for it forever).
    cons_.head.store(head + 1, std::memory_order_release);
    bump(cons_.received);
    return true;
  }

  CableDirection stats() const {
    CableDirection d;
    // received before sent, each acquire pairing with bump()'s release (and a frame's receipt
    // follows its send through tail's release/acquire): a reader on a third thread never sees
    // more received than sent.
    d.received = cons_.received.load(std::memory_order_acquire);
    d.sent = prod_.sent.load(std::memory_order_acquire);
    d.dropped_full = prod_.dropped_full.load(std::memory_order_acquire);
    d.dropped_oversize = prod_.dropped_oversize.load(std::memory_order_acquire);
    return d;
  }

  size_t capacity() const { return mask_ + 1; }

 private:
  struct alignas(kCacheLine) Producer {
    std::atomic<uint64_t> tail{0};
    uint64_t head_seen = 0;  ///< the consumer's head when last looked at (may lag)
    std::atomic<uint64_t> sent{0};
    std::atomic<uint64_t> dropped_full{0};
    std::atomic<uint64_t> dropped_oversize{0};
  };
  struct alignas(kCacheLine) Consumer {
    std::atomic<uint64_t> head{0};
    uint64_t tail_seen = 0;  ///< the producer's tail when last looked at (may lag)
    std::atomic<uint64_t> received{0};
  };

  const size_t mask_;
  const std::unique_ptr<uint8_t[]> bytes_;
  const std::unique_ptr<uint32_t[]> lens_;
  Producer prod_;
  Consumer cons_;
};

}  // namespace

/// Direction 0 carries a -> b, direction 1 b -> a.
struct CableCore {
  explicit CableCore(size_t capacity) : dirs{FrameRing(capacity), FrameRing(capacity)} {}
  std::array<FrameRing, 2> dirs;
  /// Whether the sender of direction d has its laser on. Written by one end's device and read
  /// by the other's, each under its own lock: nothing else is ordered by it (relaxed).
  std::array<std::atomic<bool>, 2> signal{true, true};
};

struct CableEnd::Token {};

CableEnd::CableEnd(Token, std::shared_ptr<CableCore> core, unsigned tx_dir)
    : core_(std::move(core)), tx_dir_(tx_dir) {}

CableEnd::~CableEnd() = default;

void CableEnd::send(std::span<const uint8_t> frame) { core_->dirs[tx_dir_].push(frame); }

bool CableEnd::receive(std::vector<uint8_t>& frame) { return core_->dirs[1 - tx_dir_].pop(frame); }

void CableEnd::set_tx_signal(bool on) { core_->signal[tx_dir_].store(on, std::memory_order_relaxed); }

bool CableEnd::rx_signal() const { return core_->signal[1 - tx_dir_].load(std::memory_order_relaxed); }

CableDirection CableEnd::tx_stats() const { return core_->dirs[tx_dir_].stats(); }

CableDirection CableEnd::rx_stats() const { return core_->dirs[1 - tx_dir_].stats(); }

size_t CableEnd::capacity() const { return core_->dirs[0].capacity(); }

std::expected<Cable, hal::Error> make_cable(size_t capacity) {
  if (capacity == 0 || capacity > kMaxCableCapacity || !std::has_single_bit(capacity)) {
    return std::unexpected(hal::Error::kInvalidArgument);
  }
  auto core = std::make_shared<CableCore>(capacity);
  Cable c;
  c.a = std::make_shared<CableEnd>(CableEnd::Token{}, core, 0u);
  c.b = std::make_shared<CableEnd>(CableEnd::Token{}, std::move(core), 1u);
  return c;
}

}  // namespace sim
