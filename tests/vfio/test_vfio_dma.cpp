// The DMA domain of a VFIO function: maps in the container's IOMMU, mirrored for translate().

#include <catch2/catch.hpp>

#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "hal/vfio/open.hpp"
#include "tests/vfio/open_fixture.hpp"

using hal::Error;
using hal::Iova;
using vfio_test::OpenFixture;
using vfio_test::PageBuffer;
using vfio_test::Situation;

TEST_CASE("DMA map: one MAP_DMA ioctl, translate answers, unmap removes", "[vfio][dma]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  auto f = fx.open();
  REQUIRE(f.has_value());
  hal::DmaDomain& dma = (*f)->dma();
  PageBuffer buf(0x3000);
  fx.ops.clear_calls();

  REQUIRE(dma.map(Iova(0x10000), buf.p, buf.len).has_value());
  CHECK(fx.ops.calls == std::vector<std::string>{"ioctl VFIO_IOMMU_MAP_DMA iova=0x10000 size=0x3000"});
  CHECK(fx.ops.dma_maps().at(0x10000) == 0x3000);

  auto t = dma.translate(Iova(0x11010), 0x100);
  REQUIRE(t.has_value());
  CHECK(*t == buf.p + 0x1010);
  CHECK(dma.translate(Iova(0x12F00), 0x200).error() == Error::kDmaFault);  // runs past the end
  CHECK(dma.translate(Iova(0xF000), 0x10).error() == Error::kDmaFault);

  REQUIRE(dma.unmap(Iova(0x10000)).has_value());
  CHECK(fx.ops.count("ioctl VFIO_IOMMU_UNMAP_DMA iova=0x10000 size=0x3000") == 1);
  CHECK(fx.ops.dma_maps().empty());
  CHECK(dma.translate(Iova(0x10000), 4).error() == Error::kDmaFault);
  CHECK(dma.unmap(Iova(0x10000)).error() == Error::kOutOfRange);
}

TEST_CASE("DMA map: overlaps are refused before the kernel is asked", "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  hal::DmaDomain& dma = (*f)->dma();
  PageBuffer a(0x4000), b(0x2000);
  REQUIRE(dma.map(Iova(0x100000), a.p, a.len).has_value());
  fx.ops.clear_calls();
  CHECK(dma.map(Iova(0x103000), b.p, b.len).error() == Error::kOverlap);
  CHECK(dma.map(Iova(0x0FF000), b.p, b.len).error() == Error::kOverlap);
  CHECK(fx.ops.calls.empty());
  // Adjacent is fine.
  REQUIRE(dma.map(Iova(0x104000), b.p, b.len).has_value());
  CHECK(fx.ops.dma_maps().size() == 2);
}

TEST_CASE("DMA map: bad arguments are refused before the kernel is asked", "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  hal::DmaDomain& dma = (*f)->dma();
  PageBuffer a(0x2000);
  fx.ops.clear_calls();
  CHECK(dma.map(Iova(0x1000), a.p, 0).error() == Error::kInvalidArgument);
  CHECK(dma.map(Iova(0x1000), nullptr, 0x1000).error() == Error::kInvalidArgument);
  CHECK(dma.map(Iova(~uint64_t{0} - 0xFFF), a.p, 0x2000).error() == Error::kInvalidArgument);
  // Ends at 2^64: the page-rounded kernel range would wrap.
  CHECK(dma.map(Iova(~uint64_t{0} - 0xFFF), a.p, 0x1000).error() == Error::kInvalidArgument);
  CHECK(fx.ops.calls.empty());
  CHECK(fx.log.empty());
  CHECK(dma.translate(Iova(0x1000), 4).error() == Error::kDmaFault);
}

