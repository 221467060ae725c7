// The fake kernel itself: that it serves the simulated 82599 as vfio-pci would, so the HwHost
// tests (test_hw_host.cpp) prove something about the backend and not about the fake.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/vfio.h>

#include <cstdlib>
#include <filesystem>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/vfio/open.hpp"
#include "tests/harness/sim_vfio_kernel.hpp"

namespace {

constexpr std::string_view kSvkToken = "0b1e2f3a-4c5d-4e6f-8a9b-0c1d2e3f4a5b";

hal::vfio::OpenOptions svk_options(sim_vfio::SimVfioRig& r, const std::string& bdf,
                                   std::optional<std::string_view> token = std::nullopt) {
  hal::vfio::OpenOptions o;
  o.bdf = bdf;
  o.root = r.tree.root();
  o.ops = &r.kernel;
  if (token) o.vf_token = hal::vfio::VfToken::parse(*token);
  o.log = [](std::string_view) {};
  return o;
}

/// `echo text > /sys/bus/pci/devices/PF/sriov_numvfs` through the kernel; the write's result.
ssize_t svk_echo_numvfs(sim_vfio::SimVfioRig& r, std::string_view text) {
  const std::string path = (r.tree.root() / "sys/bus/pci/devices" / r.kernel.pf_bdf() / "sriov_numvfs").string();
  const int fd = r.kernel.open(path, O_WRONLY);
  REQUIRE(fd >= 0);
  const ssize_t n = r.kernel.pwrite(fd, text.data(), text.size(), 0);
  r.kernel.close(fd);
  return n;
}

}  // namespace

TEST_CASE("SimVfioKernel: the PF opens through VFIO and its registers are the simulation's", "[hw][sim_vfio]") {
  sim_vfio::SimVfioRig r;
  REQUIRE(r.kernel.pf_bdf() == "0000:03:00.0");
  {
    auto f = hal::vfio::open_function(svk_options(r, r.kernel.pf_bdf()));
    INFO((f ? std::string() : f.error().message()));
    REQUIRE(f);
    hal::vfio::VfioFunction& fn = **f;
    CHECK(fn.role() == hal::vfio::Role::kPf);
    CHECK(fn.num_vectors() == r.dev->pf().num_vectors());
    CHECK(fn.config().read16(0) == 0x8086);
    // A register with state: what the driver writes through pwrite, the model holds.
    fn.bar0().write(hal::ixgbe::pf::EIMS, 0x5);
    CHECK(r.dev->pf().bar0().read(hal::ixgbe::pf::EIMS) == fn.bar0().read(hal::ixgbe::pf::EIMS));
    CHECK((r.dev->pf().bar0().read(hal::ixgbe::pf::EIMS) & 0x5) == 0x5);
    CHECK(r.kernel.irqs_enabled() == 1);
    CHECK(r.kernel.open_fds() == 3);  // container, group, device
  }
  INFO(fmt::format("{}", fmt::join(r.kernel.leaks(), "; ")));
  CHECK(r.kernel.leaks().empty());
}

TEST_CASE("SimVfioKernel: sriov_numvfs enables the sim's VFs and lists them in sysfs, as the PCI core does", "[hw][sim_vfio]") {
  sim_vfio::SimVfioRig r;
  CHECK(svk_echo_numvfs(r, "64") == -ERANGE);  // above sriov_totalvfs
  CHECK(svk_echo_numvfs(r, "x") == -EINVAL);
  CHECK(r.dev->num_vfs() == 0);
  REQUIRE(svk_echo_numvfs(r, "2") == 1);
  CHECK(r.dev->num_vfs() == 2);
  REQUIRE(r.kernel.vf_bdfs() == std::vector<std::string>{"0000:03:10.0", "0000:03:10.2"});
  const std::string pf_dir = r.tree.dir_of(r.kernel.pf_bdf());
  CHECK(r.tree.fs().link_name(pf_dir + "/virtfn1") == "0000:03:10.2");
  CHECK(r.tree.fs().link_name("/sys/bus/pci/devices/0000:03:10.0/driver") == "vfio-pci");
  CHECK(std::filesystem::exists(r.tree.host("/dev/vfio/22")));
  CHECK(r.tree.read(pf_dir + "/sriov_numvfs") == "2\n");
  CHECK(svk_echo_numvfs(r, "3") == -EBUSY);  // all VFs go before another count
  CHECK(svk_echo_numvfs(r, "2") == 1);       // the same count: nothing to do
  REQUIRE(svk_echo_numvfs(r, "0") == 1);
  CHECK(r.dev->num_vfs() == 0);
  CHECK(r.kernel.vf_bdfs().empty());
  CHECK_FALSE(std::filesystem::exists(r.tree.host("/sys/bus/pci/devices/0000:03:10.0")));
  CHECK_FALSE(std::filesystem::exists(r.tree.host(pf_dir + "/virtfn0")));
  CHECK_FALSE(std::filesystem::exists(r.tree.host("/dev/vfio/21")));
  CHECK(r.kernel.leaks().empty());
}

