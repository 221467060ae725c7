#pragma once
// The synthetic path between a guest's NIC and its host's software switch: what VMBus is to
// Hyper-V's netvsc and a virtqueue pair to virtio-net. It lives in the guest's memory, so it
// moves with the guest when the guest migrates: frames the host put into the guest's receive
// ring before the guest stopped are read on the new host, and frames the guest queued for
// sending are sent by the new host's switch (as a virtqueue's unprocessed descriptors are).
//
// Two rte_rings of rte_mbuf pointers (single producer, single consumer) and a small control
// queue each way:
//   - guest -> host: the guest's own mbufs (its pool). The host's switch copies each into its
//     own pool (the guest's memory is not in the PF's DMA domain) and frees the guest's.
//   - host -> guest: mbufs of the guest's receive pool (`guest_pool`): the host copies each
//     frame it delivers into one, as a host writes into buffers the guest posted.
//   - control: the guest tells the host which path carries its traffic (Hyper-V's
//     SWITCH_DATA_PATH), and that it let go of its VF; the host asks the guest to let go of
//     its VF before it is removed (the eject request).
//
// Not thread-safe beyond the rings' own single-producer/single-consumer contract; the failover
// rig drives both ends from one thread.

#include <cstdint>
#include <deque>
#include <expected>
#include <memory>
#include <optional>
#include <string>

#include "hal/types.hpp"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace harness::failover {

/// Guest to host.
enum class GuestMsg : uint8_t {
  kDataPathVf,         ///< deliver my MAC to my VF from now on (remove the host MAC)
  kDataPathSynthetic,  ///< deliver my MAC to the synthetic path (add the host MAC)
  kVfReleased,         ///< the VF the host asked back is released: remove it now
};
/// Host to guest.
enum class HostMsg : uint8_t {
  kVfRevoke,  ///< the host is about to remove the guest's VF: move off it and release it
};

const char* to_string(GuestMsg m);
const char* to_string(HostMsg m);

/// What the channel itself counted. Frames are never lost in the rings: a full ring refuses
/// (the sender keeps the frame or counts its own drop).
struct ChannelCounters {
  uint64_t to_host = 0;        ///< frames the guest enqueued
  uint64_t to_host_full = 0;   ///< frames refused: the guest -> host ring was full
  uint64_t from_guest = 0;     ///< frames the host dequeued
  uint64_t to_guest = 0;       ///< frames the host enqueued
  uint64_t to_guest_full = 0;  ///< frames refused: the host -> guest ring was full
  uint64_t from_host = 0;      ///< frames the guest dequeued
};

class SyntheticChannel {
 public:
  /// Rings of `ring_size` (a power of two, 64..65536) entries each way; the host copies
  /// received frames into mbufs of `guest_pool` (which must outlive the channel).
  /// Errors: no EAL, a bad size, no memory (one line).
  static std::expected<std::unique_ptr<SyntheticChannel>, std::string> create(
      rte_mempool* guest_pool, unsigned ring_size = 1024);
  /// Frees every mbuf still in either ring.
  ~SyntheticChannel();
  SyntheticChannel(const SyntheticChannel&) = delete;
  SyntheticChannel& operator=(const SyntheticChannel&) = delete;

  // ---- Guest end.
  /// Enqueues up to `n` of the guest's frames for the host; returns how many were taken
  /// (the rest stay the caller's).
  uint16_t guest_send(rte_mbuf** pkts, uint16_t n);
  /// Up to `n` frames the host delivered.
  uint16_t guest_receive(rte_mbuf** pkts, uint16_t n);
  void guest_post(GuestMsg m);
  std::optional<HostMsg> guest_next_msg();

  // ---- Host end.
  /// Up to `n` of the guest's frames (the guest's mbufs: the host frees them after copying).
  uint16_t host_receive(rte_mbuf** pkts, uint16_t n);
  /// Enqueues up to `n` frames (mbufs of guest_pool()) for the guest; returns how many were
  /// taken (the rest stay the caller's).
  uint16_t host_send(rte_mbuf** pkts, uint16_t n);
  void host_post(HostMsg m);
  std::optional<GuestMsg> host_next_msg();

  rte_mempool* guest_pool() const { return guest_pool_; }
  /// Frames waiting in each ring.
  unsigned to_host_queued() const;
  unsigned to_guest_queued() const;
  const ChannelCounters& counters() const { return c_; }

 private:
  SyntheticChannel() = default;
  rte_mempool* guest_pool_ = nullptr;
  rte_ring* to_host_ = nullptr;
  rte_ring* to_guest_ = nullptr;
  std::deque<GuestMsg> guest_msgs_;
  std::deque<HostMsg> host_msgs_;
  ChannelCounters c_;
};

}  // namespace harness::failover
