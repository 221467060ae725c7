// The DPDK glue: one EAL per process, an rte_mempool's memory mapped into a function's DMA
// domain (the simulated IOMMU), and DMA zones for descriptor rings.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_memzone.h>

#include "hal/iova_table.hpp"
#include "datapath/dma_map.hpp"
#include "datapath/eal.hpp"
#include "datapath_rig.hpp"

namespace {

using dp::DmaMapping;
using dp::DmaZone;
using dp::DpdkErrc;

const dp::Eal& eal() {
  const auto& e = dp::shared_eal();
  INFO((e ? std::string() : fmt::format("{}", e.error())));
  REQUIRE(e.has_value());
  return *e;
}

using vftest::MempoolPtr;

struct Free {
  void operator()(void* p) const { std::free(p); }
};

/// A mempool of one object per chunk, each chunk our own memory at the IOVA we choose
/// (nullopt: the chunk's virtual address, as in IOVA-as-VA mode).
struct HandMadePool {
  std::vector<std::unique_ptr<void, Free>> memory;  // outlives the pool (declared first)
  MempoolPtr pool;
  std::vector<rte_iova_t> iovas;

  HandMadePool(const char* name, std::vector<std::optional<rte_iova_t>> chunk_iovas) {
    constexpr uint32_t kEltSize = 64;
    rte_mempool_objsz sz{};
    const uint32_t total = rte_mempool_calc_obj_size(kEltSize, 0, &sz);
    pool.reset(rte_mempool_create_empty(name, static_cast<unsigned>(chunk_iovas.size()),
                                        kEltSize, 0, 0, SOCKET_ID_ANY, 0));
    REQUIRE(pool != nullptr);
    for (const auto& want : chunk_iovas) {
      memory.emplace_back(std::aligned_alloc(4096, 4096));
      char* va = static_cast<char*>(memory.back().get());
      const rte_iova_t iova = want.value_or(reinterpret_cast<uintptr_t>(va));
      iovas.push_back(iova);
      REQUIRE(rte_mempool_populate_iova(pool.get(), va, iova, total, nullptr, nullptr) == 1);
    }
  }
};

std::vector<rte_mbuf*> all_mbufs(rte_mempool& mp) {
  std::vector<rte_mbuf*> out;
  rte_mempool_obj_iter(
      &mp,
      [](rte_mempool*, void* opaque, void* obj, unsigned) {
        static_cast<std::vector<rte_mbuf*>*>(opaque)->push_back(static_cast<rte_mbuf*>(obj));
      },
      &out);
  return out;
}

}  // namespace

TEST_CASE("EAL: no EAL, no DMA zone, rejected arguments give kEalInit and no second try") {
  // A failed init leaves the process without an EAL for good, so it runs in a child.
  if (dp::Eal::running()) {
    WARN("an EAL is up in this process and a child would inherit it; run this test alone");
    return;
  }
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const int null = ::open("/dev/null", O_WRONLY);  // DPDK prints its usage text
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    hal::IovaTable table;
    auto zone = DmaZone::reserve(table, "vf0-no-eal", 4096);
    if (zone || zone.error().code != DpdkErrc::kNoEal) ::_exit(5);
    dp::EalOptions bad;
    bad.extra_args = {"--no-such-eal-option"};
    auto first = dp::Eal::init(bad);
    if (first || first.error().code != DpdkErrc::kEalInit) ::_exit(1);
    if (first.error().detail.find("--no-such-eal-option") == std::string::npos) ::_exit(2);
    if (dp::Eal::running()) ::_exit(3);
    auto second = dp::Eal::init();
    if (second || second.error().code != DpdkErrc::kAlreadyInitialised) ::_exit(4);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("EAL: comes up once per process, IOVA as VA, with its own file prefix") {
  cpu_set_t before;
  REQUIRE(sched_getaffinity(0, sizeof(before), &before) == 0);

  const dp::Eal& e = eal();
  CHECK(&*dp::shared_eal() == &e);  // every caller shares the one instance
  CHECK(dp::Eal::running());
  CHECK(e.iova_as_va());
  CHECK(rte_eal_iova_mode() == RTE_IOVA_VA);
  CHECK(e.file_prefix() == fmt::format("sriovkit-{}", ::getpid()));
  for (const char* arg : {"--no-huge", "--no-pci", "--no-shconf", "-m", "256", "--iova-mode=va"})
    CHECK(std::ranges::count(e.args(), std::string(arg)) == 1);

  // rte_eal_init runs once per process: a second owner is refused with a clear error.
  auto again = dp::Eal::init();
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == DpdkErrc::kAlreadyInitialised);
  CHECK(dp::Eal::running());

  // lcore 0 runs on the CPUs the process had: EAL pinned nothing.
  cpu_set_t after;
  REQUIRE(sched_getaffinity(0, sizeof(after), &after) == 0);
  CHECK(CPU_EQUAL(&before, &after));
}

