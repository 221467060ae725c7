#pragma once
// What a ControlServer serves: the daemon's logic, behind an interface so the server (sockets,
// single instance, signals) and the host it controls are built and tested apart.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

namespace simd {

/// One connected client. Valid from the request that first names it until on_close() returns.
class Connection {
 public:
  virtual ~Connection() = default;
  /// Queues one datagram (whole netlink messages) to the client without blocking. False when
  /// the client is gone or its bounded queue is full: the datagram is dropped, and the caller
  /// counts it (a capture's "dropped N").
  virtual bool send(std::span<const std::byte> datagram) = 0;
  /// Unique for the server's life.
  virtual uint64_t id() const = 0;
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  /// One datagram from `c`, whole (it may hold several netlink messages). Answers through
  /// c.send(), now or later (a capture keeps sending). Never throws.
  virtual void on_request(Connection& c, std::span<const std::byte> datagram) = 0;
  /// `c` is closing: forget it (end its capture).
  virtual void on_close(Connection& c) = 0;
  /// Called on every turn of the server's loop: moves the host on (PF service, guests, device
  /// engine). Returns how much work it did; 0 lets the loop sleep up to idle_timeout().
  virtual size_t poll() = 0;
  /// Longest the loop may sleep after an idle poll(); the loop wakes earlier on a request.
  virtual std::chrono::milliseconds idle_timeout() const = 0;
};

}  // namespace simd
