#include "daemon/capture.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "daemon/nl_reply.hpp"

namespace simd {

ctl::FrameDirection direction_of(sim::TapPoint point) {
  switch (point) {
    case sim::TapPoint::kPoolRx:
    case sim::TapPoint::kWireRx:
      return ctl::FrameDirection::kInbound;
    case sim::TapPoint::kPoolTx:
    case sim::TapPoint::kWireTx:
      return ctl::FrameDirection::kOutbound;
  }
  return ctl::FrameDirection::kInbound;
}

std::string CaptureSet::describe(const CaptureTarget& t) {
  if (t.kind == CaptureTarget::Kind::kWire) return "wire";
  return fmt::format("VF {} (pool {})", t.vf, t.vf);
}

namespace {

bool matches(const CaptureTarget& t, const sim::TapFrame& f) {
  switch (f.point) {
    case sim::TapPoint::kPoolTx:
    case sim::TapPoint::kPoolRx:
      return t.kind == CaptureTarget::Kind::kVf && f.pool == t.vf;
    case sim::TapPoint::kWireTx:
    case sim::TapPoint::kWireRx:
      return t.kind == CaptureTarget::Kind::kWire;
  }
  return false;
}

uint64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

bool CaptureSet::start(Connection& c, const nlmsghdr& request, const CaptureSpec& spec) {
  if (has(c)) return false;
  auto s = std::make_unique<Session>();
  s->conn = &c;
  s->request = request;
  s->spec = spec;
  if (s->spec.snaplen == 0) s->spec.snaplen = 1;
  sessions_[c.id()] = std::move(s);
  return true;
}

bool CaptureSet::active() const {
  return std::any_of(sessions_.begin(), sessions_.end(),
                     [](const auto& kv) { return !kv.second->closing; });
}

void CaptureSet::on_frame(const sim::TapFrame& f) {
  if (sessions_.empty()) return;
  const uint64_t now = realtime_ns();
  for (auto& [id, s] : sessions_) {
    if (s->closing || !matches(s->spec.target, f)) continue;
    const size_t keep = std::min<size_t>(f.bytes.size(), s->spec.snaplen);
    const size_t cost = keep + sizeof(ctl::FrameRecord);
    if (s->queue.size() >= kMaxQueued || s->queued_bytes + cost > kMaxQueuedBytes) {
      ++s->dropped;
      ++s->handled;
      continue;
    }
    s->queue.push_back(Queued{now, static_cast<uint32_t>(f.bytes.size()), direction_of(f.point),
                              std::vector<std::byte>(f.bytes.begin(), f.bytes.begin() + keep)});
    s->queued_bytes += cost;
  }
}

bool CaptureSet::finish(Session& s, bool send_done_msg, CaptureSummary& summary) {
  summary = CaptureSummary{s.conn->id(), s.spec.target, s.sent, s.dropped};
  s.queue.clear();
  s.queued_bytes = 0;
  if (!send_done_msg) return true;
  s.closing = true;
  return retry_done(s);
}

bool CaptureSet::retry_done(Session& s) {
  ++s.done_tries;
  if (send_done(*s.conn, s.request, fmt::format("dropped {}", s.dropped))) return true;
  return s.done_tries > kDoneRetries;
}

size_t CaptureSet::flush(std::vector<CaptureSummary>& ended) {
  size_t handed = 0;
  std::vector<std::byte> payload;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    Session& s = *it->second;
    if (s.closing) {
      // Not counted as work: while the client does not read, the loop may sleep in between.
      it = retry_done(s) ? sessions_.erase(it) : std::next(it);
      continue;
    }
    const bool counted = s.spec.count != 0;
    while (!s.queue.empty() && (!counted || s.handled < s.spec.count)) {
      Queued& q = s.queue.front();
      ctl::FrameRecord rec{};
      rec.time_ns = q.time_ns;
      rec.orig_len = q.orig_len;
      rec.direction = static_cast<uint8_t>(q.dir);
      payload.resize(sizeof rec + q.bytes.size());
      std::memcpy(payload.data(), &rec, sizeof rec);
      std::memcpy(payload.data() + sizeof rec, q.bytes.data(), q.bytes.size());
      if (s.conn->send(raw_message(s.request, ctl::kMsgFrame, NLM_F_MULTI, payload))) {
        ++s.sent;
        ++handed;
      } else {
        ++s.dropped;
      }
      ++s.handled;
      s.queued_bytes -= q.bytes.size() + sizeof rec;
      s.queue.pop_front();
    }
    if (counted && s.handled >= s.spec.count) {
      CaptureSummary sum;
      const bool gone = finish(s, true, sum);
      ended.push_back(sum);
      it = gone ? sessions_.erase(it) : std::next(it);
    } else {
      ++it;
    }
  }
  return handed;
}

std::optional<CaptureSummary> CaptureSet::stop(const Connection& c) {
  auto it = sessions_.find(c.id());
  if (it == sessions_.end()) return std::nullopt;
  // The client is gone: nothing to send it. A closing session was summed up when it ended.
  const bool was_closing = it->second->closing;
  CaptureSummary sum;
  finish(*it->second, false, sum);
  sessions_.erase(it);
  if (was_closing) return std::nullopt;
  return sum;
}

std::vector<CaptureSummary> CaptureSet::stop_if(const std::function<bool(const Session&)>& pred) {
  std::vector<CaptureSummary> out;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (!it->second->closing && pred(*it->second)) {
      CaptureSummary sum;
      const bool gone = finish(*it->second, true, sum);
      out.push_back(sum);
      it = gone ? sessions_.erase(it) : std::next(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<CaptureSummary> CaptureSet::stop_vf_sessions() {
  return stop_if([](const Session& s) { return s.spec.target.kind == CaptureTarget::Kind::kVf; });
}

std::vector<CaptureSummary> CaptureSet::stop_all() {
  return stop_if([](const Session&) { return true; });
}

}  // namespace simd
