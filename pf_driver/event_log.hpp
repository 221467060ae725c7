#pragma once
// The PF driver's event log: a bounded ring of what happened to the PF and its VFs, for
// operators (ip-link style tools), tests and the harness. Recording never allocates: the ring is
// sized once and reasons are formatted into a fixed buffer, so the mailbox path may log.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "hal/clock.hpp"
#include "hal/types.hpp"

namespace pf {

/// What an event is about. Stable numbers, append-only: tools store and compare them.
enum class EventCode : uint16_t {
  kPfInit = 1,              ///< init() finished: PF up, PFRSTD set
  kPfInitFailed = 2,        ///< init() or reset() gave up (reason says which step)
  kPfReset = 3,             ///< reset(): PF reset with VFs up completed
  kVfsEnabled = 4,          ///< set_num_vfs(n > 0)
  kVfsDisabled = 5,         ///< set_num_vfs(0)
  kVfFlr = 6,               ///< a VF function-level reset was seen and cleaned up
  kVfReset = 7,             ///< a VF_RESET request was processed
  kApiNegotiated = 8,       ///< API_NEGOTIATE accepted
  kRequestRefused = 9,      ///< a VF request was NACKed by policy or validation
  kPolicyRefused = 10,      ///< the policy hook refused a VF request
  kDecodeError = 11,        ///< a VF request did not decode (malformed)
  kUnknownMessage = 12,     ///< a VF sent an id this PF does not handle
  kNotClearToSend = 13,     ///< a VF request before its VF_RESET: NACK without CTS
  kApiTooOld = 14,          ///< a request that needs a newer negotiated API
  kXcastDowngraded = 15,    ///< an untrusted VF asked for more than MULTI and got MULTI
  kAdminMac = 16,           ///< set_vf_mac
  kAdminVlan = 17,          ///< set_vf_vlan (port VLAN)
  kAdminSpoofchk = 18,      ///< set_vf_spoofchk
  kAdminTrust = 19,         ///< set_vf_trust (the VF is forced to reset)
  kAdminLinkState = 20,     ///< set_vf_link_state (the VF is forced to reset)
  kAdminRate = 21,          ///< set_vf_rate
  kAdminRssQuery = 22,      ///< set_vf_rss_query
  kAdminRefused = 23,       ///< an administrative call was refused
  kMailboxError = 24,       ///< the mailbox transport failed (VF held the lock, device gone)
  kLinkChange = 25,         ///< the PF link went up or down; every VF is owed a ping
  kRateLimitsCleared = 26,  ///< the link speed changed, VF rate limits were disabled
  kMacInUse = 27,           ///< a VF's stored MAC was not re-programmed: another function has it
  kReplyBitsFromVf = 28,    ///< a VF request already carried ACK/NACK and was ignored
  kSpoofedFrames = 29,      ///< the switch dropped frames failing MAC/VLAN anti-spoof (SSVPC)
  kMailboxRateLimited = 30,    ///< requests over a VF's mailbox rate held (one per interval)
  kMailboxFloodDisabled = 31,  ///< a VF flooded its mailbox too long: disabled by the guard
  kMailboxFloodCleared = 32,   ///< a VF the flood guard disabled was re-enabled by the admin
  kVfEventsLeftOut = 33,       ///< events a VF's requests caused over its budget, counted
  kPfStopped = 34,             ///< stop(): VFs disabled, RX/TX off, laser off
  kHostMacAdd = 35,            ///< add_host_mac: a MAC is delivered to the default pool
  kHostMacDel = 36,            ///< remove_host_mac: a host MAC's delivery given back
  kMacAntispoofLifted = 37,    ///< a VF's MAC anti-spoof lifted: its entry delivers to the host
  kMacAntispoofRestored = 38,  ///< that lift ended: the spoofchk setting applies again
};

std::string_view to_string(EventCode c);

/// A short text in a fixed buffer: an event's reason. Longer text is truncated.
class ReasonText {
 public:
  static constexpr size_t kCapacity = 191;

  ReasonText() = default;
  /// Copies `text`, truncated to kCapacity characters.
  explicit ReasonText(std::string_view text) { assign(text); }
  void assign(std::string_view text);
  /// Formats into the buffer (truncating); never allocates.
  template <typename... Args>
  void format(fmt::format_string<Args...> f, Args&&... args) {
    const auto r = fmt::format_to_n(buf_.data(), kCapacity, f, std::forward<Args>(args)...);
    len_ = static_cast<uint8_t>(r.size < kCapacity ? r.size : kCapacity);
  }

  std::string_view view() const { return {buf_.data(), len_}; }
  operator std::string_view() const { return view(); }  // NOLINT: reads like a string
  bool empty() const { return len_ == 0; }
  bool contains(std::string_view s) const { return view().find(s) != std::string_view::npos; }
  friend bool operator==(const ReasonText& a, std::string_view b) { return a.view() == b; }

