// `sriov-sim --device vfio:PF --serve`: our PF through VFIO serving VFs it leaves to VMs,
// against the fake kernel that serves the simulated 82599 (tests/harness/sim_vfio_kernel.hpp).
// A "VM" here is our VF driver on the simulated VF's registers directly, as a guest reaches its
// VF through its own VFIO: only the mailbox, FLRs and interrupts connect it to the PF. The
// serve loop runs on a ManualClock with a stepped wait: no sleeping.
#include <catch2/catch.hpp>

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "datapath/eal.hpp"
#include "harness/hw/hw_host.hpp"
#include "harness/hw/pf_serve.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "mailbox/pf_mailbox.hpp"
#include "tests/harness/sim_vfio_kernel.hpp"
#include "vf_driver/vf_driver.hpp"

namespace {

harness::HwHostOptions srv_options(sim_vfio::SimVfioRig& r, std::vector<std::string>& log) {
  harness::HwHostOptions o;
  o.bdfs = {r.kernel.pf_bdf()};
  o.num_vfs = 2;
  o.pf_mac = hal::MacAddr{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
  o.ops = &r.kernel;
  o.root = r.tree.root();
  o.clock = &r.clock;
  o.log = [&log](std::string_view line) { log.emplace_back(line); };
  o.on_wait = [&r] {
    r.kernel.pump();
    r.dev->poll_once();
  };
  return o;
}

/// The loop's sleep in a test: relays the simulated card's interrupts (the kernel's handler),
/// then reports the PF's vector if it fired, else that the time passed, without moving the
/// clock (whoever steps the test does). Records every timeout asked for.
class SrvStepWait final : public harness::ServeWait {
 public:
  SrvStepWait(sim_vfio::SimVfioRig& r, const hal::EventFd& irq) : r_(r), irq_(irq) {}
  Wake wait(hal::Nanos timeout) override {
    asked.push_back(timeout);
    if (stop) return Wake::kStop;
    r_.kernel.pump();
    r_.dev->poll_once();
    if (irq_.drain() != 0) return Wake::kInterrupt;
    return Wake::kTimeout;
  }
  std::vector<hal::Nanos> asked;
  bool stop = false;

 private:
  sim_vfio::SimVfioRig& r_;
  const hal::EventFd& irq_;
};

/// A VM's VF driver waits in real life while its PF (in another process) answers: here each
/// pause runs one turn of the serve loop, then the time passes.
class SrvVmWaiter final : public hal::Waiter {
 public:
  SrvVmWaiter(hal::ManualClock& clock, harness::PfServeLoop& loop) : clock_(clock), loop_(loop) {}
  void pause(hal::Nanos hint) override {
    loop_.turn();
    clock_.advance(hint);
  }

 private:
  hal::ManualClock& clock_;
  harness::PfServeLoop& loop_;
};

std::string srv_join(const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, "; ")); }

/// BAR0 of a device whose every register reads `value`, except STATUS (`status`).
class SrvFlatBar final : public hal::RegisterIo {
 public:
  SrvFlatBar(uint32_t value, uint32_t status) : value_(value), status_(status) {}
  uint32_t read32(uint32_t offset) override {
    return offset == hal::ixgbe::pf::STATUS.offset ? status_ : value_;
  }
  void write32(uint32_t, uint32_t) override {}
  void flush() override {}

 private:
  uint32_t value_, status_;
};

}  // namespace

