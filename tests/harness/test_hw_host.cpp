// HwHost against the fake kernel that serves the simulated 82599 as VFIO devices: the code a
// tool runs for `--device vfio:BDF` (VFIO backend, PF bring-up, sysfs SR-IOV, VF token, VF
// drivers, VfPorts) drives the simulated card through pread/pwrite on device fds, DMA maps and
// eventfds, and frames cross the simulated VEB. Deterministic: a ManualClock the drivers' waits
// advance, the device engine stepped by the test.
#include <catch2/catch.hpp>

#include <algorithm>

#include <rte_mbuf.h>

#include "datapath/eal.hpp"
#include "hal/pci_regs.hpp"
#include "harness/hw/hw_host.hpp"
#include "harness/wire/mbuf_copy.hpp"
#include "pf_driver/pf_driver.hpp"
#include "tests/harness/sim_vfio_kernel.hpp"

namespace {

namespace hwh_vfio = hal::vfio;

constexpr std::string_view kHwhToken = "6f2d9c1e-8a4b-4c7d-9e0f-1a2b3c4d5e6f";

/// Options for a host on the rig: the fake kernel, the fixture root, the rig's clock, and the
/// rest of the world (interrupt relay, device engine, `extra` such as a PF elsewhere) run on
/// every pause of a driver's wait.
harness::HwHostOptions hwh_options(sim_vfio::SimVfioRig& r, std::vector<std::string> bdfs,
                                   std::vector<std::string>& log,
                                   std::function<void()> extra = {}) {
  harness::HwHostOptions o;
  o.bdfs = std::move(bdfs);
  o.num_vfs = 2;
  o.pf_mac = hal::MacAddr{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
  o.ops = &r.kernel;
  o.root = r.tree.root();
  o.clock = &r.clock;
  o.log = [&log](std::string_view line) { log.emplace_back(line); };
  o.on_wait = [&r, extra = std::move(extra)] {
    if (extra) extra();
    r.kernel.pump();
    r.dev->poll_once();
  };
  return o;
}

/// A 64-byte frame from `src` to `dst` whose payload carries `seq`.
std::vector<uint8_t> hwh_frame(const hal::MacAddr& dst, const hal::MacAddr& src, uint8_t seq) {
  std::vector<uint8_t> b(64, 0);
  for (unsigned i = 0; i < 6; ++i) {
    b[i] = dst[i];
    b[6 + i] = src[i];
  }
  b[12] = 0x88;  // local experimental ethertype 0x88B5
  b[13] = 0xB5;
  b[14] = seq;
  return b;
}

/// Sends `n` frames from port `from` to port `to`'s MAC, steps the device until it is idle,
/// and returns the sequence numbers port `to` received, in order.
std::vector<uint8_t> hwh_hairpin(sim_vfio::SimVfioRig& r, harness::HwHost& h, unsigned from,
                                 unsigned to, unsigned n) {
  harness::VfPort& src = h.port(from);
  unsigned sent = 0;
  for (unsigned i = 0; i < n; ++i) {
    rte_mbuf* m = harness::mbuf_from_bytes(src.pool.get(),
                                           hwh_frame(h.mac(to), h.mac(from), static_cast<uint8_t>(i)));
    REQUIRE(m != nullptr);
    const uint16_t took = src.tx->tx_burst(&m, 1);
    if (took == 0) rte_pktmbuf_free(m);
    sent += took;
  }
  REQUIRE(sent == n);
  for (int pass = 0; pass < 64 && r.dev->poll_once() != 0; ++pass) {
  }
  std::vector<uint8_t> got;
  rte_mbuf* rx[32];
  for (uint16_t k; (k = h.port(to).rx->rx_burst(rx, 32)) != 0;) {
    for (uint16_t j = 0; j < k; ++j) {
      CHECK(rte_pktmbuf_pkt_len(rx[j]) >= 15);
      got.push_back(rte_pktmbuf_mtod(rx[j], const uint8_t*)[14]);
      rte_pktmbuf_free(rx[j]);
    }
  }
  return got;
}

std::vector<uint8_t> hwh_seq(unsigned n) {
  std::vector<uint8_t> v;
  for (unsigned i = 0; i < n; ++i) v.push_back(static_cast<uint8_t>(i));
  return v;
}

std::string hwh_join(const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, "; ")); }

