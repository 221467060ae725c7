#pragma once
// The concrete VfioFunction: the RAII pieces of one open function, in the order they were
// made, so destruction undoes them in reverse.

#include <memory>
#include <optional>
#include <string>

#include "doctor/fs.hpp"
#include "hal/vfio/container.hpp"
#include "hal/vfio/device.hpp"
#include "hal/vfio/discovery.hpp"
#include "hal/vfio/group.hpp"
#include "hal/vfio/log_sink.hpp"
#include "hal/vfio/msix_vectors.hpp"
#include "hal/vfio/open.hpp"
#include "hal/vfio/vfio_bar.hpp"
#include "hal/vfio/vfio_config.hpp"
#include "hal/vfio/vfio_dma.hpp"

namespace hal::vfio {

class VfioFunctionImpl final : public VfioFunction {
 public:
  /// Takes the container, group and device open_function() made; maps BAR0 (no device access
  /// beyond the mapping). `fs` reads the host's sysfs for vf_addresses() and
  /// set_sriov_num_vfs().
  VfioFunctionImpl(SysOps& ops, doctor::Fs fs, FunctionInfo info, LogSink log,
                   Container container, Group group, Device device);
  /// DMA unmapped, MSI-X off and eventfds closed, BAR0 unmapped, device fd closed, group out
  /// of the container and closed, container closed: member order.
  ~VfioFunctionImpl() override = default;

  /// Wires every MSI-X vector to an eventfd. Errors: as MsixVectors::wire().
  std::expected<void, OpenError> wire_vectors();

  RegisterIo& bar0() override { return bar_; }
  ConfigSpace& config() override { return config_; }
  DmaDomain& dma() override { return dma_; }
  size_t num_vectors() const override { return vectors_ ? vectors_->size() : 0; }
  const EventFd& vector(size_t i) const override { return (*vectors_)[i]; }
  std::string name() const override { return "vfio:" + info_.bdf; }
  std::expected<void, Error> set_sriov_num_vfs(unsigned n) override;

  Role role() const override { return info_.is_vf ? Role::kVf : Role::kPf; }
  const std::string& bdf() const override { return info_.bdf; }
  bool gone() const override { return bar_.gone(); }
  std::vector<std::string> vf_addresses() const override;

  /// For tests: whether BAR0 is mapped (false: pread/pwrite).
  bool bar0_mapped() const { return bar_.mapped(); }

 private:
  SysOps* ops_;
  doctor::Fs fs_;
  FunctionInfo info_;
  LogSink log_;
  // Declaration order is construction order; destruction runs it backwards.
  Container container_;
  Group group_;
  Device device_;
  VfioConfig config_;
  VfioBar bar_;
  std::optional<MsixVectors> vectors_;
  VfioDma dma_;
};

}  // namespace hal::vfio