TEST_CASE("DMA map: 1024 mbufs map into an IOVA table, each buf_iova translates to its buf_addr") {
  eal();
  MempoolPtr pool(rte_pktmbuf_pool_create("vf-test-mbufs", 1024, 0, 0,
                                          RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY));
  REQUIRE(pool != nullptr);
  hal::IovaTable table;
  rte_mbuf* first = nullptr;
  {
    auto mapping = DmaMapping::map_mempool(table, *pool);
    INFO((mapping ? std::string() : fmt::format("{}", mapping.error())));
    REQUIRE(mapping.has_value());
    CHECK(table.size() == mapping->ranges().size());
    CHECK(table.size() == pool->nb_mem_chunks);

    const std::vector<rte_mbuf*> mbufs = all_mbufs(*pool);
    REQUIRE(mbufs.size() == 1024);
    first = mbufs.front();
    size_t ok = 0;
    for (rte_mbuf* m : mbufs) {
      auto host = table.translate(hal::Iova{m->buf_iova}, m->buf_len);
      if (host && *host == m->buf_addr && m->buf_iova == reinterpret_cast<uintptr_t>(m->buf_addr))
        ++ok;
    }
    CHECK(ok == mbufs.size());

    // What the data path does: allocate, hand the device the data IOVA, read through it.
    std::vector<rte_mbuf*> burst(32);
    REQUIRE(rte_pktmbuf_alloc_bulk(pool.get(), burst.data(), 32) == 0);
    for (rte_mbuf* m : burst) {
      auto host = table.translate(hal::Iova{rte_mbuf_data_iova_default(m)}, 1514);
      REQUIRE(host.has_value());
      CHECK(*host == rte_pktmbuf_mtod(m, void*));
    }
    rte_pktmbuf_free_bulk(burst.data(), 32);

    // A move keeps one owner of the mappings.
    DmaMapping moved = std::move(*mapping);
    CHECK(mapping->empty());
    CHECK(table.size() == pool->nb_mem_chunks);
  }
  // Unmapped on destruction: the device can no longer reach the buffers.
  CHECK(table.size() == 0);
  auto gone = table.translate(hal::Iova{first->buf_iova}, 1);
  REQUIRE_FALSE(gone.has_value());
  CHECK(gone.error() == hal::Error::kDmaFault);
}

TEST_CASE("DMA map: a mempool mapped twice into one domain is an overlap, the first stays whole") {
  eal();
  MempoolPtr pool(rte_pktmbuf_pool_create("vf-test-twice", 256, 0, 0,
                                          RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY));
  REQUIRE(pool != nullptr);
  hal::IovaTable table;
  auto first = DmaMapping::map_mempool(table, *pool);
  REQUIRE(first.has_value());
  const size_t mapped = table.size();

  auto second = DmaMapping::map_mempool(table, *pool);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == DpdkErrc::kOverlap);
  CHECK_THAT(second.error().detail, Catch::Contains("vf-test-twice"));
  CHECK(table.size() == mapped);

  // The same pool in another function's domain is fine: each VF has its own IOMMU table.
  hal::IovaTable other;
  CHECK(DmaMapping::map_mempool(other, *pool).has_value());
}

TEST_CASE("DMA map: a mempool chunk without IOVA (RTE_BAD_IOVA) is refused and nothing is mapped") {
  eal();
  HandMadePool p("vf-test-badiova", {std::nullopt, RTE_BAD_IOVA});
  hal::IovaTable table;
  auto m = DmaMapping::map_mempool(table, *p.pool);
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().code == DpdkErrc::kBadIova);
  CHECK(table.size() == 0);
}

TEST_CASE("DMA map: a chunk failing after others mapped unmaps those again") {
  eal();
  HandMadePool p("vf-test-rollback", {std::nullopt, std::nullopt, std::nullopt});
  hal::IovaTable table;
  // Something else already sits at the last chunk's IOVA.
  static std::byte other[64];
  REQUIRE(table.map(hal::Iova{p.iovas.back()}, other, sizeof(other)).has_value());

  auto m = DmaMapping::map_mempool(table, *p.pool);
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().code == DpdkErrc::kOverlap);
  CHECK(table.size() == 1);  // only the foreign mapping
  CHECK(table.translate(hal::Iova{p.iovas.front()}, 1).error() == hal::Error::kDmaFault);
}

