#include "hal/vfio/container.hpp"

#include <fcntl.h>
#include <linux/vfio.h>

#include <cerrno>

#include <fmt/format.h>

#include "hal/vfio/sys_failure.hpp"

namespace hal::vfio {

std::expected<Container, OpenError> Container::open(SysOps& ops, const std::string& path,
                                                    bool noiommu, std::string_view subject) {
  const int fd = ops.open(path, O_RDWR);
  if (fd == -ENOENT) {
    return std::unexpected(OpenError{
        OpenFailure::kNoVfio, fmt::format("{}: /dev/vfio/vfio does not exist", subject),
        "modprobe vfio-pci (and add it to /etc/modules-load.d/ to load it at boot)"});
  }
  if (fd == -ENXIO || fd == -ENODEV) {
    // The node is there (a container's /dev bind-mounted in, or left by udev) but no driver
    // answers its major/minor: the vfio module is not loaded on this kernel.
    return std::unexpected(OpenError{
        OpenFailure::kNoVfio,
        fmt::format("{}: /dev/vfio/vfio exists but no driver answers it ({}): the vfio module "
                    "is not loaded",
                    subject, describe_errno(-fd)),
        "modprobe vfio-pci on the host (and add it to /etc/modules-load.d/ to load it at boot)"});
  }
  if (fd < 0) {
    return std::unexpected(sys_failure(subject, "open /dev/vfio/vfio", -fd, "/dev/vfio/vfio"));
  }
  Fd owned(ops, fd);

  const int version = ops.ioctl_int(fd, VFIO_GET_API_VERSION, 0);
  if (version != VFIO_API_VERSION) {
    return std::unexpected(OpenError{
        OpenFailure::kSystem,
        fmt::format("{}: VFIO_GET_API_VERSION returned {}, this build speaks version {}", subject,
                    version, VFIO_API_VERSION),
        "rebuild sriovkit against this kernel's <linux/vfio.h>"});
  }

  if (noiommu) {
    if (ops.ioctl_int(fd, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU) <= 0) {
      return std::unexpected(OpenError{
          OpenFailure::kNoIommu,
          fmt::format("{}: the group is a no-IOMMU group but the container does not offer "
                      "no-IOMMU mode",
                      subject),
          "enable the IOMMU (intel_iommu=on or amd_iommu=on, VT-d/AMD-Vi in firmware); "
          "no-IOMMU mode (echo Y > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode) "
          "serves register access only: sriovkit's drivers need an IOMMU for DMA"});
    }
    return Container(std::move(owned), VFIO_NOIOMMU_IOMMU, true);
  }
  // Type1v2 fixes type1's unmap semantics (partial unmaps refused); both serve x86 IOMMUs.
  for (const unsigned long type : {VFIO_TYPE1v2_IOMMU, VFIO_TYPE1_IOMMU}) {
    if (ops.ioctl_int(fd, VFIO_CHECK_EXTENSION, type) > 0) {
      return Container(std::move(owned), type, false);
    }
  }
  return std::unexpected(OpenError{
      OpenFailure::kNoIommu,
      fmt::format("{}: the VFIO container offers no type1 IOMMU model", subject),
      "modprobe vfio_iommu_type1, and enable the IOMMU (intel_iommu=on or amd_iommu=on on the "
      "kernel command line, VT-d/AMD-Vi in firmware)"});
}

std::expected<void, OpenError> Container::set_iommu(std::string_view subject) {
  const int rc = ops().ioctl_int(fd(), VFIO_SET_IOMMU, type_);
  if (rc == 0) return {};
  if (rc == -EPERM && !noiommu_) {
    // vfio_iommu_type1 refuses to attach a group whose IOMMU cannot isolate MSIs (no interrupt
    // remapping) unless told the host accepts that risk.
    return std::unexpected(OpenError{
        OpenFailure::kNoIommu,
        fmt::format("{}: VFIO_SET_IOMMU refused: {} (the IOMMU has no interrupt remapping)",
                    subject, describe_errno(EPERM)),
        "enable interrupt remapping (x2APIC/VT-d interrupt remapping in firmware), or accept "
        "the risk: echo 1 > /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts "
        "(the module is loaded already, so modprobe options do not reach it now), and to keep "
        "it across boots add \"options vfio_iommu_type1 allow_unsafe_interrupts=1\" to "
        "/etc/modprobe.d/vfio.conf; on a kernel whose container is iommufd's compatibility "
        "node the parameter is iommufd's: echo 1 > /sys/module/iommufd/parameters/"
        "allow_unsafe_interrupts"});
  }
  return std::unexpected(sys_failure(subject, "VFIO_SET_IOMMU", -rc, "/dev/vfio/vfio"));
}

int Container::map_dma(uint64_t iova, const void* vaddr, uint64_t size) {
  vfio_iommu_type1_dma_map m{};
  m.argsz = sizeof m;
  m.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
  m.vaddr = reinterpret_cast<uintptr_t>(vaddr);
  m.iova = iova;
  m.size = size;
  const int rc = ops().ioctl_ptr(fd(), VFIO_IOMMU_MAP_DMA, &m);
  return rc < 0 ? rc : 0;
}

int Container::unmap_dma(uint64_t iova, uint64_t size) {
  vfio_iommu_type1_dma_unmap u{};
  u.argsz = sizeof u;
  u.iova = iova;
  u.size = size;
  const int rc = ops().ioctl_ptr(fd(), VFIO_IOMMU_UNMAP_DMA, &u);
  if (rc < 0) return rc;
  // type1 answers a range it holds no map for with success and size 0.
  return u.size == size ? 0 : kNothingUnmapped;
}

}  // namespace hal::vfio