TEST_CASE("HwHost PF mode without our VF drivers leaves the VFs enabled and bound to vfio-pci, unopened", "[hw]") {
  sim_vfio::SimVfioRig r;
  std::vector<std::string> log;
  {
    harness::HwHostOptions o = srv_options(r, log);
    o.open_vfs = false;
    o.admin[1].mac = hal::MacAddr{{0x02, 0x00, 0x00, 0x00, 0x01, 0x01}};
    auto h = harness::HwHost::open(std::move(o));
    INFO((h ? srv_join(log) : h.error()));
    REQUIRE(h);
    harness::HwHost& host = **h;
    CHECK(host.num_ports() == 0);
    CHECK(host.vf_addresses() == std::vector<std::string>{"0000:03:10.0", "0000:03:10.2"});
    CHECK(r.dev->num_vfs() == 2);
    CHECK(r.kernel.open_fds() == 3);  // the PF's container, group and device: no VF opened
    CHECK(r.tree.fs().link_name("/sys/bus/pci/devices/0000:03:10.2/driver") == "vfio-pci");
    // The token the VMs must present is the one vfio-pci holds for the PF.
    REQUIRE(r.kernel.pf_token());
    CHECK(*r.kernel.pf_token() == host.vf_token());
    REQUIRE(host.pf() != nullptr);
    CHECK(host.pf()->vf_info(hal::VfId{1}).admin_mac);
    CHECK(host.pf()->events().count(pf::EventCode::kVfsEnabled) == 1);
  }
  // Teardown: PfDriver::stop() disabled the VFs through sysfs and everything was released.
  CHECK(r.dev->num_vfs() == 0);
  INFO(srv_join(r.kernel.leaks()));
  CHECK(r.kernel.leaks().empty());
}

TEST_CASE("VF mode refuses to leave its VFs unopened", "[hw]") {
  sim_vfio::SimVfioRig r(sim_vfio::SimVfioConfig{.pf_driver = "ixgbe"});
  REQUIRE(r.kernel.configure_vfs(2) == 0);
  std::vector<std::string> log;
  harness::HwHostOptions o = srv_options(r, log);
  o.bdfs = r.kernel.vf_bdfs();
  o.open_vfs = false;
  auto h = harness::HwHost::open(std::move(o));
  REQUIRE_FALSE(h);
  CHECK(h.error().find("PF mode") != std::string::npos);
  CHECK(r.kernel.open_fds() == 0);
  REQUIRE(r.kernel.configure_vfs(0) == 0);
}

TEST_CASE("The serve loop answers a VM's VF driver through the PF's interrupt and stops on request", "[hw]") {
  sim_vfio::SimVfioRig r;
  std::vector<std::string> log;
  std::vector<pf::EventCode> live;  // outlives the host: stop() records an event too
  {
    harness::HwHostOptions o = srv_options(r, log);
    o.open_vfs = false;
    auto h = harness::HwHost::open(std::move(o));
    INFO((h ? srv_join(log) : h.error()));
    REQUIRE(h);
    pf::PfDriver& pf = *(*h)->pf();
    pf.set_event_listener([&](const pf::Event& e) { live.push_back(e.code); });

    SrvStepWait wait(r, pf.interrupt());
    harness::PfServeLoop loop(pf, r.clock, wait);
    // Nothing held by the flood guard: the sleep is bounded by the spoof-check interval only.
    CHECK(loop.next_sleep() == pf::kSpoofCheckInterval);

    // The VM: Linux ixgbevf's part played by our VF driver on the simulated VF 0.
    SrvVmWaiter vm_wait(r.clock, loop);
    auto vf0 = r.dev->vf(hal::VfId{0});
    REQUIRE(vf0);
    {
      vf::VfDriver vm(**vf0, r.clock, vm_wait);
      auto p = vm.probe();
      INFO((p ? std::string() : fmt::format("{}", p.error())));
      REQUIRE(p);
      CHECK(vm.state() == vf::State::kUp);
      // The PF saw the VM's reset through its interrupt, not by polling.
      CHECK(loop.stats().interrupts > 0);
      CHECK(loop.stats().handled > 0);
      CHECK(pf.vf_info(hal::VfId{0}).clear_to_send);
      CHECK(std::count(live.begin(), live.end(), pf::EventCode::kVfReset) == 1);
      CHECK(std::count(live.begin(), live.end(), pf::EventCode::kApiNegotiated) == 1);
    }
    // The VM's driver went away (its last writes may have raised the PF's interrupt): let the
    // loop settle, then nothing is pending and a turn waits the full bound, wakes by time and
    // makes one pass.
    for (int i = 0; i < 8 && loop.next_sleep() != pf::kSpoofCheckInterval; ++i) loop.turn();
    loop.turn();
    loop.turn();
    const harness::ServeStats before = loop.stats();
    std::atomic<bool> stop{false};
    loop.run(stop, 3);
    CHECK(loop.stats().turns == before.turns + 3);
    CHECK(loop.stats().timeouts == before.timeouts + 3);
    CHECK(loop.stats().passes == before.passes + 3);
    CHECK(wait.asked.back() == pf::kSpoofCheckInterval);
    // A stop request ends the loop before its next pass, by flag or through the wait.
    stop = true;
    loop.run(stop);
    CHECK(loop.stats().turns == before.turns + 3);
    stop = false;
    wait.stop = true;
    loop.run(stop);
    CHECK(loop.stats().turns == before.turns + 4);
    CHECK(loop.stats().passes == before.passes + 3);
  }
  // The clean stop after the loop: VFs disabled, nothing left open; the listener heard it.
  CHECK(std::count(live.begin(), live.end(), pf::EventCode::kPfStopped) == 1);
  CHECK(r.dev->num_vfs() == 0);
  CHECK(r.kernel.leaks().empty());
}

