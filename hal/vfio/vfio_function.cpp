#include "hal/vfio/vfio_function.hpp"

#include <fmt/format.h>

namespace hal::vfio {

VfioFunctionImpl::VfioFunctionImpl(SysOps& ops, doctor::Fs fs, FunctionInfo info, LogSink log,
                                   std::shared_ptr<GroupHandle> group, Device device)
    : ops_(&ops),
      fs_(std::move(fs)),
      info_(std::move(info)),
      log_(std::move(log)),
      group_(std::move(group)),
      dma_(group_->container(), group_->pages(), "vfio:" + info_.bdf, log_),
      device_(std::move(device)),
      config_(device_),
      bar_(device_, config_, "vfio:" + info_.bdf, log_) {}

std::expected<void, OpenError> VfioFunctionImpl::wire_interrupts() {
  auto v = MsixVectors::wire(device_, info_.bdf);
  if (!v) return std::unexpected(v.error());
  vectors_.emplace(std::move(*v));
  auto r = ReqChannel::wire(device_, info_.bdf);
  if (!r) return std::unexpected(r.error());
  req_.emplace(std::move(*r));
  return {};
}

std::expected<void, Error> VfioFunctionImpl::set_sriov_num_vfs(unsigned n) {
  // vfio-pci drops a user's writes to the SR-IOV capability: VFs come and go through sysfs,
  // where vfio-pci's sriov_configure (enable_sriov=1) lets the PCI core enable them.
  if (info_.is_vf) return std::unexpected(Error::kNoDevice);
  auto r = write_sriov_numvfs(*ops_, fs_, info_.bdf, n);
  if (!r) {
    log_line(log_, fmt::format("vfio:{}: sriov_numvfs = {} refused: {}", info_.bdf, n,
                               r.error().message()));
    std::lock_guard lock(error_mu_);
    last_error_ = std::move(r.error());
    return std::unexpected(Error::kSystem);
  }
  return {};
}

std::optional<OpenError> VfioFunctionImpl::last_error() const {
  std::lock_guard lock(error_mu_);
  return last_error_;
}

std::vector<std::string> VfioFunctionImpl::vf_addresses() const {
  if (info_.is_vf) return {};
  // Re-read each time: VFs come and go with sriov_numvfs, also by other hands.
  auto now = discover(fs_, info_.bdf);
  if (!now) return {};
  return now->virtfns;
}

}  // namespace hal::vfio