uint16_t hwh_sriov_ctrl(sim_vfio::SimVfioRig& r) {
  hal::ConfigSpace& cfg = r.dev->pf().config();
  const uint16_t at = cfg.find_ext_capability(hal::pci::kExtCapIdSriov);
  REQUIRE(at != 0);
  return cfg.read16(at + hal::pci::sriov::kCtrl);
}

}  // namespace

TEST_CASE("HwHost PF mode on the simulated 82599 through VFIO: bring-up, VFs via sysfs with the token, VEB hairpin, clean teardown", "[hw]") {
  REQUIRE(dp::shared_eal());
  sim_vfio::SimVfioRig r;
  std::vector<std::string> log;
  {
    harness::HwHostOptions o = hwh_options(r, {r.kernel.pf_bdf()}, log);
    o.vf_token = hwh_vfio::VfToken::parse(kHwhToken);
    auto host = harness::HwHost::open(std::move(o));
    INFO((host ? std::string() : host.error()));
    INFO(hwh_join(log));
    INFO(hwh_join(r.kernel.log()));
    REQUIRE(host);
    harness::HwHost& h = **host;
    CHECK(h.mode() == hwh_vfio::Role::kPf);
    REQUIRE(h.pf() != nullptr);
    REQUIRE(h.num_ports() == 2);
    // The VFs exist because the PF driver wrote sriov_numvfs (vfio-pci drops writes to the
    // SR-IOV capability), and were opened with the token the PF set.
    CHECK(r.dev->num_vfs() == 2);
    CHECK(r.kernel.vf_bdfs() == std::vector<std::string>{"0000:03:10.0", "0000:03:10.2"});
    CHECK(r.kernel.pf_token() == std::string(kHwhToken));
    CHECK(h.vf_token() == kHwhToken);
    CHECK(h.vf_function(0).bdf() == "0000:03:10.0");
    CHECK(h.vf_function(1).role() == hwh_vfio::Role::kVf);
    CHECK(h.mac(0) != h.mac(1));

    CHECK(hwh_hairpin(r, h, 0, 1, 16) == hwh_seq(16));
    CHECK(hwh_hairpin(r, h, 1, 0, 8) == hwh_seq(8));
    CHECK(r.dev->accounting().check().empty());
    CHECK(r.dev->dma_fault_count() == 0);
    h.step();
    CHECK(r.kernel.open_fds() > 0);
    CHECK(r.kernel.dma_maps() > 0);
    CHECK(r.kernel.irqs_enabled() == 3);
  }
  // Teardown: every fd closed, every DMA map and MSI-X set undone, the VFs gone through sysfs.
  INFO(hwh_join(r.kernel.leaks()));
  CHECK(r.kernel.leaks().empty());
  CHECK(r.kernel.open_fds() == 0);
  CHECK(r.kernel.dma_maps() == 0);
  CHECK(r.kernel.irqs_enabled() == 0);
  CHECK(r.dev->num_vfs() == 0);
  CHECK(r.kernel.vf_bdfs().empty());
  CHECK(r.tree.read(r.tree.dir_of(r.kernel.pf_bdf()) + "/sriov_numvfs") == "0\n");
  CHECK((hwh_sriov_ctrl(r) & hal::pci::sriov::kCtrlVfe) == 0);
}

