#pragma once
// The register-level model of the simulated 82599: PF and VF BARs, config spaces, mailbox
// hardware, interrupt causes and resets. Every access runs a handler under one device lock, so
// read-to-clear, write-1-to-clear, lock arbitration and reset side effects are exact and ordered.

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "hal/event_fd.hpp"
#include "hal/iova_table.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/sim/config_store.hpp"
#include "hal/sim/device_lock.hpp"
#include "hal/sim/device.hpp"
#include "hal/sim/engine.hpp"
#include "hal/sim/l2_switch.hpp"
#include "hal/sim/reg_trace.hpp"

namespace sim {

/// Per-VF hardware state: what the VF's function holds beyond the PF's register file.
struct VfHw {
  bool exists = false;  // VF Enable set and index < NumVFs
  ConfigStore cfg;
  // Mailbox (spec 3a). Memory is shared by VFMBMEM and PFMBMEM(n).
  std::array<uint32_t, hal::ixgbe::vf::kMbxWords> mbmem{};
  bool vfu = false, pfu = false;      // buffer locks
  bool pfsts = false, pfack = false;  // read-to-clear on the VF side
  bool rsti = false, rstd = false;    // PF reset in progress / done (RSTD read-to-clear)
  // Interrupts (one bit per MSI-X vector).
  uint32_t eicr = 0, eims = 0, eiac = 0, eiam = 0;
  std::array<uint32_t, 4> ivar{};
  uint32_t ivar_misc = 0;
  std::array<uint32_t, 3> eitr{};
  uint32_t psrtype = 0;
  // Statistics (free-running, wrap; not clear-on-read).
  uint32_t gprc = 0, gorc_lsb = 0, gorc_msb = 0, mprc = 0, gptc = 0, gotc_lsb = 0, gotc_msb = 0;
  uint32_t flr_count = 0;
  std::vector<hal::EventFd> vectors;
  hal::IovaTable dma;
};

class DeviceModel {
 public:
  explicit DeviceModel(DeviceConfig cfg);

  // ---- Bus accesses (each takes the device lock).
  uint32_t pf_read(uint32_t off);
  void pf_write(uint32_t off, uint32_t v);
  uint32_t vf_read(unsigned vf, uint32_t off);
  void vf_write(unsigned vf, uint32_t off, uint32_t v);
  uint32_t pf_cfg_read(uint16_t off, unsigned width);
  void pf_cfg_write(uint16_t off, uint32_t v, unsigned width);
  uint32_t vf_cfg_read(unsigned vf, uint16_t off, unsigned width);
  void vf_cfg_write(unsigned vf, uint16_t off, uint32_t v, unsigned width);

  // ---- The world and introspection.
  void set_link(bool up);
  void set_trace(RegTraceFn fn);
  unsigned num_vfs() const;
  bool vf_exists(unsigned vf) const;
  uint16_t vf_routing_id(unsigned vf) const;
  uint16_t pf_routing_id() const { return static_cast<uint16_t>(cfg_.bus << 8); }
  const DeviceConfig& config() const { return cfg_; }
  const hal::EventFd& pf_vector(size_t i) const { return pf_vectors_[i]; }
  const hal::EventFd& vf_vector(unsigned vf, size_t i) const { return vfs_[vf].vectors[i]; }
  hal::IovaTable& pf_dma() { return pf_dma_; }
  hal::IovaTable& vf_dma(unsigned vf) { return vfs_[vf].dma; }
  /// How many device (CTRL.RST) resets and VF FLRs happened; for tests and reports.
  uint32_t pf_reset_count() const;
  uint32_t vf_flr_count(unsigned vf) const;

  // ---- The device engine (engine_tx.cpp, engine_rx.cpp; docs/sim-model.md "Device engine").
  /// One bounded engine pass under the device lock: every enabled TX queue whose tail moved
  /// (at most EngineState::kTxBudgetPerQueue frames each), then up to kWireBudget frames from
  /// the wire. Returns the frames taken (TX chains + wire frames); 0 means idle.
  size_t poll_once();
  /// The port the engine transmits to and receives from; never null (nullptr installs a fresh
  /// MemoryWire).
  void set_wire(std::shared_ptr<WirePort> port);
  std::shared_ptr<WirePort> wire() const;
  Accounting accounting() const;
  QueueCounters queue_counters(unsigned abs_queue) const;
  std::vector<DmaFault> dma_faults() const;
  uint64_t dma_fault_count() const;

