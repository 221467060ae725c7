#include "harness/hw/hw_host.hpp"

#include <thread>
#include <utility>

#include <fmt/format.h>

#include "doctor/fs.hpp"
#include "hal/ixgbe/reg_names.hpp"
#include "hal/vfio/discovery.hpp"
#include "hal/vfio/preflight_access.hpp"
#include "hal/vfio/preflight_sriov.hpp"

namespace harness {

namespace {

namespace vfio = hal::vfio;

/// What a driver of the host does while it waits: the host's own work first (the PF's
/// service, when the VF waiting is one of the PF's), then the caller's (HwHostOptions::
/// on_wait), then time passes: a ManualClock is advanced by the wait's interval, real time
/// relaxes the CPU or sleeps the interval.
class HwHostWaiter final : public hal::Waiter {
 public:
  enum class Idle : uint8_t { kRelax, kSleep };
  HwHostWaiter(hal::ManualClock* manual, Idle idle, std::function<void()> work,
               const std::function<void()>& on_wait)
      : manual_(manual), idle_(idle), work_(std::move(work)), on_wait_(on_wait) {}

  void pause(hal::Nanos hint) override {
    if (work_) work_();
    if (on_wait_) on_wait_();
    if (manual_ != nullptr) {
      manual_->advance(hint);
    } else if (idle_ == Idle::kSleep) {
      std::this_thread::sleep_for(hint);
    } else {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }

 private:
  hal::ManualClock* manual_;
  Idle idle_;
  std::function<void()> work_;
  const std::function<void()>& on_wait_;  // HwHost::Impl's options, which outlive the waiter
};

/// An OpenError as one line naming the step: the address once (the error's own text names it
/// where it can).
std::string open_failed(std::string_view bdf, const vfio::OpenError& e) {
  const std::string m = e.message();
  if (m.find(bdf) != std::string::npos) return fmt::format("open: {}", m);
  return fmt::format("open {}: {}", bdf, m);
}

}  // namespace

struct HwHost::Impl {
  explicit Impl(HwHostOptions o) : opts(std::move(o)) {
    clock = opts.clock != nullptr ? opts.clock : &real_clock;
    manual = dynamic_cast<hal::ManualClock*>(clock);
  }
  ~Impl() {
    // Reverse order of open(): the ports (queues, DMA mappings, pools, VF drivers) before the
    // VF functions they use; the VFs before the PF takes them away; the PF's driver before its
    // function.
    ports.clear();
    vf_drvs.clear();
    vf_traced.clear();
    vf_fns.clear();
    // stop(): VFs disabled through sysfs, chip quiesced, link down. A PfDriver destroyed
    // without it leaves the device running, which a real NIC must not be left doing.
    if (pf) pf->stop();
    pf.reset();
    pf_traced.reset();
    pf_fn.reset();
  }

  std::expected<void, std::string> open_pf();
  std::expected<void, std::string> apply_admin();
  std::expected<void, std::string> probe_vfs(const std::vector<std::string>& bdfs);
  /// What a driver of `fn` runs on: `fn` itself, or a TracingFunction over it (kept in
  /// `holder`) when register_trace is set.
  hal::PciFunction& driven(vfio::VfioFunction& fn, int function, hal::RegNameFn names,
                           std::unique_ptr<hal::TracingFunction>& holder) {
    if (!opts.register_trace) return fn;
    holder = std::make_unique<hal::TracingFunction>(fn, function, opts.register_trace, names);
    return *holder;
  }
  vfio::OpenOptions open_options(const std::string& bdf) const {
    vfio::OpenOptions o;
    o.bdf = bdf;
    o.root = opts.root;
    o.ops = opts.ops;
    o.vf_token = token;
    o.log = opts.log;
    return o;
  }

