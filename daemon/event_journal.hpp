#pragma once
// The daemon's event journal: every PF driver event (its codes and names as they are) and the
// daemon's own (codes from 100), in a bounded ring that answers the "events" op by sequence
// number, and in an append-only log file, one line per event:
//   2026-11-25T18:00:00.123456Z seq=12 vf=3 code=23 admin-refused: VF 3: set MAC: ...
// docs/daemon.md ("Events") lists the codes with what each means and what to do.
//
// Everything in it is bounded: a reason is sanitised and cut to kMaxReasonBytes (whoever
// wrote it: a client's echoed name or a guest's words must not break the JSON of "events",
// nor put escape sequences on an operator's terminal), the ring holds `capacity` entries, the
// log file is rotated at a size (one old file, NAME.events.log.1, is kept), and events a
// client can cause at will go through record_limited().

#include <cstdint>
#include <deque>
#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "ctl/unique_fd.hpp"
#include "pf_driver/event_log.hpp"

namespace simd {

/// The daemon's own event codes. Stable numbers, append-only; 1..99 are the PF driver's
/// (pf::EventCode), so one number space covers both.
enum class DaemonEvent : uint16_t {
  kStarted = 100,         ///< the daemon is up and serving
  kStopped = 101,         ///< the daemon is shutting down
  kDmaFault = 102,        ///< the device stopped a queue on a DMA fault (function, queue, IOVA)
  kNumVfsChanged = 103,   ///< the operator changed the VF count (numvfs)
  kRequestRefused = 104,  ///< a control request was refused (errno and reason): "control-refused"
  kCaptureStarted = 105,  ///< a capture began (where, for whom)
  kCaptureEnded = 106,    ///< a capture ended (frames, dropped)
  kGuestUp = 107,         ///< a built-in guest's VF driver is up with its link up
  kGuestDown = 108,       ///< a built-in guest lost its link or its driver went down
  kDataPathError = 109,   ///< a guest's queues could not be set up (reason)
  kInternalError = 110,   ///< the daemon caught an exception (what, where); it keeps serving
};

std::string_view to_string(DaemonEvent e);

/// One journal entry, whoever recorded it.
struct JournalEntry {
  uint64_t seq = 0;      ///< 0-based, counts every entry ever recorded
  uint64_t time_ns = 0;  ///< CLOCK_REALTIME when the journal recorded it
  std::optional<unsigned> vf;
  uint16_t code = 0;
  std::string name;    ///< the code's stable name ("admin-refused", "dma-fault")
  std::string reason;  ///< sanitize_text()'d: valid UTF-8, no control characters, bounded
};

/// ISO 8601 UTC with microseconds: "2026-11-25T18:00:00.123456Z".
std::string format_wall(uint64_t time_ns);
/// The log file's line for `e`, without the newline.
std::string format_line(const JournalEntry& e);

/// Thread safety: none; the daemon serialises every call with its host lock.
class EventJournal {
 public:
  static constexpr size_t kDefaultCapacity = 4096;
  /// The log file's size at which it is rotated.
  static constexpr uint64_t kDefaultMaxLogBytes = 16 * 1024 * 1024;
  /// record_limited(): events of one code kept per window; the rest are counted.
  static constexpr unsigned kBurstPerWindow = 20;
  static constexpr uint64_t kWindowNs = 1'000'000'000;

  /// A journal holding `capacity` entries (at least 1), appending to `log_path` (created 0640
  /// when missing; "" keeps no file). A line that would take the file past `max_log_bytes`
  /// first renames it to `log_path` + ".1" (replacing the one before) and starts a new file.
  /// Errors: the file could not be opened (one line, errno).
  static std::expected<EventJournal, std::string> open(
      std::string log_path, size_t capacity = kDefaultCapacity,
      uint64_t max_log_bytes = kDefaultMaxLogBytes);

  /// Records a daemon event. `reason` is sanitised and cut (see above).
  const JournalEntry& record(DaemonEvent code, std::optional<unsigned> vf, std::string reason);
  /// Records a PF driver event with its own code and name.
  const JournalEntry& record(const pf::Event& e);
  /// As record(), for events a client can cause as often as it likes (control-refused): at
  /// most kBurstPerWindow of `code` per kWindowNs from the window's first; the others are
  /// counted, and the first call after the window (or flush_suppressed()) records one event of
  /// `code` saying how many were left out. `now_ns`: a monotonic clock. Returns the entry, or
  /// nullptr when this one was left out.
  const JournalEntry* record_limited(DaemonEvent code, std::optional<unsigned> vf,
                                     std::string reason, uint64_t now_ns);
  /// Records the "left out" events of the windows that have ended by `now_ns` (the daemon
  /// calls it from poll(), so the count shows up even when nothing else is refused).
  void flush_suppressed(uint64_t now_ns);

  /// What one "events" reply carries at most, so it fits one datagram with room to spare
  /// (a UNIX socket's default send buffer takes about 200 KiB).
  static constexpr size_t kMaxReplyBytes = 64 * 1024;

  /// {"events": [...], "next", "dropped"} for the "events" op: up to `max` held entries with
  /// seq >= `since`, oldest first, and no more than about `max_bytes` of JSON (at least one
  /// entry). "next" is the seq to ask for next.
  nlohmann::json list(uint64_t since, size_t max, size_t max_bytes = kMaxReplyBytes) const;
  /// The newest held entry with `code` (and `vf` when given), or nullptr.
  const JournalEntry* find_last(uint16_t code, std::optional<unsigned> vf = std::nullopt) const;

  uint64_t total() const { return next_seq_; }
  /// Entries lost to the bound.
  uint64_t dropped() const { return next_seq_ - ring_.size(); }
  /// Lines the log file refused (a full disk), wholly or in part, and failed rotations: the
  /// ring still has the events. "info" reports it as "event_log_errors".
  uint64_t write_errors() const { return write_errors_; }
  /// Events record_limited() left out so far.
  uint64_t suppressed() const { return suppressed_total_; }
  /// The current log file's size as the journal counts it.
  uint64_t log_bytes() const { return log_bytes_; }
  const std::string& path() const { return path_; }

 private:
  struct Window {
    uint64_t start_ns = 0;
    unsigned recorded = 0;
    uint64_t left_out = 0;
  };

  EventJournal(std::string path, ctl::UniqueFd fd, size_t capacity, uint64_t max_log_bytes,
               uint64_t log_bytes)
      : path_(std::move(path)),
        fd_(std::move(fd)),
        capacity_(capacity),
        max_log_bytes_(max_log_bytes),
        log_bytes_(log_bytes) {}
  const JournalEntry& add(std::optional<unsigned> vf, uint16_t code, std::string_view name,
                          std::string_view reason);
  /// Appends `line` (with its newline) to the file, rotating first when it is due.
  void write_line(const std::string& line);
  /// write() until all of `text` is written; false on an error (errno kept).
  bool write_all(std::string_view text);
  void rotate();
  /// Records `w`'s left-out count for `code` if its window has ended, and starts a new one.
  void close_window(uint16_t code, Window& w, uint64_t now_ns);

  std::string path_;
  ctl::UniqueFd fd_;
  size_t capacity_;
  uint64_t max_log_bytes_;
  uint64_t log_bytes_;
  /// A line was written in part: the next one starts with a newline, so no line is torn.
  bool torn_ = false;
  std::deque<JournalEntry> ring_;
  uint64_t next_seq_ = 0;
  uint64_t write_errors_ = 0;
  uint64_t suppressed_total_ = 0;
  std::map<uint16_t, Window> windows_;
};

}  // namespace simd
