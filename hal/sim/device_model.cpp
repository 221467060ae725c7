#include "hal/sim/device_model.hpp"

#include <algorithm>

#include "hal/ixgbe/ids.hpp"
#include "hal/pci_regs.hpp"

namespace sim {

namespace pfr = hal::ixgbe::pf;
namespace vfr = hal::ixgbe::vf;

DeviceModel::DeviceModel(DeviceConfig cfg) : cfg_(std::move(cfg)), regs_(pfr::kBarSize / 4) {
  wire_connected_ = cfg_.link_up;
  for (size_t i = 0; i < pfr::kNumVectors; ++i) {
    auto fd = hal::EventFd::create();
    if (fd) pf_vectors_.push_back(std::move(*fd));
  }
  for (auto& vf : vfs_) {
    for (size_t i = 0; i < vfr::kNumVectors; ++i) {
      auto fd = hal::EventFd::create();
      if (fd) vf.vectors.push_back(std::move(*fd));
    }
  }
  if (auto fd = hal::EventFd::create()) engine_wake_.emplace(std::move(*fd));
  build_pf_config();
  // Power-on: the chip comes out of reset with the EEPROM read and DMA initialised.
  device_reset();
  pf_resets_ = 0;
  eicr_ = 0;  // the link that came up with power is not a change anyone was told of
  refresh_doorbell_map();
}

void DeviceModel::trace(int fn, Space sp, bool write, uint32_t off, uint32_t v) {
  if (trace_) trace_(RegAccess{fn, sp, write, off, v});
}

uint32_t DeviceModel::pf_read(uint32_t off) {
  Lock lock(mu_);
  const uint32_t v = (off % 4 != 0 || off >= pfr::kBarSize) ? hal::kDeviceGone : pf_read_locked(off);
  trace(-1, Space::kBar0, false, off, v);
  return v;
}

void DeviceModel::pf_write(uint32_t off, uint32_t v) {
  if (try_pf_doorbell(off, v)) return;
  Lock lock(mu_);
  DoorbellGate gate(*this);
  trace(-1, Space::kBar0, true, off, v);
  if (off % 4 != 0 || off >= pfr::kBarSize) return;
  pf_write_locked(off, v);
  note_queue_write(off);
}

uint32_t DeviceModel::vf_read(unsigned vf, uint32_t off) {
  Lock lock(mu_);
  uint32_t v = hal::kDeviceGone;
  // A VF BAR decodes only while the VF exists and VF MSE is set (SR-IOV 1.1, 3.3.3.4).
  const bool decodes = vf < vfs_.size() && vfs_[vf].exists &&
                       (sriov_reg16(hal::pci::sriov::kCtrl) & hal::pci::sriov::kCtrlMse) != 0;
  if (decodes && off % 4 == 0 && off < vfr::kBarSize) v = vf_read_locked(vf, off);
  trace(static_cast<int>(vf), Space::kBar0, false, off, v);
  return v;
}

void DeviceModel::vf_write(unsigned vf, uint32_t off, uint32_t v) {
  if (try_vf_doorbell(vf, off, v)) return;
  Lock lock(mu_);
  DoorbellGate gate(*this);
  trace(static_cast<int>(vf), Space::kBar0, true, off, v);
  const bool decodes = vf < vfs_.size() && vfs_[vf].exists &&
                       (sriov_reg16(hal::pci::sriov::kCtrl) & hal::pci::sriov::kCtrlMse) != 0;
  if (decodes && off % 4 == 0 && off < vfr::kBarSize) vf_write_locked(vf, off, v);
}

// ---- Doorbells. A tail write is the one register access of a burst; taking the device lock
// for it would make every burst wait for the engine's pass in progress. A VF whose BAR decodes
// writes its own queues' tails as atomic stores and leaves a pending bit for the engine; the
// map that says which absolute queues a VF owns is rebuilt under the lock after every write
// that can change it, so the lock-free path never sees a queue the VF does not own.

namespace {
constexpr uint32_t kDoorbellValid = 1u << 31;
// A queue's register block and its tail's place in it, the same for the VF's and the PF's
// views (spec 1b, 2), taken from the register definitions.
constexpr uint32_t kQueueStride = pfr::tx_queue_base(1) - pfr::tx_queue_base(0);
constexpr uint32_t kTailReg = pfr::TDT(0).offset - pfr::tx_queue_base(0);
static_assert(kTailReg == pfr::RDT(0).offset - pfr::rx_queue_base(0) &&
              kTailReg == vfr::VFTDT(0).offset - vfr::VFTDBAL(0).offset &&
              kQueueStride == vfr::VFTDT(1).offset - vfr::VFTDT(0).offset);
}  // namespace

/// One doorbell in flight for its scope; open() says whether the gate let it through.
class DeviceModel::DoorbellTicket {
 public:
  explicit DoorbellTicket(DeviceModel& m) : m_(m) {
    m_.doorbells_in_flight_.fetch_add(1, std::memory_order_seq_cst);
  }
  ~DoorbellTicket() { m_.doorbells_in_flight_.fetch_sub(1, std::memory_order_release); }
  DoorbellTicket(const DoorbellTicket&) = delete;
  DoorbellTicket& operator=(const DoorbellTicket&) = delete;
  bool open() const {
    // The seq_cst load orders the trace flag read after it (acquire).
    return m_.doorbells_open_.load(std::memory_order_seq_cst) && !m_.tracing_.load(std::memory_order_relaxed);
  }

