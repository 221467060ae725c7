// The engine's fast-path machinery: lock-free tail doorbells and pending queues, the DMA
// translation cache, the switch's transmit cache, and the engine on its own thread. Each test
// fails if the shortcut ever diverges from what the registers say.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "hal/sim/engine_thread.hpp"
#include "test_engine_fixture.hpp"

using test::Bytes;
using test::EngineRig;
using test::kUnknownMac;
using test::make_frame;
using test::require_accounts;
using test::vf_mac;
namespace ix = hal::ixgbe;
namespace pfr = hal::ixgbe::pf;
namespace vfr = hal::ixgbe::vf;

namespace {

/// Polls `pred` up to a generous bound (threaded tests assert outcomes, never timing).
template <typename Pred>
bool eventually(Pred pred, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return pred();
}

}  // namespace

TEST_CASE("A pass visits only queues whose registers were written, and carries unfinished ones", "[engine][fast]") {
  EngineRig rig(2, 64);
  rig.setup_all();
  rig.run();
  CHECK(rig.dev->poll_once() == 0);  // nothing rang: an idle pass takes nothing

  // 40 frames in one doorbell: the pass budget is 32, so the queue must be carried to the next
  // pass without another doorbell.
  for (unsigned i = 0; i < 40; ++i) {
    const Bytes f = make_frame(vf_mac(1), vf_mac(0), 64, static_cast<uint8_t>(i));
    EngineRig::Vf& s = rig.vfs[0];
    const uint64_t buf = EngineRig::kTxBuf + s.tx_tail * EngineRig::kTxBufSize;
    std::memcpy(rig.host(0, buf), f.data(), f.size());
    ix::AdvTxRead d{};
    d.buffer_addr = s.iova + buf;
    d.cmd_type_len = ix::tx_data_cmd_type_len(64, ix::txd_cmd::kIfcs | ix::txd_cmd::kEop | ix::txd_cmd::kRs);
    std::memcpy(rig.host(0, EngineRig::kTxRing + s.tx_tail * 16), &d, sizeof d);
    s.tx_tail = (s.tx_tail + 1) % 64;
  }
  rig.bar(0).write(vfr::VFTDT(0), rig.vfs[0].tx_tail);
  CHECK(rig.dev->poll_once() == sim::EngineState::kTxBudgetPerQueue);
  CHECK(rig.dev->poll_once() == 40 - sim::EngineState::kTxBudgetPerQueue);
  CHECK(rig.dev->poll_once() == 0);
  CHECK(rig.receive(1).size() == 40);
  require_accounts(*rig.dev);
}

TEST_CASE("A tail written before the queue is enabled is taken once ENABLE is set", "[engine][fast]") {
  EngineRig rig(2, 64);
  rig.setup_all();
  rig.bar(0).write(vfr::VFTXDCTL(0), 0);
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
  CHECK(rig.run() == 0);  // disabled: the doorbell is remembered by nothing but the tail
  rig.bar(0).write(vfr::VFTXDCTL(0), ix::txdctl::kEnable);
  CHECK(rig.run() == 1);
  CHECK(rig.receive(1).size() == 1);
}

TEST_CASE("Doorbells of a VF that does not own the queue change nothing", "[engine][fast]") {
  EngineRig rig(2, 64);
  rig.setup_all();
  // 64-pool mode: 2 queues per pool. VF 0's queue 2 would alias VF 1's queue 0: not its own.
  const uint32_t before = rig.pf().read(pfr::TDT(2));
  rig.bar(0).write(vfr::VFTDT(2), 5);
  CHECK(rig.pf().read(pfr::TDT(2)) == before);
  CHECK(rig.run() == 0);
  // Its own queue still rings.
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
  CHECK(rig.run() == 1);
}

TEST_CASE("With a register trace installed, tail doorbells are traced", "[engine][fast]") {
  EngineRig rig(2, 64);
  rig.setup_all();
  std::vector<sim::RegAccess> seen;
  rig.dev->set_trace([&](const sim::RegAccess& a) { seen.push_back(a); });
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
  rig.dev->set_trace(nullptr);
  bool traced = false;
  for (const auto& a : seen) traced |= a.function == 0 && a.write && a.offset == vfr::VFTDT(0).offset;
  CHECK(traced);
  CHECK(rig.run() == 1);
}

