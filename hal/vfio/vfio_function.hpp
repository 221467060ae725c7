#pragma once
// The concrete VfioFunction: the RAII pieces of one open function, declared so that
// destruction undoes them in the order the kernel wants.

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "doctor/fs.hpp"
#include "hal/vfio/device.hpp"
#include "hal/vfio/discovery.hpp"
#include "hal/vfio/group_handle.hpp"
#include "hal/vfio/log_sink.hpp"
#include "hal/vfio/msix_vectors.hpp"
#include "hal/vfio/open.hpp"
#include "hal/vfio/req_channel.hpp"
#include "hal/vfio/vfio_bar.hpp"
#include "hal/vfio/vfio_config.hpp"
#include "hal/vfio/vfio_dma.hpp"

namespace hal::vfio {

class VfioFunctionImpl final : public VfioFunction {
 public:
  /// Takes a share of the group (its container and pages) and the device open_function()
  /// made; maps BAR0 (no device access beyond the mapping). `fs` reads the host's sysfs for
  /// vf_addresses() and set_sriov_num_vfs().
  VfioFunctionImpl(SysOps& ops, doctor::Fs fs, FunctionInfo info, LogSink log,
                   std::shared_ptr<GroupHandle> group, Device device);
  /// Member order, backwards: request channel released and MSI-X off (eventfds closed after),
  /// BAR0 unmapped, device fd closed (no more bus-mastering), DMA unmapped, the group share
  /// dropped (the last one takes the group out of its container and closes both).
  ~VfioFunctionImpl() override = default;

  /// Wires every MSI-X vector to an eventfd, then the device request channel. Errors: as
  /// MsixVectors::wire() and ReqChannel::wire().
  std::expected<void, OpenError> wire_interrupts();

  RegisterIo& bar0() override { return bar_; }
  ConfigSpace& config() override { return config_; }
  DmaDomain& dma() override { return dma_; }
  size_t num_vectors() const override { return vectors_ ? vectors_->size() : 0; }
  const EventFd& vector(size_t i) const override { return (*vectors_)[i]; }
  std::string name() const override { return "vfio:" + info_.bdf; }
  std::expected<void, Error> set_sriov_num_vfs(unsigned n) override;
  std::optional<OpenError> last_error() const override;
  bool release_requested() const override { return req_ && req_->requested(); }
  int release_request_fd() const override { return req_ ? req_->fd() : -1; }

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
  std::shared_ptr<GroupHandle> group_;
  VfioDma dma_;
  Device device_;
  VfioConfig config_;
  VfioBar bar_;
  std::optional<ReqChannel> req_;
  std::optional<MsixVectors> vectors_;
  mutable std::mutex error_mu_;
  std::optional<OpenError> last_error_;
};

}  // namespace hal::vfio