TEST_CASE("The serve loop sleeps at most its bound", "[hw]") {
  sim_vfio::SimVfioRig r;
  std::vector<std::string> log;
  harness::HwHostOptions o = srv_options(r, log);
  o.open_vfs = false;
  auto h = harness::HwHost::open(std::move(o));
  REQUIRE(h);
  pf::PfDriver& pf = *(*h)->pf();
  SrvStepWait wait(r, pf.interrupt());
  harness::PfServeLoop loop(pf, r.clock, wait, std::chrono::milliseconds(100));
  CHECK(loop.next_sleep() == std::chrono::milliseconds(100));
  REQUIRE(loop.turn());
  CHECK(wait.asked == std::vector<hal::Nanos>{std::chrono::milliseconds(100)});
}

TEST_CASE("PollServeWait: the interrupt wakes it and is drained, the stop fd wins, nothing ready times out", "[hw]") {
  auto irq = hal::EventFd::create();
  REQUIRE(irq);
  const int stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  REQUIRE(stop_fd >= 0);
  harness::PollServeWait wait(*irq, stop_fd);
  // Every call below returns at once: either something is ready or the timeout is zero.
  CHECK(wait.wait(hal::Nanos::zero()) == harness::ServeWait::Wake::kTimeout);
  irq->signal();
  CHECK(wait.wait(std::chrono::seconds(10)) == harness::ServeWait::Wake::kInterrupt);
  CHECK(irq->drain() == 0);  // the wait drained it
  irq->signal();
  const uint64_t one = 1;
  REQUIRE(::write(stop_fd, &one, sizeof one) == sizeof one);
  CHECK(wait.wait(std::chrono::seconds(10)) == harness::ServeWait::Wake::kStop);
  CHECK(wait.wait(std::chrono::seconds(10)) == harness::ServeWait::Wake::kStop);  // stays
  ::close(stop_fd);
}

