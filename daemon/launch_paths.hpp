#pragma once
// File names on sriov-sim's command line made absolute before the daemon detaches: a detached
// daemon works from "/" (daemon/detach.hpp), so a relative --event-log or pcap file would
// otherwise land in, or be read from, the root directory.

#include <string>
#include <string_view>

namespace simd {

/// `path` made absolute against the current directory ("" stays ""; an absolute path is kept
/// as it is). Should the current directory be unreadable, `path` comes back unchanged and the
/// daemon reports the failure when it opens the file.
std::string absolute_path(std::string_view path);

/// `devargs` (harness::open_wire's "DRIVER,key=value,...") with the values that name files
/// made absolute: rx_pcap, tx_pcap and rx_tx_pcap (net_pcap), path (net_virtio_user) and
/// iface of net_vhost (its vhost-user socket). net_tap's iface is an interface name and
/// stays; net_memif's socket stays too (by default an abstract socket name, not a file), so
/// give it an absolute path yourself. Everything else is returned unchanged.
std::string absolute_wire_paths(std::string_view devargs);

}  // namespace simd