TEST_CASE("HwHost VF mode: our VF drivers on VFs of a kernel-driven PF, opened by address, pass traffic", "[hw]") {
  REQUIRE(dp::shared_eal());
  // The PF is bound to the kernel's ixgbe; our PfDriver plays it, on the PF as the kernel
  // holds it (enabling VFs there is pci_enable_sriov(), which makes their sysfs entries).
  sim_vfio::SimVfioRig r(sim_vfio::SimVfioConfig{.pf_driver = "ixgbe"});
  hal::SteppingWaiter pf_waiter(r.clock, nullptr);
  pf::PfOptions po;
  po.mac = hal::MacAddr{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
  pf::PfDriver kernel_pf(r.kernel.kernel_pf(), r.clock, pf_waiter, po);
  REQUIRE(kernel_pf.init());
  REQUIRE(kernel_pf.set_num_vfs(2));
  REQUIRE(r.kernel.vf_bdfs().size() == 2);
  std::vector<std::string> log;
  {
    auto host = harness::HwHost::open(
        hwh_options(r, r.kernel.vf_bdfs(), log, [&kernel_pf] { kernel_pf.service_once(); }));
    INFO((host ? std::string() : host.error()));
    INFO(hwh_join(log));
    REQUIRE(host);
    harness::HwHost& h = **host;
    CHECK(h.mode() == hwh_vfio::Role::kVf);
    CHECK(h.pf() == nullptr);
    REQUIRE(h.num_ports() == 2);
    CHECK(h.vf_token().empty());
    CHECK(hwh_hairpin(r, h, 0, 1, 16) == hwh_seq(16));
    CHECK(hwh_hairpin(r, h, 1, 0, 16) == hwh_seq(16));
    CHECK(r.dev->accounting().check().empty());
  }
  INFO(hwh_join(r.kernel.leaks()));
  CHECK(r.kernel.leaks().empty());
  // VF mode leaves the VFs to their PF's owner.
  CHECK(r.dev->num_vfs() == 2);
  REQUIRE(kernel_pf.set_num_vfs(0));
  CHECK(r.kernel.vf_bdfs().empty());
}

TEST_CASE("HwHost VF mode refuses a VF of a vfio-pci PF opened without the PF's VF token", "[hw]") {
  REQUIRE(dp::shared_eal());
  sim_vfio::SimVfioRig r;
  // Another process owns the PF through vfio-pci and set a token.
  hwh_vfio::OpenOptions po;
  po.bdf = r.kernel.pf_bdf();
  po.root = r.tree.root();
  po.ops = &r.kernel;
  po.vf_token = hwh_vfio::VfToken::parse(kHwhToken);
  po.log = [](std::string_view) {};
  auto pf = hwh_vfio::open_function(po);
  REQUIRE(pf);
  REQUIRE((*pf)->set_sriov_num_vfs(2));
  const std::vector<std::string> vfs = r.kernel.vf_bdfs();
  REQUIRE(vfs.size() == 2);

  hwh_vfio::OpenOptions vo = po;
  vo.bdf = vfs[0];
  vo.vf_token.reset();
  auto direct = hwh_vfio::open_function(vo);
  REQUIRE_FALSE(direct);
  CHECK(direct.error().failure == hwh_vfio::OpenFailure::kVfTokenRequired);
  CHECK(direct.error().fix.find("token") != std::string::npos);

  std::vector<std::string> log;
  auto host = harness::HwHost::open(hwh_options(r, {vfs[0]}, log));
  REQUIRE_FALSE(host);
  INFO(host.error());
  CHECK(host.error().find("--vf-token") != std::string::npos);
  CHECK(r.kernel.log().back().find("VF token required") != std::string::npos);
  // The refused open released what it had opened.
  CHECK(r.kernel.open_fds() == 3);  // the PF's container, group and device only
  REQUIRE((*pf)->set_sriov_num_vfs(0));
  pf->reset();
  INFO(hwh_join(r.kernel.leaks()));
  CHECK(r.kernel.leaks().empty());
}

TEST_CASE("HwHost on a surprise-removed card: a driver call fails fast with kNoDevice and gone() is set", "[hw]") {
  REQUIRE(dp::shared_eal());
  sim_vfio::SimVfioRig r;
  std::vector<std::string> log;
  {
    auto host = harness::HwHost::open(hwh_options(r, {r.kernel.pf_bdf()}, log));
    INFO((host ? std::string() : host.error()));
    REQUIRE(host);
    harness::HwHost& h = **host;
    CHECK_FALSE(h.vf_function(0).gone());
    r.kernel.surprise_remove();
    const hal::Nanos before = r.clock.now();
    auto mtu = h.port(0).drv->set_mtu(1400);
    const hal::Nanos waited = r.clock.now() - before;
    REQUIRE_FALSE(mtu);
    CHECK(mtu.error().code == vf::ErrorCode::kNoDevice);
    // Promptly: no mailbox timeout was waited out (the VF driver's mailbox waits are in ms).
    CHECK(waited < std::chrono::milliseconds(1));
    CHECK(h.vf_function(0).gone());
    INFO(hwh_join(log));
    CHECK(std::any_of(log.begin(), log.end(),
                      [](const std::string& l) { return l.find("gone") != std::string::npos; }));
  }
  // Teardown of a gone device still releases every kernel object.
  INFO(hwh_join(r.kernel.leaks()));
  CHECK(r.kernel.leaks().empty());
}