TEST_CASE("SimVfioKernel: vfio-pci without enable_sriov refuses sriov_numvfs with ENOENT", "[hw][sim_vfio]") {
  sim_vfio::SimVfioRig r(sim_vfio::SimVfioConfig{.enable_sriov = false});
  CHECK(svk_echo_numvfs(r, "2") == -ENOENT);
  CHECK(r.dev->num_vfs() == 0);
}

TEST_CASE("SimVfioKernel: a VF of a vfio-pci PF opens only with the PF's token", "[hw][sim_vfio]") {
  sim_vfio::SimVfioRig r;
  auto pf = hal::vfio::open_function(svk_options(r, r.kernel.pf_bdf(), kSvkToken));
  REQUIRE(pf);
  CHECK(r.kernel.pf_token() == std::string(kSvkToken));
  REQUIRE((*pf)->set_sriov_num_vfs(2));
  REQUIRE((*pf)->vf_addresses().size() == 2);
  const std::string vf = (*pf)->vf_addresses()[0];

  auto none = hal::vfio::open_function(svk_options(r, vf));
  REQUIRE_FALSE(none);
  CHECK(none.error().failure == hal::vfio::OpenFailure::kVfTokenRequired);
  auto wrong = hal::vfio::open_function(svk_options(r, vf, "11111111-2222-4333-8444-555555555555"));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().failure == hal::vfio::OpenFailure::kVfTokenRequired);
  CHECK(r.kernel.log().back().find("Incorrect VF token") != std::string::npos);
  {
    auto ok = hal::vfio::open_function(svk_options(r, vf, kSvkToken));
    INFO((ok ? std::string() : ok.error().message()));
    REQUIRE(ok);
    CHECK((*ok)->role() == hal::vfio::Role::kVf);
    CHECK((*ok)->num_vectors() == 3);
    CHECK((*ok)->config().read16(0) == 0x8086);  // virtualized: the VF's hardware reads FFFFh
    CHECK(r.dev->vf(hal::VfId{0}).value()->config().read16(0) == 0xFFFF);
    // While a VF is open, disabling SR-IOV would block in the kernel: refused here.
    CHECK_FALSE((*pf)->set_sriov_num_vfs(0));
  }
  REQUIRE((*pf)->set_sriov_num_vfs(0));
  pf->reset();
  INFO(fmt::format("{}", fmt::join(r.kernel.leaks(), "; ")));
  CHECK(r.kernel.leaks().empty());
}

TEST_CASE("SimVfioKernel: DMA maps reach the function's IOMMU table and vectors reach the user's eventfds", "[hw][sim_vfio]") {
  sim_vfio::SimVfioRig r;
  auto pf = hal::vfio::open_function(svk_options(r, r.kernel.pf_bdf()));
  REQUIRE(pf);
  hal::PciFunction& fn = **pf;
  constexpr size_t kLen = 2 * 4096;
  void* mem = std::aligned_alloc(4096, kLen);
  REQUIRE(mem != nullptr);
  const hal::Iova iova{0x200000};
  REQUIRE(fn.dma().map(iova, mem, kLen));
  CHECK(r.kernel.dma_maps() == 1);
  auto seen = r.dev->pf().dma().translate(hal::Iova{0x201000}, 16);
  REQUIRE(seen);
  CHECK(*seen == static_cast<std::byte*>(mem) + 4096);
  // The device raises vector 1; the kernel's handler signals the user's eventfd.
  r.dev->pf().vector(1).signal();
  CHECK(r.kernel.pump() == 1);
  CHECK(fn.vector(1).drain() == 1);
  CHECK(fn.vector(0).drain() == 0);
  REQUIRE(fn.dma().unmap(iova));
  CHECK_FALSE(r.dev->pf().dma().translate(iova, 16));
  CHECK(r.kernel.dma_maps() == 0);
  pf->reset();
  std::free(mem);
  CHECK(r.kernel.leaks().empty());
}

