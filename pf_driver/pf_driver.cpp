#include "pf_driver/pf_driver.hpp"

#include <algorithm>
#include <array>
#include <bit>

#include "hal/ixgbe/ids.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "pf_driver/hw_init.hpp"
#include "pf_driver/hw_stop.hpp"
#include "pf_driver/mailbox_service.hpp"
#include "pf_driver/outbox.hpp"
#include "pf_driver/pf_core.hpp"
#include "pf_driver/sriov_cap.hpp"
#include "pf_driver/vf_hw.hpp"
#include "pf_driver/vf_reset.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

PfDriver::PfDriver(hal::PciFunction& fn, hal::Clock& clock, hal::Waiter& waiter, PfOptions opts)
    : c_(std::make_unique<PfCore>(fn, clock, waiter, opts)) {}

PfDriver::~PfDriver() = default;

std::expected<void, Refusal> PfDriver::validate_options() const {
  const PfCore& c = *c_;
  if (c.opts.mtu < kEthMinMtu || c.opts.mtu > kMaxMtu) {
    return std::unexpected(Refusal{ErrorCode::kInvalidArgument,
                                   fmt::format("MTU {} outside {}..{}", c.opts.mtu, kEthMinMtu, kMaxMtu)});
  }
  if (std::string why = c.opts.mailbox_flood.validate(); !why.empty()) {
    return std::unexpected(Refusal{ErrorCode::kInvalidArgument, std::move(why)});
  }
  // Zero means "the EEPROM's"; anything else must be usable as it is.
  if (!c.opts.mac.is_zero() && !c.opts.mac.is_valid_unicast()) {
    return std::unexpected(Refusal{ErrorCode::kInvalidArgument,
                                   fmt::format("PfOptions::mac {} is not a unicast address",
                                               MacFmt{c.opts.mac})});
  }
  // The kept entries must fit below the VF entries with the most VFs this driver enables.
  if (const unsigned most = RarTable::last_spare(hal::ixgbe::kMaxVfsDriver);
      c.opts.host_mac_entries > most) {
    return std::unexpected(Refusal{
        ErrorCode::kInvalidArgument,
        fmt::format("PfOptions::host_mac_entries {}: at most {} ({} VFs leave {} spare RAR "
                    "entries)",
                    c.opts.host_mac_entries, most, hal::ixgbe::kMaxVfsDriver, most)});
  }
  return {};
}

std::expected<void, Refusal> PfDriver::bring_up() {
  PfCore& c = *c_;
  hw_live_ = true;  // from here on the hardware is ours: stop() has something to undo
  link_note_.clear();
  // Steps 1-2 (hw_init.hpp has the whole order).
  const auto link_kept = reset_device(c.bar0, c.fn.config(), c.clock, c.waiter, c.opts.reset_timeout);
  if (!link_kept) return std::unexpected(link_kept.error());
  // The PF's address: the configured one, else what the EEPROM loaded into RAR 0 (read before
  // anything touches the receive filters).
  hal::MacAddr mac = c.opts.mac;
  if (mac.is_zero()) mac = read_rar0_mac(c.bar0);
  if (!mac.is_valid_unicast()) {
    return std::unexpected(Refusal{ErrorCode::kInvalidArgument,
                                   "no valid PF MAC: set PfOptions::mac (EEPROM gave none)"});
  }
  c.pf_mac = mac;
  setup_general(c.bar0);
  // 4.6.4: a link that does not come up (no cable, a dark partner) is recorded, not a failure.
  auto link = setup_link(c.bar0, c.clock, c.waiter, *link_kept);
  if (!link) return std::unexpected(link.error());
  c.link = link->link;
  link_note_ = std::move(link->note);
  clear_statistics(c.bar0);
  // 4.6.7: after a reset the filter tables hold whatever the chip powered up with: software
  // clears RAR 1..127, MTA and VFTA, then the receive and transmit globals (both stay off
  // until finish_bring_up(), after the VT step).
  c.rar.clear_all();
  c.vlans.clear_all();
  c.mta.clear_all();
  c.rar.set_pf(mac, 0);
  c.rss.program(c.bar0);
  const uint32_t max_frame = std::max(c.opts.mtu + kEthHeader + kEthFcs, kEthFrameLen + kEthFcs);
  setup_rx(c.bar0, max_frame);
  setup_tx(c.bar0);
  return {};
}

