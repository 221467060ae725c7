// SimVfioKernel: DMA maps into the simulated functions' IOMMU tables

#include "tests/harness/sim_vfio_kernel.hpp"

#include <fcntl.h>
#include <linux/vfio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "hal/ixgbe/ids.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/pci_regs.hpp"
#include "hal/sim/device_model.hpp"
#include "hal/vfio/vf_token.hpp"
#include "tests/harness/sim_vfio_kernel_detail.hpp"

namespace sim_vfio {

using namespace detail;

void SimVfioKernel::map_into_function(const Container& c, hal::PciFunction& fn, bool map) {
  for (const auto& [iova, m] : c.maps) {
    if (map) {
      (void)fn.dma().map(hal::Iova{iova}, reinterpret_cast<void*>(m.vaddr), m.size);
    } else {
      (void)fn.dma().unmap(hal::Iova{iova});  // a disabled VF's table is already empty
    }
  }
}

void SimVfioKernel::map_into(const Container& c, unsigned group, bool map) {
  // One IOMMU domain per container: every function of every group in it sees its maps.
  for (const Member& m : members_of_group(group)) map_into_function(c, *m.fn, map);
}

int SimVfioKernel::map_dma(Container& c, void* arg) {
  auto* m = static_cast<vfio_iommu_type1_dma_map*>(arg);
  if (m->argsz < sizeof *m) return -EINVAL;
  if (!c.iommu) return -EINVAL;
  if (m->flags != (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)) return -EINVAL;
  if (m->size == 0 || ((m->size | m->iova | m->vaddr) & (kPageSize - 1)) != 0) return -EINVAL;
  if (m->iova + m->size < m->iova) return -EINVAL;
  for (const auto& [iova, e] : c.maps) {
    if (m->iova < iova + e.size && iova < m->iova + m->size) return -EEXIST;
  }
  c.maps.emplace(m->iova, DmaMap{m->size, m->vaddr});
  for (int gfd : c.groups) {
    for (const Member& f : members_of_group(groups_.at(gfd).number)) {
      (void)f.fn->dma().map(hal::Iova{m->iova}, reinterpret_cast<void*>(m->vaddr), m->size);
    }
  }
  return 0;
}

int SimVfioKernel::unmap_dma(Container& c, void* arg) {
  auto* u = static_cast<vfio_iommu_type1_dma_unmap*>(arg);
  if (u->argsz < sizeof *u) return -EINVAL;
  if (!c.iommu) return -EINVAL;
  const uint64_t start = u->iova;
  const uint64_t end = u->iova + u->size;
  // Type1 v2: a request that would split a mapping is refused whole.
  for (const auto& [iova, e] : c.maps) {
    const bool overlaps = iova < end && start < iova + e.size;
    if (overlaps && (iova < start || iova + e.size > end)) return -EINVAL;
  }
  uint64_t done = 0;
  for (auto it = c.maps.lower_bound(start); it != c.maps.end() && it->first < end;) {
    for (int gfd : c.groups) {
      for (const Member& f : members_of_group(groups_.at(gfd).number)) {
        (void)f.fn->dma().unmap(hal::Iova{it->first});
      }
    }
    done += it->second.size;
    it = c.maps.erase(it);
  }
  u->size = done;
  return 0;
}

}  // namespace sim_vfio