TEST_CASE("DMA map: iova and host at different offsets within a page are refused and logged",
          "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  hal::DmaDomain& dma = (*f)->dma();
  PageBuffer a(0x2000);
  fx.ops.clear_calls();
  CHECK(dma.map(Iova(0x1100), a.p + 0x200, 0x100).error() == Error::kInvalidArgument);
  CHECK(dma.map(Iova(0x1800), a.p, 0x800).error() == Error::kInvalidArgument);
  CHECK(fx.ops.calls.empty());
  REQUIRE(fx.log.size() == 2);
  CHECK(fx.log[0].find("iova 0x1100") != std::string::npos);
  CHECK(fx.log[0].find("offset 0x200") != std::string::npos);
  CHECK(fx.log[0].find("iova-mode=va") != std::string::npos);
  CHECK(dma.translate(Iova(0x1100), 4).error() == Error::kDmaFault);
  // Same offsets in both: accepted.
  REQUIRE(dma.map(Iova(0x1200), a.p + 0x200, 0x100).has_value());
}

TEST_CASE("DMA map of an unaligned byte range asks the kernel for the pages around it, "
          "translate keeps to the bytes", "[vfio][dma]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  auto f = fx.open();
  REQUIRE(f.has_value());
  hal::DmaDomain& dma = (*f)->dma();
  PageBuffer a(0x3000);
  fx.ops.clear_calls();

  // A DPDK mempool chunk: 128-byte aligned start, odd length (0x780 + 0x1280 = 0x1a00).
  REQUIRE(dma.map(Iova(0x10780), a.p + 0x780, 0x1280).has_value());
  CHECK(fx.ops.calls == std::vector<std::string>{"ioctl VFIO_IOMMU_MAP_DMA iova=0x10000 size=0x2000"});
  CHECK(fx.ops.dma_maps() == std::map<uint64_t, uint64_t>{{0x10000, 0x2000}});
  auto t = dma.translate(Iova(0x10780), 0x1280);
  REQUIRE(t.has_value());
  CHECK(*t == a.p + 0x780);
  // The rest of the rounded pages belongs to nobody yet.
  CHECK(dma.translate(Iova(0x10700), 0x10).error() == Error::kDmaFault);
  CHECK(dma.translate(Iova(0x11a00), 0x10).error() == Error::kDmaFault);
  CHECK(dma.unmap(Iova(0x10000)).error() == Error::kOutOfRange);  // not where the map starts

  fx.ops.clear_calls();
  REQUIRE(dma.unmap(Iova(0x10780)).has_value());
  CHECK(fx.ops.calls == std::vector<std::string>{"ioctl VFIO_IOMMU_UNMAP_DMA iova=0x10000 size=0x2000"});
  CHECK(fx.ops.dma_maps().empty());
}

TEST_CASE("DMA maps sharing a boundary page map it once and unmap it after the last one goes",
          "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  hal::DmaDomain& dma = (*f)->dma();
  PageBuffer buf(0x4000);
  fx.ops.clear_calls();
  // A: bytes [0x20100, 0x21800), pages [0x20000, 0x22000). B starts where A ends: bytes
  // [0x21800, 0x23400), pages [0x21000, 0x24000); page 0x21000 is in both.
  REQUIRE(dma.map(Iova(0x20100), buf.p + 0x100, 0x1700).has_value());
  REQUIRE(dma.map(Iova(0x21800), buf.p + 0x1800, 0x1c00).has_value());
  CHECK(fx.ops.calls == std::vector<std::string>{
                            "ioctl VFIO_IOMMU_MAP_DMA iova=0x20000 size=0x2000",
                            "ioctl VFIO_IOMMU_MAP_DMA iova=0x22000 size=0x2000"});
  CHECK(*dma.translate(Iova(0x217f0), 0x10) == buf.p + 0x17f0);
  CHECK(*dma.translate(Iova(0x21800), 0x10) == buf.p + 0x1800);
  CHECK(dma.translate(Iova(0x217f0), 0x20).error() == Error::kDmaFault);  // spans both maps
  fx.ops.clear_calls();

  SECTION("the first map goes first") {
    REQUIRE(dma.unmap(Iova(0x20100)).has_value());
    CHECK(fx.ops.calls.empty());  // B still has bytes on page 0x21000
    CHECK(dma.translate(Iova(0x20100), 4).error() == Error::kDmaFault);
    CHECK(*dma.translate(Iova(0x21800), 0x1c00) == buf.p + 0x1800);
    REQUIRE(dma.unmap(Iova(0x21800)).has_value());
    CHECK(fx.ops.calls == std::vector<std::string>{
                              "ioctl VFIO_IOMMU_UNMAP_DMA iova=0x22000 size=0x2000",
                              "ioctl VFIO_IOMMU_UNMAP_DMA iova=0x20000 size=0x2000"});
  }
  SECTION("the second map goes first") {
    REQUIRE(dma.unmap(Iova(0x21800)).has_value());
    CHECK(fx.ops.calls == std::vector<std::string>{"ioctl VFIO_IOMMU_UNMAP_DMA iova=0x22000 size=0x2000"});
    CHECK(fx.ops.dma_maps() == std::map<uint64_t, uint64_t>{{0x20000, 0x2000}});
    REQUIRE(dma.unmap(Iova(0x20100)).has_value());
    CHECK(fx.ops.count("ioctl VFIO_IOMMU_UNMAP_DMA iova=0x20000 size=0x2000") == 1);
  }
  CHECK(fx.ops.dma_maps().empty());
  CHECK(dma.translate(Iova(0x21800), 4).error() == Error::kDmaFault);
}