std::expected<void, Refusal> PfDriver::finish_bring_up() {
  PfCore& c = *c_;
  // Linux ixgbe_configure's order after the VT step: TX on (MTQC is written), then RX on.
  enable_tx(c.bar0);
  if (auto r = enable_rx(c.bar0, c.clock, c.waiter); !r) return r;
  enable_interrupts(c.bar0);
  // enable_interrupts() read EICR, which also took an LSC latched since setup_link() looked:
  // LINKS is the truth now (a cable plugged in meanwhile is not lost).
  if (const LinkInfo now = read_link(c.bar0); now != c.link) {
    c.link = now;
    c.log(std::nullopt, EventCode::kLinkChange, "PF link {} ({} Mb/s) during bring-up",
          now.up ? "up" : "down", now.mbps);
  }
  // PFRSTD last: the hardware now raises RSTD in every VF mailbox and the VFs reset.
  signal_pf_ready(c.bar0);
  c.initialized = true;
  return {};
}

std::string PfDriver::link_summary() const {
  const PfCore& c = *c_;
  std::string s = c.link.up ? "up" : "down";
  if (!link_note_.empty()) s += fmt::format(" ({})", link_note_);
  return s;
}

std::expected<void, Refusal> PfDriver::release_stale_vfs() {
  PfCore& c = *c_;
  // A reset() that failed left its VFs here: they go the orderly way.
  if (c.num_vfs != 0) {
    disable_vfs();
    return {};
  }
  // VFs someone else left enabled have no state here: start from none (set_num_vfs later).
  SriovCap cap(c.fn.config());
  if (!cap.present() || !cap.vfs_enabled()) return {};
  const auto off = c.fn.set_sriov_num_vfs(0);
  if (off && !cap.vfs_enabled()) return {};
  return std::unexpected(Refusal{
      ErrorCode::kBusy,
      fmt::format("{} VFs an earlier owner enabled could not be disabled ({}): disable them "
                  "(sriov_numvfs 0) and retry",
                  cap.num_vfs(), off ? std::string_view("VF Enable stayed set") : hal::to_string(off.error()))});
}

std::expected<void, Refusal> PfDriver::init() {
  PfCore& c = *c_;
  if (c.initialized) return reset();
  auto fail = [&](Refusal r) -> std::expected<void, Refusal> {
    c.log(std::nullopt, EventCode::kPfInitFailed, "init failed: {}", r.reason);
    return std::unexpected(std::move(r));
  };
  if (auto r = validate_options(); !r) return fail(r.error());
  if (auto r = release_stale_vfs(); !r) return fail(r.error());
  if (auto r = bring_up(); !r) return fail(r.error());
  // 4.6.10: no VFs yet, so VT off (set_num_vfs() turns it on).
  clear_vt(c.bar0);
  if (auto r = finish_bring_up(); !r) return fail(r.error());
  c.log(std::nullopt, EventCode::kPfInit, "PF up: MAC {}, MTU {}, link {}", MacFmt{c.pf_mac},
        c.opts.mtu, link_summary());
  return {};
}

void PfDriver::stop() {
  PfCore& c = *c_;
  if (!hw_live_) return;  // never brought up, or stopped already: nothing to undo
  const unsigned n = c.num_vfs;
  // CTRL.RST is not issued: it would light the laser again (the EEPROM's default).
  disable_rx(c.bar0);
  disable_rx_queues(c.bar0);
  mask_interrupts(c.bar0);
  (void)c.bar0.read(reg::EICR);
  // Linux ixgbe_down: the VFs learn the PF is going (a ping without CTS), their pools stop,
  // then the functions go (ixgbe_disable_sriov on remove).
  for (unsigned v = 0; v < n; ++v) {
    c.vfs[v].clear_to_send = false;
    ping_vf(c, hal::VfId(v));
  }
  for (unsigned i = 0; i < reg::kNumPools / reg::kPoolsPerReg; ++i) {
    c.bar0.write(reg::VFTE(i), 0);
    c.bar0.write(reg::VFRE(i), 0);
  }
  if (n != 0) disable_vfs();
  ++host_.epoch;  // the host's queues are stopped below: their leases turn stale
  disable_tx_queues(c.bar0);
  disable_tx(c.bar0);
  release_hw(c.bar0);
  // Linux drives the laser only without manageability firmware on the port.
  const bool laser = !manageability_enabled(c.bar0);
  if (laser) laser_off(c.bar0);
  c.initialized = false;
  c.link = {};
  hw_live_ = false;
  c.log(std::nullopt, EventCode::kPfStopped, "PF stopped: {} VFs disabled, {}", n,
        laser ? "laser off" : "laser left to the manageability firmware");
}

