#pragma once
// Packet captures for the "capture" op: each session watches one point of the simulated
// device (a VF's pool, or the wire) through the device's frame tap, and its frames go to the
// client that asked, as ctl::kMsgFrame messages (ctl/protocol.hpp).
//
// The tap runs inside the engine's pass (under the device lock): it only copies matching frames
// into a queue per session, bounded in frames and in bytes. flush(), called from the daemon's
// poll(), sends them. A frame that finds its session's queue full, or that the client's
// connection refuses, counts as dropped; NLMSG_DONE's text gives the total ("dropped N").
//
// A session that ends while its client's connection is full (a slow reader) cannot hand over
// its NLMSG_DONE at once: it stays, closing, and every flush() tries the DONE again, up to
// kDoneRetries times, so a client never waits forever for a DONE that was lost.

#include <linux/netlink.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ctl/protocol.hpp"
#include "daemon/request_handler.hpp"
#include "hal/sim/frame_tap.hpp"

namespace simd {

/// Where a capture looks.
struct CaptureTarget {
  enum class Kind : uint8_t { kWire, kVf };
  Kind kind = Kind::kWire;
  unsigned vf = 0;  ///< the VF (its pool), for kVf
};

struct CaptureSpec {
  CaptureTarget target;
  uint64_t count = 0;        ///< frames to send, then NLMSG_DONE; 0 = until the client closes
  uint32_t snaplen = 65535;  ///< bytes kept of each frame (at least 1)
};

/// How a session ended, for the event journal.
struct CaptureSummary {
  uint64_t connection = 0;
  CaptureTarget target;
  uint64_t frames = 0;   ///< sent to the client
  uint64_t dropped = 0;  ///< lost to a full queue or a refusing connection
};

/// Thread safety: none. The daemon makes every call, on_frame() included (its poll() runs the
/// engine pass that calls the tap), under its host lock.
class CaptureSet {
 public:
  /// Frames a session holds between two flushes before it drops.
  static constexpr size_t kMaxQueued = 1024;
  /// Bytes a session holds between two flushes (captured bytes plus each FrameRecord) before
  /// it drops: 1024 frames of 64 KiB would be 64 MiB per client.
  static constexpr size_t kMaxQueuedBytes = 4 * 1024 * 1024;
  /// flush() calls that try a refused NLMSG_DONE again before the session is given up.
  static constexpr unsigned kDoneRetries = 1000;

  /// Whether connection `c` has a session (running, or closing with its DONE not yet sent).
  bool has(const Connection& c) const { return sessions_.contains(c.id()); }
  /// Starts a session for connection `c`, answering `request` (a copy of its header is kept:
  /// every frame and the NLMSG_DONE carry its seq). One session per connection: false, and
  /// nothing changes, when `c` has one (the daemon answers EBUSY).
  bool start(Connection& c, const nlmsghdr& request, const CaptureSpec& spec);
  /// Ends `c`'s session, if any (the client closed). Returns its summary.
  std::optional<CaptureSummary> stop(const Connection& c);
  /// Ends every session watching a VF (the VF count changed: pools are renumbered), each with
  /// its NLMSG_DONE (sent now, or retried by flush()). Returns their summaries.
  std::vector<CaptureSummary> stop_vf_sessions();
  /// Ends every session, each with its NLMSG_DONE (the daemon is stopping).
  std::vector<CaptureSummary> stop_all();

  /// The tap: copies `f` into every session watching its point. Never calls the device.
  void on_frame(const sim::TapFrame& f);
  /// Sends what the sessions queued; ends (NLMSG_DONE "dropped N") the sessions that reached
  /// their count; tries the NLMSG_DONE of closing sessions again. Returns frames and DONEs
  /// handed to connections; `ended` receives the sessions that reached their count.
  size_t flush(std::vector<CaptureSummary>& ended);

  /// Whether a session still wants frames (the tap is needed).
  bool active() const;
  /// Whether any session is left, closing ones included (flush() has work).
  bool busy() const { return !sessions_.empty(); }
  /// "VF 3 (pool 3)" or "wire", for the reply's "interface".
  static std::string describe(const CaptureTarget& t);

 private:
  struct Queued {
    uint64_t time_ns;
    uint32_t orig_len;
    ctl::FrameDirection dir;
    std::vector<std::byte> bytes;  ///< at most snaplen
  };
  struct Session {
    Connection* conn = nullptr;
    nlmsghdr request{};
    CaptureSpec spec;
    uint64_t handled = 0;  ///< frames sent or dropped, toward spec.count
    uint64_t sent = 0;
    uint64_t dropped = 0;
    std::deque<Queued> queue;
    size_t queued_bytes = 0;
    /// Ended; its NLMSG_DONE is still to be sent (`done_tries` attempts so far).
    bool closing = false;
    unsigned done_tries = 0;
  };

  /// Ends `s`: its summary. With `send_done`, sends the NLMSG_DONE, or marks `s` closing when
  /// the connection refuses it; returns whether `s` can be forgotten now.
  bool finish(Session& s, bool send_done, CaptureSummary& summary);
  /// Tries a closing session's DONE again; true when it is sent or given up.
  bool retry_done(Session& s);
  std::vector<CaptureSummary> stop_if(const std::function<bool(const Session&)>& pred);

  // Keyed by connection id.
  std::map<uint64_t, std::unique_ptr<Session>> sessions_;
};

/// The direction a capture reports for `point` (inbound: into a VF or from the wire).
ctl::FrameDirection direction_of(sim::TapPoint point);

}  // namespace simd
