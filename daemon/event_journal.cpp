#include "daemon/event_journal.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "daemon/safe_text.hpp"

namespace simd {

std::string_view to_string(DaemonEvent e) {
  switch (e) {
    case DaemonEvent::kStarted:
      return "daemon-started";
    case DaemonEvent::kStopped:
      return "daemon-stopped";
    case DaemonEvent::kDmaFault:
      return "dma-fault";
    case DaemonEvent::kNumVfsChanged:
      return "numvfs-changed";
    case DaemonEvent::kRequestRefused:
      return "control-refused";
    case DaemonEvent::kCaptureStarted:
      return "capture-started";
    case DaemonEvent::kCaptureEnded:
      return "capture-ended";
    case DaemonEvent::kGuestUp:
      return "guest-up";
    case DaemonEvent::kGuestDown:
      return "guest-down";
    case DaemonEvent::kDataPathError:
      return "data-path-error";
    case DaemonEvent::kInternalError:
      return "internal-error";
  }
  return "unknown";
}

std::string format_wall(uint64_t time_ns) {
  const time_t secs = static_cast<time_t>(time_ns / 1'000'000'000);
  tm utc{};
  gmtime_r(&secs, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     (time_ns % 1'000'000'000) / 1000);
}

std::string format_line(const JournalEntry& e) {
  return fmt::format("{} seq={} vf={} code={} {}: {}", format_wall(e.time_ns), e.seq,
                     e.vf ? fmt::format("{}", *e.vf) : std::string("-"), e.code, e.name, e.reason);
}

namespace {

uint64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

std::expected<EventJournal, std::string> EventJournal::open(std::string log_path, size_t capacity,
                                                            uint64_t max_log_bytes) {
  ctl::UniqueFd fd;
  uint64_t size = 0;
  if (!log_path.empty()) {
    fd.reset(::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
    if (!fd.valid()) {
      return std::unexpected(fmt::format("event log {}: {}", log_path, std::strerror(errno)));
    }
    struct stat st {};
    if (fstat(fd.get(), &st) == 0) size = static_cast<uint64_t>(st.st_size);
  }
  return EventJournal(std::move(log_path), std::move(fd), capacity < 1 ? 1 : capacity,
                      max_log_bytes, size);
}

const JournalEntry& EventJournal::add(std::optional<unsigned> vf, uint16_t code,
                                      std::string_view name, std::string_view reason) {
  if (ring_.size() == capacity_) ring_.pop_front();
  JournalEntry& e = ring_.emplace_back();
  e.seq = next_seq_++;
  e.time_ns = realtime_ns();
  e.vf = vf;
  e.code = code;
  e.name = std::string(name);
  // One event is one line of valid UTF-8 without escape sequences, whatever a reason holds.
  e.reason = sanitize_text(reason, kMaxReasonBytes);
  // A file that could not be opened again after a rotation counts every line as refused.
  if (!path_.empty()) write_line(format_line(e) + "\n");
  return e;
}

bool EventJournal::write_all(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd_.get(), text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return false;
    log_bytes_ += static_cast<uint64_t>(n);
    text.remove_prefix(static_cast<size_t>(n));
    if (!text.empty()) torn_ = true;
  }
  torn_ = false;
  return true;
}

void EventJournal::write_line(const std::string& line) {
  if (log_bytes_ > 0 && log_bytes_ + line.size() > max_log_bytes_) rotate();
  if (!fd_.valid()) {
    ++write_errors_;
    return;
  }
  // One write per line, no fsync: this runs under the host lock, on the mailbox path. After a
  // line that went out in part, a newline first keeps the next one whole.
  if (torn_ && !write_all("\n")) {
    ++write_errors_;
    return;
  }
  if (!write_all(line)) ++write_errors_;
}

void EventJournal::rotate() {
  const std::string old = path_ + ".1";
  if (::rename(path_.c_str(), old.c_str()) != 0) {
    // The file stays bounded all the same: it starts again, losing its older lines.
    ++write_errors_;
    if (::ftruncate(fd_.get(), 0) == 0) log_bytes_ = 0;
    torn_ = false;
    return;
  }
  fd_.reset(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  log_bytes_ = 0;
  torn_ = false;
}

const JournalEntry& EventJournal::record(DaemonEvent code, std::optional<unsigned> vf,
                                         std::string reason) {
  return add(vf, static_cast<uint16_t>(code), to_string(code), reason);
}

void EventJournal::close_window(uint16_t code, Window& w, uint64_t now_ns) {
  if (now_ns - w.start_ns < kWindowNs) return;
  if (w.left_out > 0) {
    const auto c = static_cast<DaemonEvent>(code);
    add(std::nullopt, code, to_string(c),
        fmt::format("{} more {} event(s) left out: at most {} a second are recorded", w.left_out,
                    to_string(c), kBurstPerWindow));
  }
  w = Window{now_ns, 0, 0};
}

const JournalEntry* EventJournal::record_limited(DaemonEvent code, std::optional<unsigned> vf,
                                                 std::string reason, uint64_t now_ns) {
  const auto key = static_cast<uint16_t>(code);
  auto [it, fresh] = windows_.try_emplace(key, Window{now_ns, 0, 0});
  Window& w = it->second;
  if (!fresh) close_window(key, w, now_ns);
  if (w.recorded >= kBurstPerWindow) {
    ++w.left_out;
    ++suppressed_total_;
    return nullptr;
  }
  ++w.recorded;
  return &record(code, vf, std::move(reason));
}

void EventJournal::flush_suppressed(uint64_t now_ns) {
  for (auto& [code, w] : windows_) {
    if (w.left_out > 0) close_window(code, w, now_ns);
  }
}

const JournalEntry& EventJournal::record(const pf::Event& e) {
  std::optional<unsigned> vf;
  if (e.vf) vf = e.vf->value();
  return add(vf, static_cast<uint16_t>(e.code), pf::to_string(e.code), e.reason.view());
}

nlohmann::json EventJournal::list(uint64_t since, size_t max, size_t max_bytes) const {
  nlohmann::json events = nlohmann::json::array();
  const uint64_t first = ring_.empty() ? next_seq_ : ring_.front().seq;
  uint64_t next = std::max(since, first);
  size_t bytes = 0;
  for (size_t i = static_cast<size_t>(next - first); i < ring_.size() && events.size() < max; ++i) {
    const JournalEntry& e = ring_[i];
    nlohmann::json j = {{"seq", e.seq},
                        {"time_ns", e.time_ns},
                        {"wall", format_wall(e.time_ns)},
                        {"vf", e.vf ? nlohmann::json(*e.vf) : nlohmann::json(nullptr)},
                        {"code", e.code},
                        {"name", e.name},
                        {"reason", e.reason}};
    bytes += j.dump().size() + 1;
    if (bytes > max_bytes && !events.empty()) break;
    events.push_back(std::move(j));
    next = e.seq + 1;
  }
  return {{"events", std::move(events)}, {"next", next}, {"dropped", dropped()}};
}

const JournalEntry* EventJournal::find_last(uint16_t code, std::optional<unsigned> vf) const {
  for (auto it = ring_.rbegin(); it != ring_.rend(); ++it) {
    if (it->code == code && (!vf || it->vf == vf)) return &*it;
  }
  return nullptr;
}

}  // namespace simd