TEST_CASE("DMA map: byte ranges must not overlap, a map inside a page already mapped asks the "
          "kernel nothing", "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  hal::DmaDomain& dma = (*f)->dma();
  PageBuffer buf(0x2000);
  REQUIRE(dma.map(Iova(0x30100), buf.p + 0x100, 0x800).has_value());  // [0x30100, 0x30900)
  fx.ops.clear_calls();
  CHECK(dma.map(Iova(0x30800), buf.p + 0x800, 0x800).error() == Error::kOverlap);
  CHECK(dma.map(Iova(0x30000), buf.p, 0x101).error() == Error::kOverlap);
  CHECK(fx.ops.calls.empty());
  CHECK(*dma.translate(Iova(0x30100), 0x800) == buf.p + 0x100);

  REQUIRE(dma.map(Iova(0x30900), buf.p + 0x900, 0x100).has_value());
  REQUIRE(dma.map(Iova(0x30000), buf.p, 0x100).has_value());
  CHECK(fx.ops.calls.empty());  // page 0x30000 is in the IOMMU already
  REQUIRE(dma.unmap(Iova(0x30100)).has_value());
  REQUIRE(dma.unmap(Iova(0x30000)).has_value());
  CHECK(fx.ops.calls.empty());
  REQUIRE(dma.unmap(Iova(0x30900)).has_value());
  CHECK(fx.ops.calls == std::vector<std::string>{"ioctl VFIO_IOMMU_UNMAP_DMA iova=0x30000 size=0x1000"});
}

TEST_CASE("DMA map: a page shared with an earlier map must be the same host page",
          "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  hal::DmaDomain& dma = (*f)->dma();
  PageBuffer a(0x1000), b(0x2000);
  REQUIRE(dma.map(Iova(0x40000), a.p, 0x800).has_value());
  fx.ops.clear_calls();
  // Bytes [0x40800, 0x41800) do not overlap, but page 0x40000 would need b's memory.
  CHECK(dma.map(Iova(0x40800), b.p + 0x800, 0x1000).error() == Error::kOverlap);
  CHECK(fx.ops.calls.empty());
  REQUIRE(fx.log.size() == 1);
  CHECK(fx.log[0].find("iova 0x40000") != std::string::npos);
  CHECK(dma.translate(Iova(0x40800), 4).error() == Error::kDmaFault);
  // Its own page is free: the range was released.
  REQUIRE(dma.map(Iova(0x41000), b.p + 0x1000, 0x800).has_value());
}

