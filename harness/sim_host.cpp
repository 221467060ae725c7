#include "harness/sim_host.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "hal/event_waiter.hpp"
#include "harness/service_waiter.hpp"

namespace harness {

std::unique_ptr<SimHost> SimHost::create(HostOptions opts) {
  return std::unique_ptr<SimHost>(new SimHost(std::move(opts)));
}

SimHost::SimHost(HostOptions opts) : opts_(std::move(opts)) {
  if (opts_.mode == Mode::kStepped) {
    auto manual = std::make_unique<hal::ManualClock>();
    manual_ = manual.get();
    clock_ = std::move(manual);
    // The PF waits only on the device itself, which needs no stepping.
    pf_waiter_ = std::make_unique<hal::SteppingWaiter>(*manual_, nullptr);
  } else {
    clock_ = std::make_unique<hal::RealClock>();
    pf_waiter_ = std::make_unique<hal::SpinWaiter>();
  }
  // Stepped: the device keeps the same simulated time (its rate limiter included), so a run
  // does not depend on the machine's speed.
  dev_ = sim::Device82599::create(
      sim::DeviceConfig{.name = opts_.name, .clock = manual_});
  pf::PfOptions pf_opts;
  pf_opts.mac = opts_.pf_mac;
  pf_opts.mailbox_flood = opts_.mailbox_flood;
  pf_ = std::make_unique<pf::PfDriver>(dev_->pf(), *clock_, *pf_waiter_, pf_opts);
}

SimHost::~SimHost() { stop(); }

void SimHost::stop() {
  stop_.store(true, std::memory_order_release);
  if (pf_thread_.joinable()) {
    dev_->pf().vector(0).signal();  // wake a sleeping service thread
    pf_thread_.join();
  }
}

size_t SimHost::service_pf_once() {
  std::lock_guard lock(pf_mu_);
  return pf_->service_once();
}

std::unique_ptr<hal::Waiter> SimHost::make_guest_waiter(hal::VfId vf) {
  switch (opts_.mode) {
    case Mode::kStepped:
      return std::make_unique<hal::SteppingWaiter>(*manual_, [this] { service_pf_once(); });
    case Mode::kInline:
      return std::make_unique<ServiceWaiter>(pf_mu_, [this] { pf_->service_once(); });
    case Mode::kThreaded:
      if (opts_.vf_interrupts) {
        return std::make_unique<hal::EventWaiter>(dev_->vf(vf).value()->vector(vf::kMiscVector));
      }
      return std::make_unique<hal::SpinWaiter>();
  }
  return std::make_unique<hal::SpinWaiter>();
}

std::expected<void, std::string> SimHost::apply_admin() {
  for (const auto& [index, a] : opts_.admin) {
    if (index >= opts_.num_vfs) return std::unexpected(fmt::format("vf {}: no such VF", index));
    const hal::VfId vf{index};
    auto check = [&](std::expected<void, pf::Refusal> r, std::string_view what)
        -> std::expected<void, std::string> {
      if (r) return {};
      return std::unexpected(fmt::format("vf {} {}: {}", index, what, r.error().reason));
    };
    std::lock_guard lock(pf_mu_);
    if (a.mac) {
      if (auto r = check(pf_->set_vf_mac(vf, *a.mac), "mac"); !r) return r;
    }
    if (a.vlan) {
      if (auto r = check(pf_->set_vf_vlan(vf, *a.vlan, a.qos), "vlan"); !r) return r;
    }
    if (a.trust) {
      if (auto r = check(pf_->set_vf_trust(vf, *a.trust), "trust"); !r) return r;
    }
    if (a.spoofchk) {
      if (auto r = check(pf_->set_vf_spoofchk(vf, *a.spoofchk), "spoofchk"); !r) return r;
    }
  }
  return {};
}

std::expected<BringUpReport, std::string> SimHost::bring_up() {
  {
    std::lock_guard lock(pf_mu_);
    if (auto r = pf_->init(); !r) return std::unexpected("PF init: " + r.error().reason);
  }
  BringUpReport report;
  report.vfs = opts_.num_vfs;
  const auto wall0 = std::chrono::steady_clock::now();
  const hal::Nanos t0 = clock_->now();
  {
    std::lock_guard lock(pf_mu_);
    if (auto r = pf_->set_num_vfs(opts_.num_vfs); !r) {
      return std::unexpected("enable VFs: " + r.error().reason);
    }
  }
  if (auto r = apply_admin(); !r) return std::unexpected(r.error());
  if (opts_.mailbox_trace) {
    std::lock_guard lock(pf_mu_);
    pf_->set_mailbox_trace(
        [fn = opts_.mailbox_trace](hal::VfId v, mbx::Direction d, std::span<const uint32_t> w) {
          if (d == mbx::Direction::kPfToVf) fn(v, d, w);
        });
  }
  if (opts_.mode == Mode::kThreaded) start_pf_thread();

  start_guests(report, t0, wall0);
  return report;
}

void SimHost::start_guests(BringUpReport& report, hal::Nanos t0,
                           std::chrono::steady_clock::time_point wall0) {
  report.vfs = opts_.num_vfs;
  guests_.clear();
  for (unsigned i = 0; i < opts_.num_vfs; ++i) {
    const hal::VfId id{i};
    auto fn = dev_->vf(id);
    if (!fn) {
      report.failures.push_back(fmt::format("vf {}: function missing after enable", i));
      continue;
    }
    vf::VfOptions vo;
    vo.max_api = opts_.max_api;
    vo.mac_seed = opts_.seed * 1000 + i;
    vo.use_interrupts = opts_.mode == Mode::kThreaded && opts_.vf_interrupts;
    guests_.push_back(std::make_unique<Guest>(id, **fn, *clock_, make_guest_waiter(id), vo));
    if (opts_.mailbox_trace) {
      // Each direction is traced by its writer, so a line holds exactly the words written.
      guests_.back()->driver().mailbox().set_trace(
          [fn = opts_.mailbox_trace](hal::VfId v, mbx::Direction d, std::span<const uint32_t> w) {
            if (d == mbx::Direction::kVfToPf) fn(v, d, w);
          },
          id);
    }
  }
  for (auto& g : guests_) {
    if (auto r = g->driver().probe(); !r) {
      report.failures.push_back(fmt::format("vf {}: {}", g->id(), vf::to_string(r.error())));
    }
  }
  wait_for_links();
  for (auto& g : guests_) report.up += g->is_up() ? 1 : 0;
  report.enable_to_all_up = clock_->now() - t0;
  report.wall = std::chrono::steady_clock::now() - wall0;
  for (auto& g : guests_) {
    if (g->driver().state() == vf::State::kUp && !g->driver().link_up()) {
      report.failures.push_back(fmt::format("vf {}: link down", g->id()));
    }
  }
}

std::expected<BringUpReport, pf::Refusal> SimHost::set_num_vfs(unsigned n) {
  BringUpReport report;
  if (n == opts_.num_vfs) {
    report.vfs = n;
    for (auto& g : guests_) report.up += g->is_up() ? 1 : 0;
    return report;
  }
  const auto wall0 = std::chrono::steady_clock::now();
  const hal::Nanos t0 = clock_->now();
  // The drivers go before their functions do; nothing of theirs touches the device on the way.
  guests_.clear();
  std::expected<void, pf::Refusal> r;
  {
    std::lock_guard lock(pf_mu_);
    r = pf_->set_num_vfs(n);
  }
  if (r) opts_.num_vfs = n;
  start_guests(report, t0, wall0);
  if (!r) return std::unexpected(r.error());
  return report;
}

void SimHost::wait_for_links() {
  // Every guest's watchdog samples its link in turn, so the links settle in parallel (spec 3d:
  // 5 reads 100 us apart); the bound covers a link that never comes up.
  const hal::Nanos deadline = clock_->now() + kLinkWait;
  auto all_settled = [&] {
    for (auto& g : guests_) {
      if (g->driver().state() == vf::State::kUp && !g->driver().link_up()) return false;
    }
    return true;
  };
  while (!all_settled() && clock_->now() < deadline) step(kLinkTick);
}

size_t SimHost::step(hal::Nanos tick) {
  if (manual_) manual_->advance(tick);
  size_t n = 0;
  if (opts_.mode != Mode::kThreaded) n += service_pf_once();
  for (auto& g : guests_) n += g->driver().service();
  return n;
}

void SimHost::start_pf_thread() {
  if (pf_thread_.joinable()) return;
  stop_.store(false, std::memory_order_release);
  pf_thread_ = std::thread([this] { pf_thread_loop(); });
}

void SimHost::pf_thread_loop() {
  const hal::EventFd& irq = pf_->interrupt();
  while (!stop_.load(std::memory_order_acquire)) {
    if (!opts_.pf_busy_poll) {
      // The mailbox interrupt wakes the thread, or the time a request the flood guard holds
      // gets its token (it raises no new interrupt); the 1 ms cap bounds a missed wake-up.
      hal::Nanos sleep = std::chrono::milliseconds(1);
      {
        std::lock_guard lock(pf_mu_);
        if (const auto due = pf_->next_service_due()) {
          sleep = std::clamp(*due - clock_->now(), hal::Nanos::zero(), sleep);
        }
      }
      if (sleep > hal::Nanos::zero() && irq.wait(sleep)) irq.drain();
    }
    // Drain what is pending, but let stop() through even if a VF floods the mailbox.
    while (!stop_.load(std::memory_order_acquire) && service_pf_once() != 0) {
    }
#if defined(__x86_64__) || defined(__i386__)
    if (opts_.pf_busy_poll) __builtin_ia32_pause();
#endif
  }
}

}  // namespace harness