  HwHostOptions opts;
  hal::RealClock real_clock;
  hal::Clock* clock = nullptr;
  hal::ManualClock* manual = nullptr;
  vfio::Role mode = vfio::Role::kVf;
  std::optional<vfio::VfToken> token;
  // Declared in the order they are made; ~Impl undoes them explicitly.
  std::unique_ptr<vfio::VfioFunction> pf_fn;
  std::unique_ptr<hal::TracingFunction> pf_traced;
  std::unique_ptr<hal::Waiter> pf_waiter;
  std::unique_ptr<pf::PfDriver> pf;
  std::vector<std::unique_ptr<vfio::VfioFunction>> vf_fns;
  std::vector<std::unique_ptr<hal::TracingFunction>> vf_traced;  // one per VF, null untraced
  std::unique_ptr<hal::Waiter> vf_waiter;
  // The ports borrow their drivers (VfPort::attach), so that a trace is installed before the
  // probe: destroyed after the ports.
  std::vector<std::unique_ptr<vf::VfDriver>> vf_drvs;
  std::vector<std::unique_ptr<VfPort>> ports;
};

std::expected<vfio::Role, std::string> HwHost::preflight(const HwHostOptions& opts) {
  if (opts.bdfs.empty()) return std::unexpected(std::string("no PCI function given"));
  const doctor::Fs fs(opts.root);
  std::optional<vfio::Role> mode;
  for (const std::string& bdf : opts.bdfs) {
    auto info = vfio::discover(fs, bdf);
    if (!info) return std::unexpected(open_failed(bdf, info.error()));
    if (auto r = vfio::preflight(fs, *info); !r) return std::unexpected(open_failed(bdf, r.error()));
    const vfio::Role role = info->is_vf ? vfio::Role::kVf : vfio::Role::kPf;
    if (role == vfio::Role::kPf && opts.bdfs.size() > 1) {
      return std::unexpected(fmt::format(
          "{} is a PF: give one PF alone (our PF driver and its VFs) or only VFs", bdf));
    }
    // What would otherwise fail only after the PF's bring-up (sriov_numvfs refused) or at a
    // VF's open (no token): PF mode, enable_sriov on, n <= sriov_totalvfs, sriov_numvfs
    // writable by us (n = 0 enables nothing: the caller refuses that count itself); VF mode,
    // the token a VF of a vfio-pci PF needs.
    if (role == vfio::Role::kPf && opts.num_vfs != 0) {
      if (auto r = vfio::preflight_enable_vfs(fs, *info, opts.num_vfs,
                                              vfio::Credentials::current());
          !r) {
        return std::unexpected(open_failed(bdf, r.error()));
      }
    }
    if (role == vfio::Role::kVf) {
      if (auto r = vfio::preflight_vf_token(*info, opts.vf_token.has_value()); !r) {
        return std::unexpected(open_failed(bdf, r.error()));
      }
    }
    mode = role;
  }
  return *mode;
}

std::expected<std::unique_ptr<HwHost>, std::string> HwHost::open(HwHostOptions opts) {
  auto mode = preflight(opts);
  if (!mode) return std::unexpected(mode.error());
  if (*mode == vfio::Role::kPf && (opts.num_vfs < 1 || opts.num_vfs > 63)) {
    return std::unexpected(fmt::format("{} VFs: want 1..63", opts.num_vfs));
  }
  if (*mode == vfio::Role::kVf && !opts.open_vfs) {
    return std::unexpected(std::string(
        "VF mode: the VFs named are ours to probe (leaving VFs unopened is for PF mode)"));
  }
  if (*mode == vfio::Role::kVf && !opts.admin.empty()) {
    return std::unexpected(std::string(
        "VF settings (MAC, VLAN, trust, spoofchk) are the PF's to make: in VF mode set them "
        "where the PF runs (ip link set PF vf N ...)"));
  }
  std::unique_ptr<HwHost> host(new HwHost());
  host->impl_ = std::make_unique<Impl>(std::move(opts));
  Impl& m = *host->impl_;
  m.mode = *mode;
  if (m.mode == vfio::Role::kPf) {
    // The VFs of a vfio-pci PF open only for whoever presents the PF's token: we are both.
    m.token = m.opts.vf_token ? *m.opts.vf_token : vfio::VfToken::random();
    if (auto r = m.open_pf(); !r) return std::unexpected(r.error());
  } else {
    m.token = m.opts.vf_token;
    // The PF is elsewhere (Linux ixgbe, another sriovkit process): nothing to serve here.
    m.vf_waiter = std::make_unique<HwHostWaiter>(m.manual, HwHostWaiter::Idle::kSleep, nullptr,
                                                 m.opts.on_wait);
    if (auto r = m.probe_vfs(m.opts.bdfs); !r) return std::unexpected(r.error());
  }
  return host;
}

std::expected<void, std::string> HwHost::Impl::open_pf() {
  const std::string& bdf = opts.bdfs.front();
  auto fn = vfio::open_function(open_options(bdf));
  if (!fn) return std::unexpected(open_failed(bdf, fn.error()));
  pf_fn = std::move(*fn);
  if (pf_fn->role() != vfio::Role::kPf) {
    return std::unexpected(fmt::format("open {}: sysfs said a PF, VFIO opened a VF", bdf));
  }
  // The PF's own waits are on the chip (reset, EEPROM auto-read): nothing else to run, and
  // they last milliseconds, so sleep rather than spin.
  pf_waiter = std::make_unique<HwHostWaiter>(manual, HwHostWaiter::Idle::kSleep, nullptr,
                                             opts.on_wait);
  pf::PfOptions po;
  po.mac = opts.pf_mac;
  po.mtu = opts.pf_mtu;
  po.mailbox_flood = opts.mailbox_flood;
  hal::PciFunction& bus = driven(*pf_fn, -1, hal::ixgbe::pf_reg_name, pf_traced);
  pf = std::make_unique<pf::PfDriver>(bus, *clock, *pf_waiter, po);
  if (auto r = pf->init(); !r) return std::unexpected(fmt::format("PF {} init: {}", bdf, r.error().reason));
  if (opts.mailbox_trace) pf->set_mailbox_trace(opts.mailbox_trace);
  if (auto r = pf->set_num_vfs(opts.num_vfs); !r) {
    // The driver only sees that VF Enable did not take; the sysfs write's refusal, kept by
    // the function, says why and what fixes it.
    if (const std::optional<vfio::OpenError> e = pf_fn->last_error()) {
      return std::unexpected(
          fmt::format("PF {}: enabling {} VFs: {}", bdf, opts.num_vfs, e->message()));
    }
    return std::unexpected(
        fmt::format("PF {} set_num_vfs({}): {}", bdf, opts.num_vfs, r.error().reason));
  }
  if (auto r = apply_admin(); !r) return r;
  std::vector<std::string> vfs = pf_fn->vf_addresses();
  if (vfs.size() != opts.num_vfs) {
    return std::unexpected(fmt::format("PF {}: {} VFs enabled, sysfs lists {} (virtfn links)", bdf,
                                       opts.num_vfs, vfs.size()));
  }
  // Left for others (VMs): enabled, configured, bound to vfio-pci, and not opened here.
  if (!opts.open_vfs) return {};
  // A VF's mailbox waits are answered by our PF, on this thread: each pause serves it once.
  vf_waiter = std::make_unique<HwHostWaiter>(
      manual, HwHostWaiter::Idle::kRelax, [this] { pf->service_once(); }, opts.on_wait);
  return probe_vfs(vfs);
}

std::expected<void, std::string> HwHost::Impl::apply_admin() {
  for (const auto& [index, a] : opts.admin) {
    if (index >= opts.num_vfs) return std::unexpected(fmt::format("vf {}: no such VF", index));
    const hal::VfId vf{index};
    auto check = [&](std::expected<void, pf::Refusal> r,
                     std::string_view what) -> std::expected<void, std::string> {
      if (r) return {};
      return std::unexpected(fmt::format("vf {} {}: {}", index, what, r.error().reason));
    };
    if (a.mac) {
      if (auto r = check(pf->set_vf_mac(vf, *a.mac), "mac"); !r) return r;
    }
    if (a.vlan) {
      if (auto r = check(pf->set_vf_vlan(vf, *a.vlan, a.qos), "vlan"); !r) return r;
    }
    if (a.trust) {
      if (auto r = check(pf->set_vf_trust(vf, *a.trust), "trust"); !r) return r;
    }
    if (a.spoofchk) {
      if (auto r = check(pf->set_vf_spoofchk(vf, *a.spoofchk), "spoofchk"); !r) return r;
    }
  }
  return {};
}

std::expected<void, std::string> HwHost::Impl::probe_vfs(const std::vector<std::string>& bdfs) {
  for (unsigned i = 0; i < bdfs.size(); ++i) {
    const std::string& bdf = bdfs[i];
    auto fn = vfio::open_function(open_options(bdf));
    if (!fn) return std::unexpected(fmt::format("VF {}: {}", i, open_failed(bdf, fn.error())));
    if ((*fn)->role() != vfio::Role::kVf) {
      return std::unexpected(fmt::format("VF {}: {} is not a VF", i, bdf));
    }
    vf_fns.push_back(std::move(*fn));
    vf_traced.emplace_back();
    hal::PciFunction& bus =
        driven(*vf_fns.back(), static_cast<int>(i), hal::ixgbe::vf_reg_name, vf_traced.back());
    PortOptions po = opts.port;
    // As SimHost's guests (seed * 1000 + VF number): one --seed gives the same random MACs on
    // the simulation and on a real device.
    po.driver.mac_seed = opts.port.driver.mac_seed * 1000 + i;
    vf_drvs.push_back(std::make_unique<vf::VfDriver>(bus, *clock, *vf_waiter, po.driver));
    vf::VfDriver& drv = *vf_drvs.back();
    // PF mode: our PF traces both directions already.
    if (mode == vfio::Role::kVf && opts.mailbox_trace) {
      drv.mailbox().set_trace(opts.mailbox_trace, hal::VfId{i});
    }
    if (auto r = drv.probe(); !r) {
      return std::unexpected(fmt::format("VF {} ({}): probe: {}", i, bdf, r.error()));
    }
    auto p = VfPort::attach(bus, drv, po);
    if (!p) return std::unexpected(fmt::format("VF {} ({}): {}", i, bdf, p.error()));
    ports.push_back(std::move(*p));
  }
  return {};
}

HwHost::~HwHost() = default;

vfio::Role HwHost::mode() const { return impl_->mode; }
pf::PfDriver* HwHost::pf() { return impl_->pf.get(); }
unsigned HwHost::num_ports() const { return static_cast<unsigned>(impl_->ports.size()); }
VfPort& HwHost::port(unsigned i) { return *impl_->ports.at(i); }
hal::MacAddr HwHost::mac(unsigned i) const { return impl_->ports.at(i)->drv->mac(); }
vfio::VfioFunction& HwHost::vf_function(unsigned i) { return *impl_->vf_fns.at(i); }
vfio::VfioFunction* HwHost::pf_function() { return impl_->pf_fn.get(); }
size_t HwHost::poll_engine() { return impl_->opts.engine ? impl_->opts.engine() : 0; }
hal::Clock& HwHost::clock() { return *impl_->clock; }

size_t HwHost::step() {
  size_t n = 0;
  if (impl_->pf) n += impl_->pf->service_once();
  for (auto& p : impl_->ports) n += p->drv->service();
  return n;
}

std::string HwHost::vf_token() const { return impl_->token ? impl_->token->str() : std::string(); }

std::vector<std::string> HwHost::vf_addresses() const {
  if (impl_->pf_fn) return impl_->pf_fn->vf_addresses();
  return impl_->opts.bdfs;
}

}  // namespace harness