 private:
  std::array<char, kCapacity> buf_{};
  uint8_t len_ = 0;
};
static_assert(ReasonText::kCapacity <= 255, "length is kept in a uint8_t");

/// A MAC address formatted without allocating (hal::MacAddr's formatter builds a std::string).
struct MacFmt {
  const hal::MacAddr& mac;
};

/// One entry of the log.
struct Event {
  uint64_t seq = 0;             ///< 0-based, counts every event ever recorded
  hal::Nanos time{};            ///< the driver's clock when it was recorded
  std::optional<hal::VfId> vf;  ///< the VF concerned, if any
  EventCode code{};
  ReasonText reason;            ///< human text: what happened and why
};

/// A bounded ring of events, oldest overwritten first.
///
/// Thread safety: none. The PF driver records from its service thread; readers must be on the
/// same thread or serialised with it (the harness holds its PF lock).
class EventLog {
 public:
  using Listener = std::function<void(const Event&)>;

  /// A ring of `capacity` events (at least 1), allocated here once.
  explicit EventLog(size_t capacity);

  size_t capacity() const { return ring_.size(); }
  /// Events held now (<= capacity()).
  size_t size() const { return total_ < ring_.size() ? static_cast<size_t>(total_) : ring_.size(); }
  bool empty() const { return total_ == 0; }
  /// Events ever recorded, including the ones overwritten.
  uint64_t total() const { return total_; }
  /// Events lost to the bound.
  uint64_t dropped() const { return total_ - size(); }
  /// The i-th held event, 0 = oldest. Precondition: i < size().
  const Event& operator[](size_t i) const;
  /// The newest event, or nullptr when empty.
  const Event* latest() const { return empty() ? nullptr : &(*this)[size() - 1]; }
  /// How many held events have `code` (and concern `vf` when given).
  size_t count(EventCode code, std::optional<hal::VfId> vf = std::nullopt) const;
  /// The newest held event with `code` (and `vf` when given), or nullptr.
  const Event* find_last(EventCode code, std::optional<hal::VfId> vf = std::nullopt) const;

  /// Called after every new event, on the recording thread. Must not call back into the PF
  /// driver. Runs on the mailbox path: keep it cheap. Replaces any earlier listener.
  void set_listener(Listener fn) { listener_ = std::move(fn); }

  /// Decides, before an event is formatted, whether it is kept: false leaves it out (counted
  /// in left_out(), neither stored nor heard by the listener). A plain function and a context
  /// pointer, so checking costs no allocation. The PF driver's gate is its per-VF event budget
  /// (mailbox_guard.hpp), which goes by cause, not by code: it charges a VF only for events
  /// recorded while the PF serves that VF's own requests, so the VF cannot flood the log, and
  /// events about the administrator's actions, resets and links always pass.
  using Gate = bool (*)(void* ctx, hal::Nanos time, std::optional<hal::VfId> vf, EventCode code);
  /// Installs `gate` with `ctx` (nullptr gate: keep everything). Replaces any earlier gate.
  void set_gate(Gate gate, void* ctx) {
    gate_ = gate;
    gate_ctx_ = ctx;
  }
  bool has_gate(Gate gate, const void* ctx) const { return gate_ == gate && gate_ctx_ == ctx; }
  /// Events the gate left out, ever.
  uint64_t left_out() const { return left_out_; }

  /// Records an event with a formatted reason. Never allocates (the listener might). An event
  /// the gate leaves out returns a scratch Event with an empty reason.
  template <typename... Args>
  const Event& record(hal::Nanos time, std::optional<hal::VfId> vf, EventCode code,
                      fmt::format_string<Args...> f, Args&&... args) {
    if (!admit(time, vf, code)) return left_out_event_;
    Event& e = next_slot(time, vf, code);
    e.reason.format(f, std::forward<Args>(args)...);
    return publish(e);
  }
  /// Records an event whose reason is already text.
  const Event& record_text(hal::Nanos time, std::optional<hal::VfId> vf, EventCode code,
                           std::string_view reason);

 private:
  bool admit(hal::Nanos time, std::optional<hal::VfId> vf, EventCode code);
  Event& next_slot(hal::Nanos time, std::optional<hal::VfId> vf, EventCode code);
  const Event& publish(const Event& e);

  std::vector<Event> ring_;
  uint64_t total_ = 0;
  Listener listener_;
  Gate gate_ = nullptr;
  void* gate_ctx_ = nullptr;
  uint64_t left_out_ = 0;
  Event left_out_event_;
};

}  // namespace pf

template <>
struct fmt::formatter<pf::EventCode> : fmt::formatter<std::string_view> {
  auto format(pf::EventCode c, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(pf::to_string(c), ctx);
  }
};
template <>
struct fmt::formatter<pf::ReasonText> : fmt::formatter<std::string_view> {
  auto format(const pf::ReasonText& t, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(t.view(), ctx);
  }
};
template <>
struct fmt::formatter<pf::MacFmt> {
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
  auto format(const pf::MacFmt& m, format_context& ctx) const {
    const auto& b = m.mac.bytes();
    return fmt::format_to(ctx.out(), "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1],
                          b[2], b[3], b[4], b[5]);
  }
};
