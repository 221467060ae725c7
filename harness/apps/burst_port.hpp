#pragma once
// The queues a built-in guest app runs on.
//
// Why a plain struct of concrete queue pointers and not an abstract port: the apps run on a
// VF's queues and, later, on the PF's default-pool queues, and both are dp::RxQueue/dp::TxQueue
// (the same classes, parameterised by register layout). Calling them directly keeps the burst
// loop free of virtual calls, as the fast-path rules want; a port that is not a dp queue (a
// DPDK ethdev on the wire) is the wire's business, not a guest's.

#include "datapath/rx_queue.hpp"
#include "datapath/tx_queue.hpp"
#include "hal/types.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace harness {
struct VfPort;
}

namespace harness::apps {

/// The most frames one app moves per poll: the engine takes 32 per queue and pass, and every
/// app keeps a burst's mbuf pointers on its stack.
inline constexpr uint16_t kMaxBurst = 32;

/// One function's queue pair as an app sees it. Nothing is owned: the queues, the pool and the
/// function behind them must outlive every app using the port. An app that only receives may
/// leave `tx` null (and one that only sends, `rx`).
struct BurstPort {
  dp::RxQueue* rx = nullptr;
  dp::TxQueue* tx = nullptr;
  /// Where a sending app allocates; mapped into the function's DMA domain.
  rte_mempool* pool = nullptr;
  /// The function's own address: the source of what the app builds or answers.
  hal::MacAddr mac;
};

/// Queue 0 each way, the pool and the MAC of a VF port (harness/datapath_host.hpp). Take it
/// again after VfPort::setup_queues(): the queues are new objects then.
BurstPort burst_port(VfPort& port);

}  // namespace harness::apps