std::expected<void, Refusal> PfDriver::set_num_vfs(unsigned n) {
  PfCore& c = *c_;
  auto refuse = [&](ErrorCode code, std::string reason) -> std::expected<void, Refusal> {
    c.log(std::nullopt, EventCode::kAdminRefused, "set_num_vfs({}): {}", n, reason);
    return std::unexpected(Refusal{code, std::move(reason)});
  };
  if (!c.initialized) return refuse(ErrorCode::kNotInitialized, "PF not initialized");
  SriovCap cap(c.fn.config());
  if (!cap.present()) return refuse(ErrorCode::kNoDevice, "the PF has no SR-IOV capability");
  const unsigned limit = std::min<unsigned>(hal::ixgbe::kMaxVfsDriver, cap.total_vfs());
  if (n > limit) {
    return refuse(ErrorCode::kInvalidArgument,
                  fmt::format("at most {} VFs (one pool stays with the PF)", limit));
  }
  if (n == c.num_vfs) return {};
  if (c.num_vfs != 0 && n != 0) {
    return refuse(ErrorCode::kBusy, fmt::format("{} VFs are enabled: set 0 first", c.num_vfs));
  }
  // Each host MAC keeps a spare entry below the VFs' primary entries (rar_table.hpp).
  if (!c.rar.hosts_fit(n)) {
    return refuse(ErrorCode::kNoSpace,
                  fmt::format("{} host MACs need a spare RAR entry each; {} VFs leave {}: "
                              "remove host MACs first",
                              c.rar.hosts().size(), n, RarTable::last_spare(n)));
  }
  // The default pool follows the VF pools (spec 6): the change would move it from under the
  // host's queues, and hand their queue numbers to a VF.
  if (host_.leases != 0) {
    return refuse(ErrorCode::kBusy,
                  fmt::format("the PF's host queues are open on pool {}: close them first",
                              c.pf_pool()));
  }
  ++host_.epoch;
  if (n == 0) {
    disable_vfs();
    return {};
  }
  if (auto e = enable_vfs(n); !e) return refuse(e.error().code, e.error().reason);
  return {};
}

std::expected<void, Refusal> PfDriver::enable_vfs(unsigned n) {
  PfCore& c = *c_;
  // The VFs' primary entries must be free before anything writes them: host MAC spares
  // placed there while SR-IOV was off move down first (set_num_vfs() checked they fit).
  c.rar.fit_hosts(n);
  c.num_vfs = n;
  c.layout = choose_vt_layout(n);
  // Linux defaults for every VF: spoof check on, link auto (enabled), untrusted, no RSS
  // query, xcast none, not clear to send until its VF_RESET.
  c.vfs.fill(VfState{});
  c.rate_link_mbps = 0;
  c.rss = RssConfig::defaults(c.layout.queues_per_pool);
  c.rss.program(c.bar0);
  program_vfs_after_reset();
  SriovCap cap(c.fn.config());
  const auto enabled = c.fn.set_sriov_num_vfs(n);
  // pci_enable_sriov() can fail on real hardware (bus numbers, resources, vfio-pci without
  // enable_sriov): check it took.
  if (!enabled || !cap.vfs_enabled() || cap.num_vfs() != n) {
    disable_vfs();
    return std::unexpected(Refusal{ErrorCode::kNoDevice, "VF Enable did not take effect"});
  }
  c.log(std::nullopt, EventCode::kVfsEnabled, "{} VFs enabled: {} pools x {} queues, PF pool {}",
        n, c.layout.pools, c.layout.queues_per_pool, c.pf_pool());
  return {};
}

