#pragma once
// What carries rtnetlink messages between sriovctl and whoever answers them: the kernel over
// NETLINK_ROUTE (KernelSocket), or sriovctl's daemon over its UNIX socket. exchange() and the
// link operations run unchanged over either.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>
#include <vector>

#include "netlink/error.hpp"

namespace rtnl {

/// Not thread-safe: one exchange at a time, and one reader per socket (receive() peeks a
/// datagram, then reads it).
class Transport {
 public:
  virtual ~Transport() = default;

  /// Sends one whole request. Errors: kSystem, kClosed.
  virtual std::expected<void, Error> send(std::span<const std::byte> request) = 0;
  /// Waits for the next datagram from the peer and stores all of it at the start of `buffer`,
  /// growing it as needed (never truncating); returns its length. A datagram holds one or
  /// more whole netlink messages. Errors: kTimeout, kOverrun, kTruncated, kSystem, kClosed.
  virtual std::expected<size_t, Error> receive(std::vector<std::byte>& buffer) = 0;
  /// Who answers ("kernel", "daemon"), for error messages.
  virtual std::string_view peer_name() const = 0;

  /// The sequence number for the next request; replies carry it back.
  uint32_t next_seq() { return ++seq_; }

 protected:
  Transport() = default;
  Transport(const Transport&) = default;
  Transport(Transport&&) = default;
  Transport& operator=(const Transport&) = default;
  Transport& operator=(Transport&&) = default;

 private:
  uint32_t seq_ = 0;
};

}  // namespace rtnl