TEST_CASE("HwHost traces every register access of our PF driver through VFIO, in order, with names", "[hw]") {
  sim_vfio::SimVfioRig r;
  std::vector<std::string> log;
  std::vector<std::string> traced, bus;
  // The simulated card's own bus analyser sees the same BAR0 accesses from below VFIO.
  r.dev->set_trace([&](const sim::RegAccess& a) {
    if (a.space == sim::Space::kBar0) bus.push_back(sim::format_access(a));
  });
  {
    harness::HwHostOptions o = srv_options(r, log);
    o.num_vfs = 1;
    o.open_vfs = false;
    o.register_trace = [&](const hal::TracedAccess& t) {
      if (t.access.space == sim::Space::kBar0) traced.push_back(hal::format_traced(t));
    };
    auto h = harness::HwHost::open(std::move(o));
    INFO((h ? srv_join(log) : h.error()));
    REQUIRE(h);
  }
  r.dev->set_trace(nullptr);
  REQUIRE_FALSE(traced.empty());
  // The first thing bring-up does is mask every interrupt (datasheet 4.6.3).
  CHECK(traced.front() == "pf   W bar0 0x00888 ffffffff EIMC");
  // Enabling the VF programs its pool's mailbox interrupt mask, by name.
  CHECK(std::any_of(traced.begin(), traced.end(), [](const std::string& l) {
    return l.starts_with("pf   W bar0 0x00720 ") && l.ends_with(" MBVFIMR(0)");
  }));
  // The last thing stop() does is turn the laser off (ESDP), named.
  CHECK(traced.back().ends_with(" ESDP"));
  // Nothing reached the card that the trace does not show, in the same order: the lines
  // without their names are the card's. Except the reads VFIO's flush() makes of STATUS
  // (hal/vfio/vfio_bar.hpp): the wrapper forwards flush() untraced, so STATUS reads are left
  // out on both sides.
  auto is_status_read = [](const std::string& l) { return l.find(" R bar0 0x00008 ") != std::string::npos; };
  std::vector<std::string> unnamed, card;
  for (const std::string& l : traced) {
    if (!is_status_read(l)) unnamed.push_back(l.substr(0, sim::format_access({}).size()));
  }
  for (const std::string& l : bus) {
    if (!is_status_read(l)) card.push_back(l);
  }
  REQUIRE(unnamed.size() > 100);
  CHECK(unnamed == card);
}