TEST_CASE("DMA map: chunks at IOVAs other than their addresses translate to their addresses") {
  eal();
  HandMadePool p("vf-test-iovas", {0x10000000, 0x20000000});
  hal::IovaTable table;
  auto m = DmaMapping::map_mempool(table, *p.pool);
  REQUIRE(m.has_value());
  REQUIRE(m->ranges().size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    auto host = table.translate(hal::Iova{p.iovas[i]}, 1);
    REQUIRE(host.has_value());
    CHECK(*host == p.memory[i].get());
  }
}

TEST_CASE("DMA zone: a ring is 128-byte aligned, zeroed, mapped at its IOVA, gone when destroyed") {
  eal();
  hal::IovaTable table;
  constexpr size_t kRingBytes = 512 * 16;  // 512 advanced descriptors
  {
    auto zone = DmaZone::reserve(table, "vf0-rx0", kRingBytes);
    INFO((zone ? std::string() : fmt::format("{}", zone.error())));
    REQUIRE(zone.has_value());
    CHECK(reinterpret_cast<uintptr_t>(zone->addr()) % DmaZone::kRingAlign == 0);
    CHECK(zone->iova().value() % DmaZone::kRingAlign == 0);
    CHECK(zone->size() == kRingBytes);
    CHECK(std::ranges::all_of(zone->bytes(), [](std::byte b) { return b == std::byte{0}; }));
    CHECK(rte_memzone_lookup("vf0-rx0") != nullptr);

    auto host = table.translate(zone->iova(), kRingBytes);
    REQUIRE(host.has_value());
    CHECK(*host == zone->addr());
    // The device writes a descriptor through the IOMMU; the driver sees it.
    static_cast<volatile uint32_t*>(*host)[3] = 0x1;  // DD of descriptor 0's status word
    CHECK(static_cast<const uint32_t*>(zone->addr())[3] == 0x1);
    // Only the ring is mapped, not what follows it.
    CHECK_FALSE(table.translate(hal::Iova{zone->iova().value() + kRingBytes}, 1).has_value());

    DmaZone moved = std::move(*zone);
    CHECK(table.size() == 1);
    CHECK(moved.iova() == hal::Iova{reinterpret_cast<uintptr_t>(moved.addr())});
  }
  CHECK(table.size() == 0);
  CHECK(rte_memzone_lookup("vf0-rx0") == nullptr);
}

TEST_CASE("DMA zone: a name in use, a name too long and a zero length are refused") {
  eal();
  hal::IovaTable table;
  auto a = DmaZone::reserve(table, "vf0-tx0", 4096);
  REQUIRE(a.has_value());

  auto dup = DmaZone::reserve(table, "vf0-tx0", 4096);
  REQUIRE_FALSE(dup.has_value());
  CHECK(dup.error().code == DpdkErrc::kInvalidArgument);
  auto long_name = DmaZone::reserve(table, std::string(DmaZone::kMaxNameLen + 1, 'x'), 4096);
  REQUIRE_FALSE(long_name.has_value());
  CHECK(long_name.error().code == DpdkErrc::kInvalidArgument);
  auto empty = DmaZone::reserve(table, "vf0-tx1", 0);
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().code == DpdkErrc::kInvalidArgument);
  CHECK(table.size() == 1);
}

TEST_CASE("DMA zone: a zone whose IOVA range is taken in the domain is refused and freed") {
  eal();
  hal::IovaTable table;
  // The whole 47-bit user address space is already mapped (to something else): with IOVA as
  // VA, any zone overlaps it.
  static std::byte elsewhere[64];
  REQUIRE(table.map(hal::Iova{0}, elsewhere, uint64_t{1} << 47).has_value());
  auto zone = DmaZone::reserve(table, "vf0-clash", 4096);
  REQUIRE_FALSE(zone.has_value());
  CHECK(zone.error().code == DpdkErrc::kOverlap);
  CHECK_THAT(zone.error().detail, Catch::Contains("vf0-clash"));
  CHECK(table.size() == 1);
  CHECK(rte_memzone_lookup("vf0-clash") == nullptr);  // the memzone went back to DPDK
}