TEST_CASE("DMA map: ENOMEM is the memlock limit, logged with its fix, nothing kept",
          "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.script.memlock = 0x2000;
  auto f = fx.open();
  REQUIRE(f.has_value());
  hal::DmaDomain& dma = (*f)->dma();
  PageBuffer a(0x4000);
  CHECK(dma.map(Iova(0x200000), a.p, 0x4000).error() == Error::kSystem);
  REQUIRE(fx.log.size() == 1);
  CHECK(fx.log[0].find("ulimit -l unlimited") != std::string::npos);
  CHECK(fx.log[0].find("LimitMEMLOCK") != std::string::npos);
  CHECK(dma.translate(Iova(0x200000), 4).error() == Error::kDmaFault);
  // The range is free again: a map within the limit takes it.
  REQUIRE(dma.map(Iova(0x200000), a.p, 0x2000).has_value());
}

TEST_CASE("DMA map refused for memlock beside a shared page leaves the shared page's map held "
          "as before", "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.script.memlock = 0x2000;
  auto f = fx.open();
  REQUIRE(f.has_value());
  hal::DmaDomain& dma = (*f)->dma();
  PageBuffer a(0x4000);
  REQUIRE(dma.map(Iova(0x200100), a.p + 0x100, 0x1000).has_value());  // pages 0x200000-0x202000
  fx.ops.clear_calls();
  // Shares page 0x201000, needs 0x202000-0x204000 more: past the limit.
  CHECK(dma.map(Iova(0x201100), a.p + 0x1100, 0x2000).error() == Error::kSystem);
  CHECK(fx.ops.calls == std::vector<std::string>{"ioctl VFIO_IOMMU_MAP_DMA iova=0x202000 size=0x2000"});
  REQUIRE(fx.log.size() == 1);
  CHECK(fx.log[0].find("iova 0x202000") != std::string::npos);
  CHECK(fx.log[0].find("ulimit -l unlimited") != std::string::npos);
  CHECK(dma.translate(Iova(0x201100), 4).error() == Error::kDmaFault);
  // The first map alone held the shared pages: its unmap releases them.
  fx.ops.clear_calls();
  REQUIRE(dma.unmap(Iova(0x200100)).has_value());
  CHECK(fx.ops.calls == std::vector<std::string>{"ioctl VFIO_IOMMU_UNMAP_DMA iova=0x200000 size=0x2000"});
  CHECK(fx.ops.dma_maps().empty());
}

TEST_CASE("DMA map: another kernel refusal is kSystem and logged", "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  PageBuffer a(0x1000);
  fx.ops.fail("ioctl VFIO_IOMMU_MAP_DMA", EFAULT);
  CHECK((*f)->dma().map(Iova(0x1000), a.p, a.len).error() == Error::kSystem);
  REQUIRE(fx.log.size() == 1);
  CHECK(fx.log[0].find("EFAULT") != std::string::npos);
  CHECK(fx.ops.dma_maps().empty());
}

