// libFuzzer target: the PF driver's mailbox request path, fed by hostile VFs.
//
// Input: one setup byte (pf_mailbox_rig.hpp, namespace setup), then records until the input
// ends, each
//   u8  vf      bits 2:0 the VF (modulo the VFs enabled); bit 3 FLR the VF first; bit 4 do not
//               read the reply; bit 5 keep VFU held after ringing REQ; bit 6 no time passes
//               since the last record (a flood); bit 7 a second passes first
//   u8  count   words to write, modulo 17 (0 leaves the buffer's old words in place)
//   u32 words[count], little-endian
// For each record the VF writes its words through VFMBMEM and rings VFMAILBOX.REQ, and the PF
// runs one service pass; then the VF reads its reply and acks it, and the PF runs another pass.
// Records are 2 ms apart unless bit 6 or 7 says otherwise, which keeps a VF within the flood
// guard's rate until the input floods on purpose.
//
// Invariants (any violation aborts): the PF neither crashes nor holds a VF's buffer between
// passes; every request is answered exactly once (ACK or NACK, the reply naming the request's
// id) or counted as ignored. One the flood guard holds (unread, REQ pending) is served later:
// the record then lets the time of one token pass (max(1/rate, reset_period)) and runs passes
// until the PF reads it, and checks its answer as above. A request the VF kept locked is
// either held (unread, REQ pending, no event) or shows as a mailbox error (unless the VF's
// event budget left the error out of the log, which left_out() counts); a record adds a
// bounded number of events; no other VF's state changes, nor the target VF's administrator
// settings, except the link state the flood guard takes from a flooding VF (with its event).

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "fuzz/fuzz_input.hpp"
#include "fuzz/pf_mailbox_rig.hpp"
#include "fuzz/vf_info_compare.hpp"

namespace {

using fuzz::check;

namespace rec {
inline constexpr uint8_t kVfMask = 0x07;
inline constexpr uint8_t kFlr = 1u << 3;
inline constexpr uint8_t kSkipRead = 1u << 4;
inline constexpr uint8_t kKeepLock = 1u << 5;
inline constexpr uint8_t kNoTime = 1u << 6;
inline constexpr uint8_t kLongPause = 1u << 7;
}  // namespace rec

/// Passes a held request gets to be served once its token's time has passed: one is enough
/// (its buckets conform then); more would hide a guard that keeps holding it.
constexpr int kHeldServePasses = 2;

/// Enough for a flood to be reported and disabled (pf_mailbox_rig.cpp's policy); more add
/// nothing libFuzzer could not reach with fewer, and cost time.
constexpr unsigned kMaxRecords = 1024;
/// Events one record may cause on its VF: FLR, the request's own event(s), a reply not
/// delivered, a flood report; plus one flood report per flooding VF.
constexpr uint64_t kMaxEventsPerRecord = 6;

/// Whether an event with `code` about `vf` was recorded at or after sequence number `from`.
bool logged_since(const pf::EventLog& log, uint64_t from, pf::EventCode code, unsigned vf) {
  for (size_t i = 0; i < log.size(); ++i) {
    const pf::Event& e = log[i];
    if (e.seq >= from && e.code == code && e.vf && e.vf->value() == vf) return true;
  }
  return false;
}

/// Prints the events since `from` (context for a failure report).
void print_events(const pf::EventLog& log, uint64_t from) {
  for (size_t i = 0; i < log.size(); ++i) {
    const pf::Event& e = log[i];
    if (e.seq >= from) fmt::print(stderr, "  event {} {}: {}\n", e.seq, e.code, e.reason);
  }
}

/// The flood guard disabled or re-enabled `vf` since `from`: its link state may have moved.
bool guard_acted(const pf::EventLog& log, uint64_t from, unsigned vf) {
  return logged_since(log, from, pf::EventCode::kMailboxFloodDisabled, vf) ||
         logged_since(log, from, pf::EventCode::kMailboxFloodCleared, vf);
}

/// What one input has done so far.
struct Session {
  explicit Session(uint8_t setup) : rig(setup) {}
  fuzz::PfMailboxRig rig;
  /// VFs that have sent a record without time passing, or had a request held: they may be
  /// over the guard's rate (VF_RESETs 2 ms apart are over its reset rate), so reported or
  /// disabled by it.
  std::array<bool, fuzz::PfMailboxRig::kManyVfs> flooded{};
  unsigned flooders = 0;

