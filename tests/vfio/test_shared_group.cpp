// Functions of one IOMMU group opened together: behind a root port without ACS the PF and its
// VFs share a group, which the kernel opens once. They share the group fd and its container;
// each has its own device fd; DMA pages are counted per container; the last function out takes
// the group out of its container and closes both.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <thread>

#include "hal/vfio/group_handle.hpp"
#include "hal/vfio/open.hpp"
#include "tests/vfio/open_fixture.hpp"

using hal::Iova;
using hal::vfio::VfToken;
using vfio_test::calls_since;
using vfio_test::expected_device_close;
using vfio_test::expected_group_close;
using vfio_test::expected_open;
using vfio_test::expected_open_in_held_group;
using vfio_test::PageBuffer;

namespace {

/// PF and two VFs on vfio-pci in group 20, and the fake kernel serving all three.
struct SharedGroupFixture {
  SharedGroupFixture()
      : tree(vfio_test::x520_pf_and_vfs_one_group()), ops(tree.root().string(), script()) {}

  static vfio_test::KernelScript script() {
    vfio_test::KernelScript k;
    k.vfs_of_vfio_pf = {std::string(vfio_test::kVf0), std::string(vfio_test::kVf1)};
    return k;
  }
  hal::vfio::OpenOptions options(std::string_view bdf) {
    hal::vfio::OpenOptions o;
    o.bdf = std::string(bdf);
    o.root = tree.root();
    o.ops = &ops;
    o.vf_token = VfToken::parse(vfio_test::kPfToken);
    o.log = [this](std::string_view line) { log.emplace_back(line); };
    return o;
  }
  std::unique_ptr<hal::vfio::VfioFunction> open(std::string_view bdf) {
    auto f = hal::vfio::open_function(options(bdf));
    if (!f) FAIL(f.error().message());
    return std::move(*f);
  }

  vfio_test::SysfsTree tree;
  vfio_test::RecordingSysOps ops;
  std::vector<std::string> log;
};

const std::string kTok(vfio_test::kPfToken);

}  // namespace

TEST_CASE("shared group: PF and two VFs open on one group fd and one container, each with its "
          "own device fd", "[vfio][shared-group]") {
  SharedGroupFixture fx;
  auto pf = fx.open(vfio_test::kPf);
  CHECK(fx.ops.calls ==
        expected_open("/dev/vfio/20", "0000:03:00.0 vf_token=" + kTok, 0x20000, 64, kTok));

  size_t mark = fx.ops.calls.size();
  auto vf0 = fx.open(vfio_test::kVf0);
  CHECK(calls_since(fx.ops.calls, mark) ==
        expected_open_in_held_group("0000:03:10.0 vf_token=" + kTok, 0x20000, 64));
  mark = fx.ops.calls.size();
  auto vf1 = fx.open(vfio_test::kVf1);
  CHECK(calls_since(fx.ops.calls, mark) ==
        expected_open_in_held_group("0000:03:10.2 vf_token=" + kTok, 0x20000, 64));

  CHECK(fx.ops.count("open /dev/vfio/20") == 1);
  CHECK(fx.ops.count("open /dev/vfio/vfio") == 1);
  CHECK(fx.ops.count("ioctl VFIO_GROUP_SET_CONTAINER") == 1);
  CHECK(fx.ops.count("ioctl VFIO_SET_IOMMU") == 1);
  CHECK(fx.ops.count("ioctl VFIO_GROUP_GET_DEVICE_FD") == 3);
  CHECK(hal::vfio::open_groups() == 1);

  // Each function its own vectors.
  CHECK(fx.ops.msix_fds("0000:03:10.0") != fx.ops.msix_fds("0000:03:10.2"));
  CHECK(vf0->vector(0).fd() == fx.ops.msix_fds("0000:03:10.0")[0]);
}

TEST_CASE("shared group: two functions' DMA ranges sharing a page map it once, it goes with the "
          "last of them", "[vfio][shared-group]") {
  SharedGroupFixture fx;
  auto pf = fx.open(vfio_test::kPf);
  auto vf0 = fx.open(vfio_test::kVf0);
  PageBuffer buf(0x3000);
  fx.ops.clear_calls();

  // The PF's bytes end in page 0x11000, where the VF's begin: one IOMMU domain, one page map.
  REQUIRE(pf->dma().map(Iova(0x10000), buf.p, 0x1800).has_value());
  REQUIRE(vf0->dma().map(Iova(0x11800), buf.p + 0x1800, 0x1000).has_value());
  CHECK(fx.ops.calls == std::vector<std::string>{
                            "ioctl VFIO_IOMMU_MAP_DMA iova=0x10000 size=0x2000",
                            "ioctl VFIO_IOMMU_MAP_DMA iova=0x12000 size=0x1000"});
  // Each function translates its own bytes only.
  CHECK(pf->dma().translate(Iova(0x11000), 0x800).has_value());
  CHECK(pf->dma().translate(Iova(0x11800), 4).error() == hal::Error::kDmaFault);
  CHECK(vf0->dma().translate(Iova(0x11800), 0x1000).has_value());

  // Another function mapping a page of the domain to other host memory is refused.
  PageBuffer other(0x1000);
  CHECK(vf0->dma().map(Iova(0x10000), other.p, 0x100).error() == hal::Error::kOverlap);

  fx.ops.clear_calls();
  REQUIRE(pf->dma().unmap(Iova(0x10000)).has_value());
  // Page 0x11000 is the VF's still: the map holding it stays.
  CHECK(fx.ops.calls.empty());
  REQUIRE(vf0->dma().unmap(Iova(0x11800)).has_value());
  CHECK(fx.ops.calls == std::vector<std::string>{
                            "ioctl VFIO_IOMMU_UNMAP_DMA iova=0x12000 size=0x1000",
                            "ioctl VFIO_IOMMU_UNMAP_DMA iova=0x10000 size=0x2000"});
  CHECK(fx.ops.dma_maps().empty());
}

