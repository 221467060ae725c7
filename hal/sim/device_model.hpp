#pragma once
// The register-level model of the simulated 82599: PF and VF BARs, config spaces, mailbox
// hardware, interrupt causes and resets. Every access runs a handler under one device lock, so
// read-to-clear, write-1-to-clear, lock arbitration and reset side effects are exact and ordered.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "hal/event_fd.hpp"
#include "hal/iova_table.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/sim/config_store.hpp"
#include "hal/sim/device_lock.hpp"
#include "hal/sim/device.hpp"
#include "hal/sim/engine.hpp"
#include "hal/sim/frame_tap.hpp"
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
  /// PCIe master requests that do not drain (82599 specification update, "Master Disable"):
  /// with `gio_held` STATUS.GIO_MASTER_ENABLE stays set after CTRL.GIO_MASTER_DISABLE until
  /// the next CTRL.RST (flow control or a link down can hold it with nothing pending); with
  /// `transaction_pending` the PCIe Device Status reports Transaction Pending until called
  /// again. Both off by default.
  void hold_master_requests(bool gio_held, bool transaction_pending);
  /// What the EEPROM loads into AUTOC and AUTOC2 at power-on and every reset (default: 10 Gb/s
  /// serial SFI, the link enabled). Takes effect at the next reset.
  void set_eeprom_link(uint32_t autoc, uint32_t autoc2);
  /// One EEPROM word as EERD reads it (all words 0 by default: no firmware module, so no
  /// LESM).
  void set_eeprom_word(uint16_t addr, uint16_t value);
  /// Manageability firmware sharing the port: `enabled` makes FWSM report pass-through mode
  /// with MANC.RCV_TCO_EN set and the clock not gated (Linux ixgbe_mng_enabled); `veto` sets
  /// MMNGC.MNG_VETO. Both survive resets (the firmware sets them). Off by default.
  void set_manageability(bool enabled, bool veto);
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
  /// Installs (or removes, with an empty function) the frame tap (hal/sim/frame_tap.hpp).
  /// Takes the device lock, so it takes effect between passes, never inside one.
  void set_frame_tap(FrameTapFn fn);
  Accounting accounting() const;
  QueueCounters queue_counters(unsigned abs_queue) const;
  std::vector<DmaFault> dma_faults() const;
  uint64_t dma_fault_count() const;

  // ---- Parking the engine's thread (engine_thread.cpp): a doorbell wakes it.
  /// Sleeps up to `timeout` unless a TX doorbell rang since the last pass; returns at once
  /// when one did. Called by the engine thread only, without the device lock.
  void park_engine(std::chrono::nanoseconds timeout);
  /// Wakes a parked engine thread (stop, or a world event such as a wire frame).
  void wake_engine() const {
    if (engine_wake_) engine_wake_->signal();
  }

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

  // PHY, link, laser and the RX/TX enables (phy.cpp; docs/sim-model.md "Bring-up registers").
  /// The SFP+ laser: ESDP.SDP3 an output (the EEPROM makes it one) driven low.
  bool laser_on() const;
  /// Recomputes the link from the wire, the PHY's configuration and both lasers; tells the
  /// port when this end's laser changed and raises EICR.LSC when the link changed.
  void update_link();
  /// AUTOC write: RESTART_AN self-clears and applies LMS (only 10G serial SFI brings a link).
  void write_autoc(uint32_t v);
  /// CTRL.LRST: the PHY and the transmitter reset (the link drops, also for the partner),
  /// then the link restarts by itself from AUTOC (the EEPROM's after the reset).
  void link_reset();
  /// Whether AUTOC and AUTOC2 select a mode this SFP+ port links in: 10 Gb/s serial with the
  /// SFI PMA/PMD, the link not disabled by AUTOC2.
  bool autoc_links(uint32_t autoc) const;
  /// LINKS, EERD, ANLP1 and the GIO status: registers whose reads the model computes.
  bool pf_read_computed(uint32_t off, uint32_t& out);
  /// Whether frames may enter the RX packet buffer: RXCTRL.RXEN set, SECRXCTRL.RX_DIS clear.
  bool rx_enabled() const;
  /// DMATXCTL write: TE 0 -> 1 hands the queues that rang while TX was off back to the engine.
  void write_dmatxctl(uint32_t v);
  /// Register reset values other than 0 (power-on and CTRL.RST).
  void load_reset_values();

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

  // Device engine (engine_tx.cpp, engine_rx.cpp), called with mu_ held during a pass
  // (queue_pool/queue_function use the pass's decoded pool layout, EngineState::per_pool).
  unsigned queue_pool(unsigned q);
  int queue_function(unsigned q) const;
  // The per-frame functions are compiled twice, with (kTap) and without the frame tap: a pass
  // picks the variant once per queue, so an untapped engine tests nothing per frame.
  /// Whether TX queue q still has descriptors to take (after a pass that stopped early).
  template <bool kTap>
  size_t poll_tx_queue(unsigned q, bool& more);
  template <bool kTap>
  size_t poll_wire();
  /// DD on the RS descriptors of [first, next); false (queue stopped) on a DMA fault.
  bool write_tx_done(unsigned q, int fn, uint64_t base, uint32_t count, uint32_t first, uint32_t next);
  void write_tx_head(unsigned q, uint32_t head);
  template <bool kTap>
  void transmit_frame(unsigned q, unsigned pool, int fn, std::span<const uint8_t> bytes,
                      bool vle, uint16_t vle_tci);
  /// Defined, and instantiated for both kTap values, in engine_rx.cpp.
  template <bool kTap>
  void switch_frame(const Verdict& v, std::span<const uint8_t> bytes, bool loopback);
  /// SSVPC: counts a frame from `pool` the anti-spoof checks dropped, when VMECM enables it.
  void count_security_violation(unsigned pool, DropReason reason);
  template <bool kTap>
  void deliver_copy(unsigned pool, std::span<const uint8_t> bytes, const FrameView* parsed, const RssHash& rss,
                    bool hide, bool loopback);
  template <bool kTap>
  void write_rx(unsigned q, std::span<const uint8_t> data, uint32_t status, uint16_t vlan, const RssHash& rss);
  /// Hands `bytes` to the installed frame tap (only the kTap variants call it).
  void tap_frame(TapPoint point, unsigned pool, std::span<const uint8_t> bytes) const {
    frame_tap_(TapFrame{point, static_cast<uint8_t>(pool), std::as_bytes(bytes)});
  }
  void stop_queue(unsigned q, bool tx, DmaFaultKind kind, uint64_t iova, uint32_t len);

  // Tail doorbells without the device lock (device_model.cpp): a burst's one TDT/RDT write
  // must not wait for an engine pass that holds the lock.
  class DoorbellTicket;
  bool try_vf_doorbell(unsigned vf, uint32_t off, uint32_t v);
  bool try_pf_doorbell(uint32_t off, uint32_t v);
  /// Recomputes doorbell_map_ from the VFs' decode state and the VT mode and reopens the
  /// doorbells; mu_ held.
  void refresh_doorbell_map();
  /// Closes the lock-free doorbells and waits for those in flight; mu_ held. After it no
  /// doorbell stores anything until refresh_doorbell_map(): a locked access may then change
  /// queue ownership, zero tail registers or install a trace without racing one.
  void close_doorbells();
  /// close_doorbells() for the scope of one locked access, refresh_doorbell_map() at its end.
  class DoorbellGate {
   public:
    explicit DoorbellGate(DeviceModel& m) : m_(m) { m_.close_doorbells(); }
    ~DoorbellGate() { m_.refresh_doorbell_map(); }
    DoorbellGate(const DoorbellGate&) = delete;
    DoorbellGate& operator=(const DoorbellGate&) = delete;

   private:
    DeviceModel& m_;
  };
  /// A locked write to PF offset `off`: a TX queue register marks its queue for the engine.
  void note_queue_write(uint32_t off);
  void mark_tx_pending(unsigned q);
  /// Tail registers are written by doorbells outside the lock: every access is atomic.
  uint32_t load_reg(uint32_t off) const {
    return std::atomic_ref<const uint32_t>(regs_[off / 4]).load(std::memory_order_acquire);
  }
  void store_reg(uint32_t off, uint32_t v) {
    std::atomic_ref<uint32_t>(regs_[off / 4]).store(v, std::memory_order_release);
  }

  // DMA through function `fn`'s domain (-1 the PF) with the engine's translation cache.
  uint8_t* dma_at(int fn, uint64_t iova, size_t len) {
    const hal::IovaTable& dom = fn < 0 ? pf_dma_ : vfs_[static_cast<unsigned>(fn)].dma;
    return static_cast<uint8_t*>(dom.translate_cached(eng_.dma_cache[static_cast<size_t>(fn + 1)], iova, len));
  }

  /// The device clock in nanoseconds (read only where time matters: rate-limited queues).
  uint64_t now_ns() const { return static_cast<uint64_t>(clock_->now().count()); }
  /// The RSS state for the next frame, rebuilt first if a register it reads changed.
  const RssState& rss();
  /// The earliest time a queue held back by the rate limiter may send again (UINT64_MAX:
  /// none): how long a parked engine thread may sleep.
  std::atomic<uint64_t> shaper_due_ns_{UINT64_MAX};

  void trace(int fn, Space sp, bool write, uint32_t off, uint32_t v);
  uint32_t& reg(hal::Reg32 r) { return regs_[r.offset / 4]; }
  uint32_t reg(hal::Reg32 r) const { return regs_[r.offset / 4]; }

  DeviceConfig cfg_;
  hal::RealClock real_clock_;
  hal::Clock* clock_ = cfg_.clock != nullptr ? cfg_.clock : &real_clock_;
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
  uint32_t ssvpc_ = 0;  // read-to-clear, saturates as the datasheet's 32-bit counters do
  uint64_t vflre_ = 0;       // VF FLR events not yet cleared (VFLRE/VFLREC)
  uint32_t eicr_ = 0;        // PF interrupt causes
  uint32_t eims_ = 0;        // PF interrupt mask
  bool link_up_ = false;        // LINKS.LINK_UP as computed by update_link()
  bool wire_connected_ = true;  // the world: a cable plugged in with a partner (set_link)
  bool phy_ready_ = true;       // link set up: from the EEPROM at power-on, AUTOC restart after LRST
  bool laser_told_ = true;      // what the wire port was last told (set_tx_signal)
  bool an_started_ = true;      // ANLP1.AN_STATE left 0: an AUTOC restart (or the EEPROM's) ran
  bool gio_held_ = false;       // the world: GIO master requests that do not drain
  bool transaction_pending_ = false;  // the world: PCIe Device Status.Transaction Pending
  bool mng_enabled_ = false;    // the world: manageability firmware in pass-through mode
  bool mng_veto_ = false;       // the world: MMNGC.MNG_VETO
  uint32_t eeprom_autoc_ = hal::ixgbe::pf::autoc::kLms10gSerial;
  uint32_t eeprom_autoc2_ = hal::ixgbe::pf::autoc2::k10gSfi;
  std::vector<uint16_t> eeprom_ = std::vector<uint16_t>(hal::ixgbe::pf::eeprom::kWords, 0);
  std::array<uint64_t, 2> tx_held_{};  // TX queues that rang while DMATXCTL.TE was clear
  unsigned num_vfs_ = 0;     // VF functions that exist now
  uint32_t pf_resets_ = 0;
  RegTraceFn trace_;
  FrameTapFn frame_tap_;  // read by engine passes, under mu_
  std::atomic<bool> tracing_{false};  // trace_ is set: doorbells take the locked path
  // Doorbell gate (Dekker pair): a doorbell counts itself in flight, then checks the gate is
  // open; close_doorbells() shuts the gate, then waits for the count to reach zero.
  std::atomic<bool> doorbells_open_{false};
  uint32_t doorbell_inputs_ = 0;  // what doorbell_map_ was computed from (mu_ held)
  std::atomic<uint32_t> doorbells_in_flight_{0};
  /// Per VF: kDoorbellValid | queues per pool << 8 | absolute queue of its queue 0, or 0 when
  /// the VF's BAR does not decode.
  std::array<std::atomic<uint32_t>, hal::ixgbe::pf::kMaxVfs> doorbell_map_{};
  /// TX queues whose registers were written since the engine last looked (one bit each).
  std::array<std::atomic<uint64_t>, 2> tx_pending_{};
  std::atomic<bool> engine_parked_{false};
  std::optional<hal::EventFd> engine_wake_;  // absent if eventfd failed: parking then sleeps
};

}  // namespace sim