  void mark_flooder(unsigned vf) {
    flooders += !flooded[vf];
    flooded[vf] = true;
  }
  /// VFs whose request the flood guard held when the current record began: any pass may serve
  /// it, so their own state may move during another VF's record.
  std::array<bool, fuzz::PfMailboxRig::kManyVfs> held{};
};

std::vector<pf::VfInfo> snapshot(fuzz::PfMailboxRig& rig) {
  std::vector<pf::VfInfo> v;
  v.reserve(rig.num_vfs());
  for (unsigned i = 0; i < rig.num_vfs(); ++i) v.push_back(rig.pf().vf_info(hal::VfId(i)));
  return v;
}

void check_others_unchanged(Session& s, const std::vector<pf::VfInfo>& before, unsigned target,
                            uint64_t seq) {
  const pf::EventLog& log = s.rig.pf().events();
  for (unsigned v = 0; v < s.rig.num_vfs(); ++v) {
    const pf::VfInfo now = s.rig.pf().vf_info(hal::VfId(v));
    // The guard runs for every VF in every pass: a flooder is disabled in whichever pass its
    // time runs out, and that is no other VF's doing.
    const bool guard = s.flooded[v] && guard_acted(log, seq, v);
    if (v == target) {
      check(fuzz::same_admin(before[v], now) ||
                (guard && fuzz::same_admin_but_link(before[v], now)),
            "VF {}'s administrator settings changed", v);
      check(!before[v].admin_mac || before[v].mac == now.mac, "VF {} changed its admin MAC", v);
    } else if (s.held[v]) {
      // Its own held request was served in this pass: only what it asked for may change.
      check(fuzz::same_admin(before[v], now) ||
                (guard_acted(log, seq, v) && fuzz::same_admin_but_link(before[v], now)),
            "VF {}'s administrator settings changed while VF {} was served", v, target);
    } else {
      // A ping the PF owed this VF (deferred while its mailbox was busy or a request held) may
      // go out in any pass.
      pf::VfInfo expected = before[v];
      if (expected.ping_pending && !now.ping_pending) {
        expected.ping_pending = false;
        expected.counters.pings = now.counters.pings;
      }
      check(fuzz::same_vf(expected, now) || guard,
            "VF {} changed by a message of VF {} (cts {}->{}, link {}->{}, ping {}->{}, messages "
            "{}->{}, acks {}->{}, nacks {}->{}, ignored {}->{})",
            v, target, before[v].clear_to_send, now.clear_to_send, before[v].link_enable,
            now.link_enable, before[v].ping_pending, now.ping_pending, before[v].counters.messages,
            now.counters.messages, before[v].counters.acks, now.counters.acks,
            before[v].counters.nacks, now.counters.nacks, before[v].counters.ignored,
            now.counters.ignored);
    }
  }
}

/// One record: post, serve, check the answer, read it, ack it, serve again.
void run_record(Session& s, uint8_t flags, std::span<const uint32_t> words) {
  fuzz::PfMailboxRig& rig = s.rig;
  const unsigned vf = (flags & rec::kVfMask) % rig.num_vfs();
  const bool keep_lock = flags & rec::kKeepLock;
  pf::PfDriver& pf = rig.pf();
  const pf::EventLog& log = pf.events();
  const std::vector<pf::VfInfo> before = snapshot(rig);
  for (unsigned v = 0; v < rig.num_vfs(); ++v) s.held[v] = rig.request_pending(v);
  const uint64_t seq = log.total();
  const uint64_t left_out = log.left_out();
  const fuzz::FailureContext context([&] {
    fmt::print(stderr, "record: VF {} flags {:#04x}, {} word(s), word 0 {:#010x}\n", vf, flags,
               words.size(), words.empty() ? 0u : words[0]);
    print_events(log, seq);
    const pf::VfInfo i = pf.vf_info(hal::VfId(vf));
    fmt::print(stderr, "VF {}: cts {} link {} messages {} acks {} nacks {} ignored {} flrs {}\n", vf,
               i.clear_to_send, i.link_enable, i.counters.messages, i.counters.acks,
               i.counters.nacks, i.counters.ignored, i.counters.flrs);
  });

  if (flags & rec::kFlr) rig.vf(vf).flr();
  check(rig.vf(vf).take_lock(), "the PF holds VF {}'s buffer between service passes", vf);
  rig.vf(vf).post(words, keep_lock);
  if (flags & rec::kNoTime) {
    s.mark_flooder(vf);
  } else {
    rig.tick((flags & rec::kLongPause) ? 1000 : 2);
  }
  pf.service_once();
  if (keep_lock) rig.vf(vf).release();

  const pf::VfCounters& b = before[vf].counters;
  pf::VfCounters a = pf.vf_info(hal::VfId(vf)).counters;
  const auto nothing_read = [&] {
    return a.messages == b.messages && a.acks == b.acks && a.nacks == b.nacks &&
           a.ignored == b.ignored;
  };
  // The flood guard held the request over the rate: nothing read, REQ still pending.
  const bool held = nothing_read() && rig.request_pending(vf);
  if (held) s.mark_flooder(vf);
  // An FLR runs first in the pass and forces VFU free (RVFU), so only a lock kept without one
  // keeps the PF out.
  const bool locked_out = keep_lock && !(flags & rec::kFlr);
  bool served_later = false;
  if (held && !locked_out && !(flags & rec::kFlr)) {
    // Held, not forgotten: once its token's time has passed, the next pass serves it.
    const pf::MailboxFloodPolicy& p = rig.policy();
    const hal::Nanos token = hal::Nanos(std::chrono::seconds(1)) /
                             std::max(p.rate_per_s, pf::MailboxFloodPolicy::kMinRatePerS);
    const hal::Nanos wait =
        std::max(token, std::min(p.reset_period, pf::MailboxFloodPolicy::kMaxResetPeriod));
    for (int i = 0; i < kHeldServePasses && rig.request_pending(vf); ++i) {
      rig.advance(wait);
      pf.service_once();
    }
    check(!rig.request_pending(vf), "VF {}'s held request was not served {} ms later", vf,
          std::chrono::duration_cast<std::chrono::milliseconds>(wait).count() *
              kHeldServePasses);
    a = pf.vf_info(hal::VfId(vf)).counters;
    served_later = true;
  }
  const uint64_t reads = a.messages - b.messages;
  const uint64_t answered = (a.acks - b.acks) + (a.nacks - b.nacks);
  const uint64_t ignored = a.ignored - b.ignored;
  if (locked_out) {
    check(reads == 0 && answered == 0 && ignored == 0,
          "VF {} kept its lock, yet the PF read {} and answered {}", vf, reads, answered);
    // Held by the guard (unread, REQ pending: served once the VF lets go and its token is
    // there), or the PF tried to read it and logged why not; the PF's per-VF event budget may
    // leave that error out (counted in left_out()).
    check(held || logged_since(log, seq, pf::EventCode::kMailboxError, vf) ||
              log.left_out() > left_out,
          "VF {}'s unread request left no mailbox error", vf);
  } else {
    // After an FLR a held request is left to later records (a later pass serves it).
    const bool still_held = held && !served_later;
    check(still_held || reads == 1, "VF {}'s request read {} times", vf, reads);
    check(still_held || answered + ignored == 1, "VF {}'s request answered {} times, ignored {}",
          vf, answered, ignored);
  }
  const uint16_t id = words.empty() ? 0 : mbx::word0::id(words[0]);
  // A reply not delivered is a mailbox error, possibly left out of the log by its budget.
  if (answered == 1 && !(flags & rec::kSkipRead) &&
      !logged_since(log, seq, pf::EventCode::kMailboxError, vf) && log.left_out() == left_out) {
    // words.empty(): the PF read whatever the buffer held, which this rig does not track.
    const auto reply = rig.vf(vf).read_reply();
    check(reply.has_value(), "VF {} answered but no reply in its mailbox", vf);
    check(reply->is_ack() != reply->is_nack(), "reply {:#010x} to VF {} is not ACK xor NACK",
          reply->w[0], vf);
    check(words.empty() || reply->id() == id, "reply {:#010x} to VF {} names another request {:#06x}",
          reply->w[0], vf, id);
    // The VF's ACK: a VF that is not clear to send gets a bare NACK for it, nothing else.
    const pf::VfCounters c = pf.vf_info(hal::VfId(vf)).counters;
    pf.service_once();
    const pf::VfInfo now = pf.vf_info(hal::VfId(vf));
    check(now.counters.messages == c.messages && now.counters.acks == c.acks,
          "VF {}'s ACK was taken for a request", vf);
    check(now.counters.nacks - c.nacks <= (now.clear_to_send ? 0u : 1u),
          "VF {}'s ACK drew {} NACKs", vf, now.counters.nacks - c.nacks);
  }
  // Serving a held request later is a second round: its own events, and the flood reports
  // the time it let pass may bring.
  const uint64_t rounds = served_later ? 2 : 1;
  check(log.total() - seq <= rounds * (kMaxEventsPerRecord + 2 * s.flooders),
        "one request of VF {} logged {} events", vf, log.total() - seq);
  check(log.size() <= log.capacity(), "event log past its capacity");
  check_others_unchanged(s, before, vf, seq);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  Session s(in.u8());
  std::array<uint32_t, mbx::kMaxWords> words{};
  for (unsigned r = 0; r < kMaxRecords && !in.empty(); ++r) {
    const uint8_t flags = in.u8();
    const size_t n = in.u8() % (mbx::kMaxWords + 1);
    for (size_t i = 0; i < n; ++i) words[i] = in.u32();
    run_record(s, flags, std::span<const uint32_t>(words.data(), n));
  }
  return 0;
}
