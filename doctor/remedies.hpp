#pragma once
// Fixes that several checks give, worded once.

#include <string>
#include <string_view>

#include "doctor/host.hpp"

namespace doctor::remedies {

/// How to get an IOMMU translating DMA on this host: firmware switch and kernel parameter for
/// its CPU vendor, or a virtual IOMMU when the host is a VM.
std::string enable_iommu(const Host& h);

/// "remove X from the kernel command line (...) and reboot".
std::string remove_from_cmdline(std::string_view words);

/// Where kernel parameters are set on Debian.
inline constexpr std::string_view kCmdlineHowTo =
    "GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub";

inline constexpr std::string_view kRunAsRoot =
    "run sriov-doctor as root: sysfs shows other users only the first 64 bytes of config space";

}  // namespace doctor::remedies