 private:
  using Lock = std::unique_lock<DeviceLock>;
  // Handlers, called with mu_ held.
  uint32_t pf_read_locked(uint32_t off);
  void pf_write_locked(uint32_t off, uint32_t v);
  bool pf_read_mailbox_block(uint32_t off, uint32_t& out);
  bool pf_write_mailbox_block(uint32_t off, uint32_t v);
  bool pf_read_interrupt_block(uint32_t off, uint32_t& out);
  bool pf_write_interrupt_block(uint32_t off, uint32_t v);
  uint32_t vf_read_locked(unsigned vf, uint32_t off);
  void vf_write_locked(unsigned vf, uint32_t off, uint32_t v);
  /// PF offset of the queue register a VF offset names, or 0 when the VF does not own it.
  uint32_t vf_queue_alias(unsigned vf, uint32_t off) const;
  unsigned queues_per_pool() const;
  void clear_vf_queues(unsigned vf);
  bool pf_ready() const { return (reg(hal::ixgbe::pf::CTRL_EXT) & hal::ixgbe::pf::ctrl_ext::kPfrstd) != 0; }

  // Mailbox hardware (mailbox_hw.cpp).
  uint32_t read_pfmailbox(unsigned vf) const;
  void write_pfmailbox(unsigned vf, uint32_t v);
  uint32_t read_vfmailbox(unsigned vf);
  void write_vfmailbox(unsigned vf, uint32_t v);
  void raise_mbvficr(uint32_t bits, unsigned vf);

  // Interrupts (interrupts.cpp).
  void raise_pf_cause(uint32_t cause);
  void fire_pf_pending();
  void raise_vf_misc(unsigned vf);
  void fire_vf_vector(unsigned vf, unsigned vector);
  void write_vf_eims(unsigned vf, uint32_t v);

  // Resets (resets.cpp).
  void device_reset();
  void set_pfrstd(bool ready);
  void vf_function_reset(unsigned vf, bool flr);
  void vf_software_reset(unsigned vf);
  void enable_vfs(unsigned n);
  void disable_vfs();

  // Config space (pf_config.cpp, vf_config.cpp).
  void build_pf_config();
  void build_vf_config(unsigned vf);
  void pf_cfg_side_effects(uint16_t off, unsigned width, uint16_t old_ctrl, uint16_t old_numvfs);
  void vf_cfg_side_effects(unsigned vf, uint16_t off, unsigned width);
  uint16_t sriov_reg16(uint16_t rel) const;

  // Device engine (engine_tx.cpp, engine_rx.cpp), called with mu_ held.
  unsigned queue_pool(unsigned q);
  int queue_function(unsigned q) const;
  const hal::IovaTable& queue_domain(unsigned q) const;
  size_t poll_tx_queue(unsigned q);
  size_t poll_wire();
  /// DD on the RS descriptors of [first, next); false (queue stopped) on a DMA fault.
  bool write_tx_done(unsigned q, uint64_t base, uint32_t count, uint32_t first, uint32_t next);
  void write_tx_head(unsigned q, uint32_t head);
  void transmit_frame(unsigned q, std::optional<VlanTag> vle);
  void switch_frame(const Verdict& v, std::span<const uint8_t> bytes, bool loopback);
  void deliver_copy(unsigned pool, std::span<const uint8_t> bytes, bool hide, bool loopback);
  void write_rx(unsigned q, std::span<const uint8_t> data, uint32_t status, uint16_t vlan);
  void stop_queue(unsigned q, bool tx, DmaFaultKind kind, uint64_t iova, uint32_t len);

  void trace(int fn, Space sp, bool write, uint32_t off, uint32_t v);
  uint32_t& reg(hal::Reg32 r) { return regs_[r.offset / 4]; }
  uint32_t reg(hal::Reg32 r) const { return regs_[r.offset / 4]; }

  DeviceConfig cfg_;
  mutable DeviceLock mu_;
  std::vector<uint32_t> regs_;  // PF BAR0 register file, plain storage for plain registers
  // The VEB reads regs_ through a span: declared after regs_, which is never resized. Hooks
  // (docs/switch.md): note_write on PF writes, invalidate on device reset and VF FLR.
  L2Switch switch_{RegisterReader(std::span<const uint32_t>(regs_))};
  EngineState eng_;
  ConfigStore pf_cfg_;
  std::array<VfHw, hal::ixgbe::pf::kMaxVfs> vfs_;
  std::vector<hal::EventFd> pf_vectors_;
  hal::IovaTable pf_dma_;
  std::array<uint32_t, hal::ixgbe::pf::kNumQueues> qde_{};       // per-queue QDE bits
  std::array<uint32_t, hal::ixgbe::pf::kNumQueues> rttbcnrc_{};  // per-queue rate factor
  uint32_t qde_read_index_ = 0;
  uint64_t vflre_ = 0;       // VF FLR events not yet cleared (VFLRE/VFLREC)
  uint32_t eicr_ = 0;        // PF interrupt causes
  uint32_t eims_ = 0;        // PF interrupt mask
  bool link_up_ = true;
  unsigned num_vfs_ = 0;     // VF functions that exist now
  uint32_t pf_resets_ = 0;
  RegTraceFn trace_;
};

}  // namespace sim