TEST_CASE("The engine's DMA cache sees an unmap: a later frame to the unmapped buffer faults", "[engine][fast]") {
  EngineRig rig(2, 64);
  rig.setup_all();
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
  REQUIRE(rig.run() == 1);  // the cache now holds VF 1's whole range
  REQUIRE(rig.receive(1).size() == 1);
  auto& dom = rig.dev->vf(hal::VfId{1}).value()->dma();
  REQUIRE(dom.unmap(hal::Iova(rig.vfs[1].iova)));
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
  CHECK(rig.run() == 1);
  const auto a = rig.dev->accounting();
  CHECK(a.rx_dma_fault == 1);
  CHECK(rig.dev->dma_fault_count() == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("IovaTable::translate_cached agrees with translate across map and unmap", "[hal][dma]") {
  hal::IovaTable t;
  std::vector<std::byte> a(4096), b(4096);
  REQUIRE(t.map(hal::Iova(0x1000), a.data(), a.size()));
  hal::IovaCache c;
  CHECK(t.translate_cached(c, 0x1800, 16) == a.data() + 0x800);
  CHECK(t.translate_cached(c, 0x1800, 16) == a.data() + 0x800);  // from the cache
  CHECK(t.translate_cached(c, 0x1FF8, 16) == nullptr);            // crosses the end
  REQUIRE(t.unmap(hal::Iova(0x1000)));
  CHECK(t.translate_cached(c, 0x1800, 16) == nullptr);
  REQUIRE(t.map(hal::Iova(0x1000), b.data(), b.size()));
  CHECK(t.translate_cached(c, 0x1800, 16) == b.data() + 0x800);
}

TEST_CASE("The switch's transmit cache follows register changes", "[engine][fast]") {
  EngineRig rig(2, 64);
  rig.setup_all();
  const Bytes f = make_frame(vf_mac(1), vf_mac(0), 64);
  rig.send(0, f);
  REQUIRE(rig.run() == 1);
  REQUIRE(rig.receive(1).size() == 1);
  // The same frame again after the PF turned VF 1's receive off: the cached verdict must not
  // deliver it.
  rig.pf().write(pfr::VFRE(0), 1u | (1u << 2));
  rig.send(0, f);
  REQUIRE(rig.run() == 1);
  CHECK(rig.receive(1).empty());
  CHECK(rig.dev->accounting().delivered == 1);
  // And MAC anti-spoof turned on for pool 0 with a source it does not own.
  rig.pf().write(pfr::VFRE(0), 0x7);
  rig.pf().write(pfr::PFVFSPOOF(0), 1u);
  rig.send(0, make_frame(vf_mac(1), kUnknownMac, 64));
  REQUIRE(rig.run() == 1);
  CHECK(rig.receive(1).empty());
  CHECK(rig.dev->accounting().switch_drops[static_cast<size_t>(sim::DropReason::kMacSpoof)] == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("The engine thread moves frames rung from another thread and parks when idle", "[engine][threads]") {
  EngineRig rig(2, 64);
  rig.setup_all();
  sim::EngineThreadOptions o;
  o.spin = std::chrono::microseconds(50);
  o.park = std::chrono::milliseconds(50);
  auto t = sim::EngineThread::start(*rig.dev, o);
  REQUIRE(t);
  // Let it go idle and park.
  REQUIRE(eventually([&] { return (*t)->stats().parks > 0; }));
  // A doorbell wakes it: the frame is delivered long before a 20 s bound.
  for (unsigned i = 0; i < 10; ++i) rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64, static_cast<uint8_t>(i)));
  REQUIRE(eventually([&] { return rig.dev->accounting().delivered == 10; }));
  (*t)->stop();
  const auto s = (*t)->stats();
  CHECK(s.frames == 10);
  CHECK(s.busy_passes >= 1);
  CHECK(rig.receive(1).size() == 10);
  require_accounts(*rig.dev);
}

TEST_CASE("The engine thread refuses a CPU the process may not use", "[engine][threads]") {
  EngineRig rig(1, 64);
  sim::EngineThreadOptions o;
  o.cpu = 4095;
  auto t = sim::EngineThread::start(*rig.dev, o);
  REQUIRE_FALSE(t);
  CHECK(t.error().find("4095") != std::string::npos);
}

TEST_CASE("No lock-free doorbell lands after the VF's BAR stopped decoding", "[engine][fast][threads]") {
  // A thread rings VF 0's TX tail without pause while the PF turns VF Enable off and on. Each
  // time VF Enable has just been turned off, the VF's queue registers were zeroed and nothing
  // may have written them since: a doorbell that read the old ownership before the disable must
  // have finished before it, and one after it must find the BAR not decoding.
  auto dev = test::ready_device(2);
  auto& vf0 = test::vf_bar(*dev, 0);
  std::atomic<bool> stop{false};
  std::thread ringer([&] {
    for (uint32_t v = 1; !stop.load(std::memory_order_relaxed); v = v % 63 + 1) vf0.write(vfr::VFTDT(0), v);
  });
  auto& cfg = dev->pf().config();
  const uint16_t cap = test::sriov_cap(dev->pf());
  namespace sr = hal::pci::sriov;
  unsigned nonzero = 0;
  for (int i = 0; i < 2000; ++i) {
    cfg.write16(cap + sr::kCtrl, sr::kCtrlAri);  // VF Enable off: VF 0's queues zeroed
    if (dev->pf().bar0().read(pfr::TDT(0)) != 0) ++nonzero;
    cfg.write16(cap + sr::kCtrl, sr::kCtrlAri | sr::kCtrlVfe | sr::kCtrlMse);
  }
  stop = true;
  ringer.join();
  CHECK(nonzero == 0);
}
