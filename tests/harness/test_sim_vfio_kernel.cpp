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