 private:
  DeviceModel& m_;
};

bool DeviceModel::try_vf_doorbell(unsigned vf, uint32_t off, uint32_t v) {
  const bool rx = off >= vfr::VFRDT(0).offset && off < vfr::VFRDT(vfr::kMaxQueues).offset;
  const bool tx = off >= vfr::VFTDT(0).offset && off < vfr::VFTDT(vfr::kMaxQueues).offset;
  if ((!rx && !tx) || off % kQueueStride != kTailReg || vf >= doorbell_map_.size()) return false;
  const DoorbellTicket ticket(*this);
  if (!ticket.open()) return false;
  const uint32_t map = doorbell_map_[vf].load(std::memory_order_acquire);
  const unsigned q = (off - (rx ? vfr::VFRDT(0).offset : vfr::VFTDT(0).offset)) / kQueueStride;
  if ((map & kDoorbellValid) == 0 || q >= ((map >> 8) & 0xFF)) return false;  // locked path drops it
  const unsigned abs = (map & 0xFF) + q;
  if (rx) {
    store_reg(pfr::RDT(abs).offset, v);
  } else {
    store_reg(pfr::TDT(abs).offset, v);
    mark_tx_pending(abs);
  }
  return true;
}

bool DeviceModel::try_pf_doorbell(uint32_t off, uint32_t v) {
  // The PF reaches every absolute queue's tail (its default pool's, in practice); a tail write
  // changes nothing the doorbell map or the switch depend on.
  if (off % kQueueStride != kTailReg) return false;
  const bool tx = off >= pfr::TDT(0).offset && off < pfr::tx_queue_base(pfr::kNumQueues);
  // RX queues 0..63 in the first block, 64..127 in the second (rx_queue_base).
  const bool rx = (off >= pfr::RDT(0).offset && off < pfr::rx_queue_base(0) + 64 * kQueueStride) ||
                  (off >= pfr::RDT(64).offset && off < pfr::rx_queue_base(64) + 64 * kQueueStride);
  if (!tx && !rx) return false;
  const DoorbellTicket ticket(*this);
  if (!ticket.open()) return false;
  store_reg(off, v);
  if (tx) mark_tx_pending((off - pfr::tx_queue_base(0)) / kQueueStride);
  return true;
}

void DeviceModel::mark_tx_pending(unsigned q) {
  tx_pending_[q / 64].fetch_or(uint64_t{1} << (q % 64), std::memory_order_seq_cst);
  // Pairs with park_engine(): it sets engine_parked_ and then re-reads tx_pending_ (both
  // seq_cst), so either it sees this bit or this sees it parked.
  if (engine_parked_.load(std::memory_order_seq_cst)) wake_engine();
}

void DeviceModel::note_queue_write(uint32_t off) {
  if (off >= pfr::tx_queue_base(0) && off < pfr::tx_queue_base(pfr::kNumQueues)) {
    mark_tx_pending((off - pfr::tx_queue_base(0)) / kQueueStride);
  }
}

void DeviceModel::close_doorbells() {
  doorbells_open_.store(false, std::memory_order_seq_cst);
  // No deadline needed: a doorbell in flight never blocks or waits, it is a few stores long.
  while (doorbells_in_flight_.load(std::memory_order_seq_cst) != 0) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
  }
}

