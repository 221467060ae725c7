#pragma once
// What one sriovctl invocation asks for, fully checked: the parser (args.hpp) builds it from
// the command line before anything is opened, so a malformed command never reaches a PF.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "hal/types.hpp"
#include "netlink/ids.hpp"
#include "netlink/vf_change.hpp"

namespace sriovctl {

/// The options before the object word (`-j`, `-s`, `-p`), as `ip` takes them.
struct GlobalOptions {
  bool json = false;    ///< -j: JSON instead of text
  bool stats = false;   ///< -s: per-VF counters
  bool pretty = false;  ///< -p: indented JSON
  bool operator==(const GlobalOptions&) const = default;
};

/// `help`, `-h`, `--help`.
struct HelpCmd {
  bool operator==(const HelpCmd&) const = default;
};
/// `-V`, `--version`.
struct VersionCmd {
  bool operator==(const VersionCmd&) const = default;
};

/// `link show [dev PF]`. The PF is as typed (`sim:NAME` or `NAME`); target.hpp resolves it.
struct LinkShowCmd {
  std::optional<std::string> dev;
  bool operator==(const LinkShowCmd&) const = default;
};

/// `link set dev PF vf N SETTING... [vf N SETTING...]...`: one VfChange per `vf` group, in
/// the order typed, each VF at most once and each with at least one setting.
struct LinkSetCmd {
  std::string dev;
  std::vector<rtnl::VfChange> changes;
  bool operator==(const LinkSetCmd&) const = default;
};

/// `dev PF numvfs N`.
struct NumVfsCmd {
  std::string dev;
  unsigned numvfs = 0;
  bool operator==(const NumVfsCmd&) const = default;
};

/// `vf show dev PF vf N`.
struct VfShowCmd {
  std::string dev;
  rtnl::VfIndex vf{0};
  bool operator==(const VfShowCmd&) const = default;
};

/// `events [dev PF] [-f]`.
struct EventsCmd {
  std::optional<std::string> dev;
  bool follow = false;
  bool operator==(const EventsCmd&) const = default;
};

enum class CapturePoint : uint8_t { kVf, kWire };

/// `capture dev PF (vf N | wire) -w FILE [-c COUNT] [-s SNAPLEN]`.
struct CaptureCmd {
  std::string dev;
  CapturePoint point = CapturePoint::kWire;
  rtnl::VfIndex vf{0};  ///< meaningful for kVf only
  std::string file;     ///< "-" is standard output
  uint64_t count = 0;   ///< 0: until SIGINT
  uint32_t snaplen = 0;
  bool operator==(const CaptureCmd&) const = default;
};

/// `guest dev PF vf N mac MAC`.
struct GuestMacCmd {
  std::string dev;
  rtnl::VfIndex vf{0};
  hal::MacAddr mac;
  bool operator==(const GuestMacCmd&) const = default;
};

using Action = std::variant<HelpCmd, VersionCmd, LinkShowCmd, LinkSetCmd, NumVfsCmd, VfShowCmd,
                            EventsCmd, CaptureCmd, GuestMacCmd>;

struct Command {
  GlobalOptions options;
  Action action;
  bool operator==(const Command&) const = default;
};

/// Bounds the grammar enforces (documented in docs/sriovctl.md).
/// sriov_numvfs written by `dev PF numvfs`: PCIe's TotalVFs is 16 bits, and PFs with more than
/// 255 VFs exist (ice: 256). The PF refuses what it cannot have.
inline constexpr unsigned kMaxNumVfs = 65535;
inline constexpr unsigned kMaxVfIndex = kMaxNumVfs - 1;
inline constexpr unsigned kMaxVlanId = 4095;
inline constexpr unsigned kMaxQos = 7;
inline constexpr uint32_t kDefaultSnaplen = 65535;
inline constexpr uint32_t kMaxSnaplen = 262144;   ///< what tcpdump and Wireshark take as "all"
inline constexpr size_t kMaxLinkNameLength = 15;  ///< IFNAMSIZ - 1

}  // namespace sriovctl