TEST_CASE("HwHost traces our VF drivers' register accesses, and in VF mode their side of the mailbox", "[hw]") {
  REQUIRE(dp::shared_eal());
  // VF mode: the PF is the kernel's (ixgbe), played by our PfDriver on the PF as it holds it.
  sim_vfio::SimVfioRig r(sim_vfio::SimVfioConfig{.pf_driver = "ixgbe"});
  hal::SteppingWaiter pf_waiter(r.clock, nullptr);
  pf::PfOptions po;
  po.mac = hal::MacAddr{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
  pf::PfDriver kernel_pf(r.kernel.kernel_pf(), r.clock, pf_waiter, po);
  REQUIRE(kernel_pf.init());
  REQUIRE(kernel_pf.set_num_vfs(2));
  std::vector<std::string> log, regs, mbx_lines;
  {
    harness::HwHostOptions o = srv_options(r, log);
    o.bdfs = r.kernel.vf_bdfs();
    o.on_wait = [&] {
      kernel_pf.service_once();
      r.kernel.pump();
      r.dev->poll_once();
    };
    o.register_trace = [&](const hal::TracedAccess& t) { regs.push_back(hal::format_traced(t)); };
    o.mailbox_trace = [&](hal::VfId vf, mbx::Direction d, std::span<const uint32_t> w) {
      mbx_lines.push_back(mbx::format_trace(vf, d, w));
    };
    auto h = harness::HwHost::open(std::move(o));
    INFO((h ? srv_join(log) : h.error()));
    REQUIRE(h);
    REQUIRE((*h)->num_ports() == 2);
  }
  // Each VF's bring-up: its reset request written through VFMAILBOX's REQ bit, named, under
  // its port's label; the VF-side mailbox trace has the VF_RESET request and the PF's reply.
  for (const char* vf : {"vf0 ", "vf1 "}) {
    INFO(vf);
    CHECK(std::find(regs.begin(), regs.end(),
                    std::string(vf) + " W bar0 0x002fc 00000001 VFMAILBOX") != regs.end());
  }
  CHECK(std::none_of(regs.begin(), regs.end(), [](const std::string& l) { return l.starts_with("pf "); }));
  CHECK(std::find(mbx_lines.begin(), mbx_lines.end(), "mbx vf=1 vf->pf 00000001") != mbx_lines.end());
  CHECK(std::any_of(mbx_lines.begin(), mbx_lines.end(),
                    [](const std::string& l) { return l.starts_with("mbx vf=0 pf->vf "); }));
  REQUIRE(kernel_pf.set_num_vfs(0));
}

TEST_CASE("PfMailbox::pending ignores all-ones cause words when STATUS says the device is gone", "[hw]") {
  // A removed device: every read all-ones, STATUS included.
  SrvFlatBar gone(hal::kDeviceGone, hal::kDeviceGone);
  CHECK_FALSE(mbx::PfMailbox(gone).pending(63).any());
  // A live device with 16 VFs each holding a request and an ack reads MBVFICR all-ones too:
  // STATUS answers, so those are events.
  SrvFlatBar busy(hal::kDeviceGone, 0x00080000u);
  const mbx::PendingEvents p = mbx::PfMailbox(busy).pending(16);
  CHECK(p.req == 0xFFFFu);
  CHECK(p.ack == 0xFFFFu);
  CHECK(p.flr == 0xFFFFu);
}

TEST_CASE("After a surprise removal the PF's service handles nothing and the serve loop ends gone", "[hw]") {
  sim_vfio::SimVfioRig r;
  std::vector<std::string> log;
  std::vector<pf::EventCode> live;
  {
    harness::HwHostOptions o = srv_options(r, log);
    o.open_vfs = false;
    auto h = harness::HwHost::open(std::move(o));
    INFO((h ? srv_join(log) : h.error()));
    REQUIRE(h);
    harness::HwHost& host = **h;
    pf::PfDriver& pf = *host.pf();
    REQUIRE(host.pf_function() != nullptr);
    SrvStepWait wait(r, pf.interrupt());
    hal::vfio::VfioFunction* fn = host.pf_function();
    harness::PfServeLoop loop(pf, r.clock, wait, harness::PfServeLoop::kHwMaxSleep,
                              [fn] { return fn->gone(); });
    loop.turn();  // settles the bring-up's leftovers
    pf.set_event_listener([&](const pf::Event& e) { live.push_back(e.code); });
    const harness::ServeStats before = loop.stats();
    CHECK_FALSE(before.gone);

    r.kernel.surprise_remove();
    // Every register now reads all-ones: without the checks each cause word would say every
    // VF has an FLR, a request and an ack, and each pass would handle all of them.
    std::atomic<bool> stop{false};
    loop.run(stop, 1000);
    const harness::ServeStats& after = loop.stats();
    CHECK(after.gone);
    CHECK(after.turns == before.turns + 1);
    CHECK(after.passes == before.passes + 1);
    CHECK(after.handled == before.handled);
    CHECK(fn->gone());
    CHECK(std::count(live.begin(), live.end(), pf::EventCode::kVfFlr) == 0);
    // The service alone (no gone callback) does no work either: one pass, then a full sleep.
    CHECK(pf.service_once() == 0);
    harness::PfServeLoop blind(pf, r.clock, wait, harness::PfServeLoop::kHwMaxSleep);
    REQUIRE(blind.turn());
    CHECK(blind.stats().passes == 1);
    CHECK(blind.next_sleep() == harness::PfServeLoop::kHwMaxSleep);
    CHECK(std::count(live.begin(), live.end(), pf::EventCode::kVfFlr) == 0);
    pf.set_event_listener(nullptr);
  }
  // The teardown on a gone device still releases everything the process holds.
  INFO(srv_join(r.kernel.leaks()));
  CHECK(r.kernel.leaks().empty());
}