TEST_CASE("shared group: teardown closes each device, the last function out unmaps what is left, "
          "unsets the container and closes the group", "[vfio][shared-group]") {
  SharedGroupFixture fx;
  auto pf = fx.open(vfio_test::kPf);
  auto vf0 = fx.open(vfio_test::kVf0);
  auto vf1 = fx.open(vfio_test::kVf1);
  PageBuffer buf(0x2000);
  REQUIRE(pf->dma().map(Iova(0x10000), buf.p, 0x800).has_value());
  REQUIRE(vf1->dma().map(Iova(0x10800), buf.p + 0x800, 0x800).has_value());

  // The PF first (as HwHost does not, but a VM's user may): its device only.
  size_t mark = fx.ops.calls.size();
  pf.reset();
  CHECK(calls_since(fx.ops.calls, mark) == expected_device_close("0000:03:00.0", 0x20000));
  CHECK(fx.ops.dma_maps().size() == 1);  // VF1 still has bytes on the page

  mark = fx.ops.calls.size();
  vf0.reset();
  CHECK(calls_since(fx.ops.calls, mark) == expected_device_close("0000:03:10.0", 0x20000));

  mark = fx.ops.calls.size();
  vf1.reset();
  std::vector<std::string> want = expected_device_close("0000:03:10.2", 0x20000);
  want.push_back("ioctl VFIO_IOMMU_UNMAP_DMA iova=0x10000 size=0x1000");
  for (const auto& l : expected_group_close("/dev/vfio/20")) want.push_back(l);
  CHECK(calls_since(fx.ops.calls, mark) == want);
  CHECK(fx.ops.leaks().empty());
  CHECK(hal::vfio::open_groups() == 0);

  // The group opens again afterwards: nothing of the old handle is left.
  auto again = fx.open(vfio_test::kVf0);
  CHECK(fx.ops.count("open /dev/vfio/20") == 2);
}

TEST_CASE("shared group: functions opened and closed from several threads share one group",
          "[vfio][shared-group][threads]") {
  SharedGroupFixture fx;
  auto pf = fx.open(vfio_test::kPf);  // sets the token
  // RecordingSysOps is single-threaded: serialise the fake, not the backend's registry.
  std::mutex fake_mu;
  struct LockedOps final : hal::vfio::SysOps {
    LockedOps(hal::vfio::SysOps& o, std::mutex& m) : inner(o), mu(m) {}
    int open(const std::string& p, int f) override { std::lock_guard l(mu); return inner.open(p, f); }
    int close(int fd) override { std::lock_guard l(mu); return inner.close(fd); }
    int ioctl_ptr(int fd, unsigned long r, void* a) override { std::lock_guard l(mu); return inner.ioctl_ptr(fd, r, a); }
    int ioctl_int(int fd, unsigned long r, unsigned long a) override { std::lock_guard l(mu); return inner.ioctl_int(fd, r, a); }
    ssize_t pread(int fd, void* b, size_t n, off_t o) override { std::lock_guard l(mu); return inner.pread(fd, b, n, o); }
    ssize_t pwrite(int fd, const void* b, size_t n, off_t o) override { std::lock_guard l(mu); return inner.pwrite(fd, b, n, o); }
    void* mmap(int fd, size_t n, off_t o, int* e) override { std::lock_guard l(mu); return inner.mmap(fd, n, o, e); }
    int munmap(void* a, size_t n) override { std::lock_guard l(mu); return inner.munmap(a, n); }
    int eventfd() override { std::lock_guard l(mu); return inner.eventfd(); }
    hal::vfio::SysOps& inner;
    std::mutex& mu;
  } locked(fx.ops, fake_mu);
  pf.reset();

  std::vector<std::string> errors;
  std::mutex err_mu;
  auto worker = [&](std::string_view bdf) {
    for (int i = 0; i < 20; ++i) {
      auto o = fx.options(bdf);
      o.ops = &locked;
      auto f = hal::vfio::open_function(o);
      if (!f) {
        std::lock_guard l(err_mu);
        errors.push_back(f.error().message());
      }
    }
  };
  std::thread a(worker, vfio_test::kVf0), b(worker, vfio_test::kVf1);
  a.join();
  b.join();
  for (const auto& e : errors) UNSCOPED_INFO(e);
  CHECK(errors.empty());
  CHECK(fx.ops.leaks().empty());
  CHECK(hal::vfio::open_groups() == 0);
}

TEST_CASE("group EBUSY while this process holds the node outside the backend says so",
          "[vfio][shared-group]") {
  vfio_test::OpenFixture fx(vfio_test::Situation::kPfOnVfio);
  // As a DPDK EAL that probed the device in this process would: the node open elsewhere.
  const int held = ::open(fx.tree.host("/dev/vfio/20").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(held >= 0);
  fx.ops.fail("open /dev/vfio/20", EBUSY);
  auto f = fx.open();
  ::close(held);
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().what.find("already open in this process") != std::string::npos);
  CHECK(f.error().what.find("another process") == std::string::npos);
  CHECK(f.error().fix.find("--no-pci") != std::string::npos);
  CHECK(fx.ops.leaks().empty());
}