void PfDriver::disable_vfs() {
  PfCore& c = *c_;
  const unsigned n = c.num_vfs;
  // The guard's memory goes with the VF states below: what it still owed the log (requests
  // held in an open window, events left out) is recorded first, not lost.
  for (unsigned v = 0; v < n; ++v) (void)flush_mailbox_guard(c, hal::VfId(v));
  // The functions go first, so no VF sees its filters vanish under it.
  (void)c.fn.set_sriov_num_vfs(0);
  for (unsigned v = 0; v < n; ++v) {
    const hal::VfId vf(v);
    c.vfs[v].max_tx_mbps = 0;
    write_rate_limit(c, vf);
    // A host MAC a VF entry delivers is taken over by its spare as the entry goes.
    c.rar.set_primary(vf, hal::MacAddr{});
    c.rar.clear_macvlans(vf);
    c.rar.set_mac_antispoof(vf, false);  // PFVFSPOOF is cleared whole below
    c.mta.clear_vf(vf);
    c.bar0.write(reg::VMOLR(v), 0);
    c.bar0.write(reg::VMVIR(v), 0);
  }
  c.vlans.clear_all();
  c.bar0.write(reg::VMOLR(n), 0);
  c.bar0.write(reg::PSRTYPE(n), 0);
  for (unsigned i = 0; i < reg::kNumPools / reg::pfvfspoof::kPoolsPerReg; ++i) {
    c.bar0.write(reg::PFVFSPOOF(i), 0);
  }
  for (unsigned i = 0; i < reg::kNumPools / reg::kPoolsPerReg; ++i) c.bar0.write(reg::VMECM(i), 0);
  clear_vt(c.bar0);
  c.rar.set_pf(c.pf_mac, 0);  // the default pool is 0 without VT: host MACs move with it
  c.num_vfs = 0;
  c.layout = {};
  c.vfs.fill(VfState{});
  c.rate_link_mbps = 0;
  c.log(std::nullopt, EventCode::kVfsDisabled, "{} VFs disabled", n);
}

void PfDriver::program_vfs_after_reset(std::span<const bool> had_filter) {
  PfCore& c = *c_;
  const unsigned n = c.num_vfs;
  // The PF's pool: its MAC (RAR 0 via MPSAR), untagged and VLAN 0 traffic, broadcast and
  // MTA multicast. RAR 0 and the host MACs' entries name the new default pool before VT mode
  // turns on with it (while VT is off no pool map is read): never VT on with DEF_PL = n
  // while they still name pool 0, which is VF 0's now.
  c.rar.set_pf(c.pf_mac, c.pf_pool());
  program_vt(c.bar0, c.layout, n);
  (void)c.vlans.add(0, c.pf_pool());  // the table was just cleared: cannot be full
  c.bar0.write(reg::VMOLR(c.pf_pool()), reg::vmolr::kAupe | reg::vmolr::kBam | reg::vmolr::kRompe);
  // RSS inside the pool (MRQC VMDq + RSS): PSRTYPE.RQPL = log2(queues per pool) lets the hash
  // pick any of the pool's queues, as Linux programs its own pools; left at 0 the pool would
  // receive on its first queue only.
  c.bar0.write(reg::PSRTYPE(c.pf_pool()),
               static_cast<uint32_t>(std::countr_zero(c.layout.queues_per_pool))
                   << reg::psrtype::kRqplShift);
  for (unsigned v = 0; v < n; ++v) {
    const hal::VfId vf(v);
    VfState& s = c.vf(vf);
    // Everything the VF negotiated is gone; what the administrator set is programmed again.
    // The VF's pool stays off (VFRE/VFTE) until its VF_RESET.
    s.clear_to_send = false;
    // The device reset wiped every mailbox: owed pings are replaced by RSTD.
    forget_mailbox(s);
    clean_vf(c, vf);
    if (s.max_tx_mbps != 0) write_rate_limit(c, vf);
  }
  // Stored MACs back, checked as VF_RESET does (restore_vf_mac). A VF whose filter was live
  // goes first: a stale copy of its address, kept by a VF that lost its filter to an FLR and
  // has not reset since, must not take the address from it by coming earlier in VF order.
  for (const bool live_first : {true, false}) {
    for (unsigned v = 0; v < n; ++v) {
      const bool live = v < had_filter.size() && had_filter[v];
      if (live == live_first) (void)restore_vf_mac(c, hal::VfId(v), "PF reset");
    }
  }
}