TEST_CASE("SimVfioKernel: a shared IOMMU group serves the PF and its VFs on one group fd, DMA "
          "from two functions on one page, the last one out releases the group",
          "[hw][sim_vfio][shared-group]") {
  sim_vfio::SimVfioRig r(sim_vfio::SimVfioConfig{.one_group = true});
  auto pf = hal::vfio::open_function(svk_options(r, r.kernel.pf_bdf(), kSvkToken));
  REQUIRE(pf);
  REQUIRE((*pf)->set_sriov_num_vfs(2));
  const auto vfs = (*pf)->vf_addresses();
  REQUIRE(vfs.size() == 2);
  // Every VF is in the PF's group 20: no node of its own.
  CHECK_FALSE(std::filesystem::exists(r.tree.host("/dev/vfio/21")));
  CHECK(r.tree.fs().resolve("/sys/bus/pci/devices/" + vfs[0] + "/iommu_group").value_or("") ==
        "/sys/kernel/iommu_groups/20");

  auto vf0 = hal::vfio::open_function(svk_options(r, vfs[0], kSvkToken));
  INFO((vf0 ? std::string() : vf0.error().message()));
  REQUIRE(vf0);
  auto vf1 = hal::vfio::open_function(svk_options(r, vfs[1], kSvkToken));
  REQUIRE(vf1);
  CHECK(r.kernel.open_fds() == 5);  // one container, one group, three devices

  // The PF's bytes and VF0's share page 0x201000: one kernel map, both functions see it.
  constexpr size_t kLen = 3 * 4096;
  void* mem = std::aligned_alloc(4096, kLen);
  REQUIRE(mem != nullptr);
  auto* b = static_cast<std::byte*>(mem);
  REQUIRE((*pf)->dma().map(hal::Iova{0x200000}, b, 0x1800));
  REQUIRE((*vf0)->dma().map(hal::Iova{0x201800}, b + 0x1800, 0x1000));
  CHECK(r.kernel.dma_maps() == 2);
  // One IOMMU domain: the simulated VF1 reaches what the PF mapped.
  CHECK(r.dev->vf(hal::VfId{1}).value()->dma().translate(hal::Iova{0x200100}, 16).value_or(nullptr) ==
        b + 0x100);
  REQUIRE((*pf)->dma().unmap(hal::Iova{0x200000}));
  CHECK(r.kernel.dma_maps() == 2);  // VF0's bytes still on page 0x201000
  REQUIRE((*vf0)->dma().unmap(hal::Iova{0x201800}));
  CHECK(r.kernel.dma_maps() == 0);

  // The PF's user goes first; its VFs keep the group open.
  REQUIRE((*pf)->dma().map(hal::Iova{0x300000}, b, 0x1000));
  vf0->reset();
  CHECK(r.kernel.open_fds() == 4);
  vf1->reset();
  CHECK(r.kernel.open_fds() == 3);
  REQUIRE((*pf)->set_sriov_num_vfs(0));
  pf->reset();
  std::free(mem);
  INFO(fmt::format("{}", fmt::join(r.kernel.leaks(), "; ")));
  CHECK(r.kernel.leaks().empty());
  CHECK(r.kernel.open_fds() == 0);
}

TEST_CASE("SimVfioKernel: disabling SR-IOV under an open VF signals its request channel, and "
          "succeeds once the VF is closed", "[hw][sim_vfio][req]") {
  sim_vfio::SimVfioRig r(sim_vfio::SimVfioConfig{.pf_driver = "ixgbe"});
  REQUIRE(r.kernel.kernel_pf().set_sriov_num_vfs(1));
  const std::string vf = r.kernel.vf_bdfs().at(0);
  auto f = hal::vfio::open_function(svk_options(r, vf));
  INFO((f ? std::string() : f.error().message()));
  REQUIRE(f);
  CHECK(r.kernel.requests_registered() == 1);
  CHECK_FALSE((*f)->release_requested());

  // The kernel's PF driver (ixgbe) disables SR-IOV: vfio-pci asks the VF's user for it.
  CHECK_FALSE(r.kernel.kernel_pf().set_sriov_num_vfs(0));
  CHECK((*f)->release_requested());
  CHECK(r.kernel.log().size() >= 2);
  bool relayed = false;
  for (const auto& l : r.kernel.log()) relayed |= l.find("Relaying device request") != std::string::npos;
  CHECK(relayed);

  // The user releases the device; the PF driver's retry goes through.
  f->reset();
  CHECK(r.kernel.requests_registered() == 0);
  REQUIRE(r.kernel.kernel_pf().set_sriov_num_vfs(0));
  CHECK(r.kernel.vf_bdfs().empty());
  CHECK(r.kernel.leaks().empty());
}