TEST_CASE("DMA unmap refused by the kernel keeps the map, and teardown still unmaps it",
          "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  PageBuffer a(0x1000);
  REQUIRE((*f)->dma().map(Iova(0x1000), a.p, a.len).has_value());
  fx.ops.fail("ioctl VFIO_IOMMU_UNMAP_DMA", EINVAL);
  CHECK((*f)->dma().unmap(Iova(0x1000)).error() == Error::kSystem);
  CHECK((*f)->dma().translate(Iova(0x1000), 4).has_value());
  fx.ops.clear_failures();
  f->reset();
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("destroying the function unmaps every DMA map left", "[vfio][dma]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  auto f = fx.open();
  REQUIRE(f.has_value());
  PageBuffer a(0x1000), b(0x1000), c(0x1000);
  REQUIRE((*f)->dma().map(Iova(0x1000), a.p, a.len).has_value());
  REQUIRE((*f)->dma().map(Iova(0x3000), b.p, b.len).has_value());
  REQUIRE((*f)->dma().map(Iova(0x5000), c.p, c.len).has_value());
  REQUIRE((*f)->dma().unmap(Iova(0x3000)).has_value());
  f->reset();
  CHECK(fx.ops.count("ioctl VFIO_IOMMU_UNMAP_DMA") == 3);
  CHECK(fx.ops.dma_maps().empty());
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("destroying the function unmaps every page run once, shared pages included",
          "[vfio][dma]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  auto f = fx.open();
  REQUIRE(f.has_value());
  PageBuffer buf(0x5000);
  hal::DmaDomain& dma = (*f)->dma();
  REQUIRE(dma.map(Iova(0x60080), buf.p + 0x80, 0x1f00).has_value());   // pages 0x60000-0x62000
  REQUIRE(dma.map(Iova(0x61f80), buf.p + 0x1f80, 0x1100).has_value());  // + 0x62000-0x64000
  REQUIRE(dma.map(Iova(0x63080), buf.p + 0x3080, 0x100).has_value());   // nothing new
  CHECK(fx.ops.dma_maps() == std::map<uint64_t, uint64_t>{{0x60000, 0x2000}, {0x62000, 0x2000}});
  fx.ops.clear_calls();
  f->reset();
  CHECK(fx.ops.count("ioctl VFIO_IOMMU_UNMAP_DMA") == 2);
  CHECK(fx.ops.count("ioctl VFIO_IOMMU_UNMAP_DMA iova=0x60000 size=0x2000") == 1);
  CHECK(fx.ops.count("ioctl VFIO_IOMMU_UNMAP_DMA iova=0x62000 size=0x2000") == 1);
  CHECK(fx.ops.dma_maps().empty());
  CHECK(fx.ops.leaks().empty());
}

TEST_CASE("DMA unmap the kernel answers with size 0 is an error, not success", "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  PageBuffer a(0x2000);
  REQUIRE((*f)->dma().map(Iova(0x1000), a.p, a.len).has_value());
  // The kernel lost the map (its container was reset underneath): UNMAP_DMA unmaps nothing.
  fx.ops.forget_dma(0x1000);
  CHECK((*f)->dma().unmap(Iova(0x1000)).error() == Error::kSystem);
  REQUIRE(fx.log.size() == 1);
  CHECK(fx.log[0].find("UNMAP_DMA") != std::string::npos);
}

TEST_CASE("DMA map: EINVAL names the reserved regions and the IOMMU's width, ENOSPC the "
          "dma_entry_limit", "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  PageBuffer a(0x1000);
  SECTION("EINVAL") {
    fx.ops.fail("ioctl VFIO_IOMMU_MAP_DMA", EINVAL);
    CHECK((*f)->dma().map(Iova(0xFEE00000), a.p, a.len).error() == Error::kSystem);
    REQUIRE(fx.log.size() == 1);
    CHECK(fx.log[0].find("/sys/kernel/iommu_groups/20/reserved_regions") != std::string::npos);
    CHECK(fx.log[0].find("address width") != std::string::npos);
  }
  SECTION("ENOSPC") {
    fx.ops.fail("ioctl VFIO_IOMMU_MAP_DMA", ENOSPC);
    CHECK((*f)->dma().map(Iova(0x1000), a.p, a.len).error() == Error::kSystem);
    REQUIRE(fx.log.size() == 1);
    CHECK(fx.log[0].find("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit") !=
          std::string::npos);
  }
  CHECK(fx.ops.dma_maps().empty());
}

TEST_CASE("DMA unmap of a map the kernel no longer holds says so, not ENOENT", "[vfio][dma]") {
  OpenFixture fx(Situation::kPfOnVfio);
  auto f = fx.open();
  REQUIRE(f.has_value());
  PageBuffer a(0x1000);
  REQUIRE((*f)->dma().map(Iova(0x1000), a.p, a.len).has_value());
  fx.ops.forget_dma(0x1000);
  CHECK((*f)->dma().unmap(Iova(0x1000)).error() == Error::kSystem);
  REQUIRE(fx.log.size() == 1);
  CHECK(fx.log[0].find("the kernel holds no map there") != std::string::npos);
  CHECK(fx.log[0].find("ENOENT") == std::string::npos);
}