std::expected<void, Refusal> PfDriver::reset() {
  PfCore& c = *c_;
  if (!c.initialized) return init();
  if (auto r = validate_options(); !r) {
    c.log(std::nullopt, EventCode::kPfInitFailed, "PF reset refused: {}", r.error().reason);
    return r;
  }
  // CTRL.RST below wipes every queue register: the host's queues must be set up again.
  ++host_.epoch;
  // Whose MAC filter is live now (bring_up() forgets the RAR table): see
  // program_vfs_after_reset().
  std::array<bool, reg::kMaxVfs> had_filter{};
  for (unsigned v = 0; v < c.num_vfs; ++v) {
    had_filter[v] = c.rar.entry(RarTable::primary_entry(hal::VfId(v))).valid;
  }
  // Linux ixgbe_down: tell every VF the PF lost its state, then stop their traffic.
  for (unsigned v = 0; v < c.num_vfs; ++v) {
    c.vfs[v].clear_to_send = false;
    ping_vf(c, hal::VfId(v));
  }
  for (unsigned i = 0; i < reg::kNumPools / reg::kPoolsPerReg; ++i) {
    c.bar0.write(reg::VFTE(i), 0);
    c.bar0.write(reg::VFRE(i), 0);
  }
  auto fail = [&](Refusal r) -> std::expected<void, Refusal> {
    c.initialized = false;  // the chip is in an unknown state: init() must run again
    c.log(std::nullopt, EventCode::kPfInitFailed, "PF reset failed: {}", r.reason);
    return std::unexpected(std::move(r));
  };
  if (auto r = bring_up(); !r) return fail(r.error());
  // 4.6.10: VT mode and every VF's configuration again, from software.
  if (c.num_vfs != 0) {
    program_vfs_after_reset({had_filter.data(), c.num_vfs});
  } else {
    clear_vt(c.bar0);
  }
  if (auto r = finish_bring_up(); !r) return fail(r.error());
  c.log(std::nullopt, EventCode::kPfReset, "PF reset with {} VFs: configuration re-applied, link {}",
        c.num_vfs, link_summary());
  return {};
}

unsigned PfDriver::num_vfs() const { return c_->num_vfs; }
unsigned PfDriver::queues_per_pool() const { return c_->layout.queues_per_pool; }
unsigned PfDriver::num_pools() const { return c_->layout.pools; }

unsigned PfDriver::default_pool() const {
  // program_vt() writes DEF_PL = num_vfs; clear_vt() writes VT_CTL = 0, and num_vfs is 0 then.
  return c_->pf_pool();
}

QueueRange PfDriver::host_queues() const {
  const PfCore& c = *c_;
  if (!c.initialized) return {};
  if (!c.layout.enabled()) return {.first = 0, .count = 1};
  return {.first = c.layout.queue(c.pf_pool(), 0), .count = c.layout.queues_per_pool};
}

std::expected<HostPoolLease, Refusal> PfDriver::lease_host_pool() {
  if (!c_->initialized) {
    return std::unexpected(Refusal{ErrorCode::kNotInitialized, "PF not initialized"});
  }
  return HostPoolLease(host_, default_pool(), host_queues());
}

size_t PfDriver::service_once() { return service_pass(*c_); }

std::optional<hal::Nanos> PfDriver::next_service_due() const {
  const PfCore& c = *c_;
  if (!c.initialized) return std::nullopt;
  std::optional<hal::Nanos> due;
  for (unsigned v = 0; v < c.num_vfs; ++v) {
    const std::optional<hal::Nanos> d = mailbox_guard_due(c, hal::VfId(v));
    if (d && (!due || *d < *due)) due = d;
  }
  return due;
}

const hal::EventFd& PfDriver::interrupt() const { return c_->fn.vector(kOtherVector); }

VfInfo PfDriver::vf_info(hal::VfId vf) const {
  const PfCore& c = *c_;
  VfInfo info;
  info.vf = vf;
  if (vf.value() >= c.num_vfs) return info;
  const VfState& s = c.vf(vf);
  info.exists = true;
  info.mac = s.mac;
  info.admin_mac = s.admin_mac;
  info.rx_to_host = !s.mac.is_zero() && c.rar.is_host(s.mac);
  info.mac_antispoof_lifted = c.rar.antispoof_lifted(vf);
  info.vlan = s.vlan;
  info.qos = s.qos;
  info.spoofchk = s.spoofchk;
  info.trusted = s.trusted;
  info.rss_query = s.rss_query;
  info.link_state = s.link_state;
  info.link_enable = s.link_enable;
  info.max_tx_mbps = s.max_tx_mbps;
  info.clear_to_send = s.clear_to_send;
  info.api = s.api;
  info.xcast = s.xcast;
  info.max_frame = s.max_frame;
  info.num_mc_hashes = c.mta.count(vf);
  info.num_macvlans = c.rar.macvlan_count(vf);
  info.num_vlans = c.vlans.count(vf.value());
  info.ping_pending = s.ping_pending;
  info.counters = s.counters;
  return info;
}

const EventLog& PfDriver::events() const { return c_->events; }

void PfDriver::set_event_listener(std::function<void(const Event&)> fn) {
  c_->events.set_listener(std::move(fn));
}

void PfDriver::set_policy_hook(PolicyHook hook) { c_->hook = std::move(hook); }

void PfDriver::set_mailbox_trace(mbx::TraceFn fn) { c_->mbx.set_trace(std::move(fn)); }

}  // namespace pf