void DeviceModel::refresh_doorbell_map() {
  const unsigned per_pool = queues_per_pool();
  const bool mse = (sriov_reg16(hal::pci::sriov::kCtrl) & hal::pci::sriov::kCtrlMse) != 0;
  // The map depends on these alone (a VF exists iff it is below NumVFs with VF Enable): most
  // locked accesses (the mailbox) change none of them, and then only the gate reopens.
  const uint32_t inputs = per_pool | (mse ? 1u << 8 : 0u) | num_vfs_ << 9 | 1u << 31;
  if (inputs == doorbell_inputs_) {
    doorbells_open_.store(true, std::memory_order_seq_cst);
    return;
  }
  doorbell_inputs_ = inputs;
  for (unsigned vf = 0; vf < doorbell_map_.size(); ++vf) {
    const bool decodes = vfs_[vf].exists && mse && per_pool != 0 && vf * per_pool < pfr::kNumQueues;
    doorbell_map_[vf].store(decodes ? kDoorbellValid | per_pool << 8 | vf * per_pool : 0,
                            std::memory_order_release);
  }
  doorbells_open_.store(true, std::memory_order_seq_cst);
}

void DeviceModel::set_link(bool up) {
  Lock lock(mu_);
  wire_connected_ = up;
  update_link();
}

void DeviceModel::set_trace(RegTraceFn fn) {
  Lock lock(mu_);
  DoorbellGate gate(*this);  // no doorbell in flight may miss the trace
  trace_ = std::move(fn);
  tracing_.store(static_cast<bool>(trace_), std::memory_order_relaxed);
}

unsigned DeviceModel::num_vfs() const {
  Lock lock(mu_);
  return num_vfs_;
}

bool DeviceModel::vf_exists(unsigned vf) const {
  Lock lock(mu_);
  return vf < vfs_.size() && vfs_[vf].exists;
}

uint16_t DeviceModel::vf_routing_id(unsigned vf) const {
  Lock lock(mu_);
  return static_cast<uint16_t>(pf_routing_id() + sriov_reg16(hal::pci::sriov::kVfOffset) +
                               vf * sriov_reg16(hal::pci::sriov::kVfStride));
}

uint32_t DeviceModel::pf_reset_count() const {
  Lock lock(mu_);
  return pf_resets_;
}

uint32_t DeviceModel::vf_flr_count(unsigned vf) const {
  Lock lock(mu_);
  return vf < vfs_.size() ? vfs_[vf].flr_count : 0;
}

unsigned DeviceModel::queues_per_pool() const {
  // GCR_EXT.VT_MODE decides the pool layout (spec 6); without VT there are no VF queues.
  switch (reg(pfr::GCR_EXT) & pfr::gcr_ext::kVtModeMask) {
    case pfr::gcr_ext::kVtMode16: return 8;
    case pfr::gcr_ext::kVtMode32: return 4;
    case pfr::gcr_ext::kVtMode64: return 2;
    default: return 0;
  }
}

uint32_t DeviceModel::vf_queue_alias(unsigned vf, uint32_t off) const {
  const unsigned per_pool = queues_per_pool();
  const bool rx = off >= 0x1000 && off < 0x1000 + 0x40 * vfr::kMaxQueues;
  const bool tx = off >= 0x2000 && off < 0x2000 + 0x40 * vfr::kMaxQueues;
  if (!rx && !tx) return 0;
  const uint32_t rel = off - (rx ? vfr::VFRDBAL(0).offset : vfr::VFTDBAL(0).offset);
  const unsigned q = rel / 0x40;
  if (q >= per_pool) return 0;
  const unsigned abs = vf * per_pool + q;
  return (rx ? pfr::rx_queue_base(abs) : pfr::tx_queue_base(abs)) + rel % 0x40;
}

void DeviceModel::clear_vf_queues(unsigned vf) {
  const unsigned per_pool = queues_per_pool();
  for (unsigned q = vf * per_pool; q < (vf + 1) * per_pool && q < pfr::kNumQueues; ++q) {
    eng_.ctx_vlan[q].fill(0);
    for (uint32_t r = 0; r < 0x40; r += 4) {
      regs_[(pfr::rx_queue_base(q) + r) / 4] = 0;
      // TDWBAL/TDWBAH survive a VF reset (spec 3e): the PF zeroes them on VF_RESET.
      if (r != 0x38 && r != 0x3C) regs_[(pfr::tx_queue_base(q) + r) / 4] = 0;
    }
  }
}

}  // namespace sim
