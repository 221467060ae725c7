// The top-of-rack learning bridge: ports, MAC table, forwarding, link. Model: docs/tor-switch.md.
#include "harness/fabric/tor_switch.hpp"

#include <fmt/format.h>

namespace harness::fabric {

namespace tor_detail {

/// The shortest frame a MAC sends (64 bytes on the wire, less the FCS).
constexpr size_t kMinFrame = 60;
constexpr size_t kMacLen = 6;

/// A MAC's 48 bits as the table's key.
inline uint64_t mac_key(const uint8_t* p) {
  uint64_t k = 0;
  for (size_t i = 0; i < kMacLen; ++i) k = (k << 8) | p[i];
  return k;
}

/// The I/G bit: the first bit on the wire, the low bit of the first byte.
inline bool is_group(const uint8_t* mac) { return (mac[0] & 0x01) != 0; }

inline bool is_zero(const uint8_t* mac) {
  uint8_t any = 0;
  for (size_t i = 0; i < kMacLen; ++i) any |= mac[i];
  return any == 0;
}

}  // namespace tor_detail

struct TorSwitch::Port {
  std::string name;
  bool device = false;
  bool admin_up = true;
  /// A station's transmitter is always on; a device port's follows the device, and is dark
  /// until a device installs the port (set_wire() reports the laser).
  bool laser_on = true;
  std::deque<std::vector<uint8_t>> queue;
  /// Buffers of copies already taken or dropped, reused by enqueue(): at a million frames a
  /// second the rig should not allocate per frame. Never holds more than the queue ever did.
  std::vector<std::vector<uint8_t>> spare;
  TorPortCounters c;
  std::shared_ptr<DevicePort> wire;  ///< device ports: detached when the switch goes

  bool up() const { return admin_up && laser_on; }
};

/// The WirePort a device installs. Runs under its device's lock (WirePort's contract) and
/// calls only into the switch, never back into a device.
class TorSwitch::DevicePort final : public sim::WirePort {
 public:
  DevicePort(TorSwitch* sw, unsigned port) : sw_(sw), port_(port) {}

  void send(std::span<const uint8_t> frame) override {
    // A switch that is gone: the device's link went down with it (rx_signal()), so only a
    // frame of the pass that saw it go can get here, and the device counted it as sent.
    if (sw_ != nullptr) sw_->forward(port_, frame);
  }
  bool receive(std::vector<uint8_t>& frame) override {
    return sw_ != nullptr && sw_->dequeue(port_, frame);
  }
  bool carries_runts() const override { return true; }
  void set_tx_signal(bool on) override {
    if (sw_ == nullptr) return;
    Port& p = *sw_->ports_[port_];
    const bool before = p.up();
    p.laser_on = on;
    sw_->update_link(port_, before);
  }
  /// The switch's transmitter on this port is lit while the administrator has it up.
  bool rx_signal() const override { return sw_ != nullptr && sw_->ports_[port_]->admin_up; }

  void detach() { sw_ = nullptr; }

 private:
  TorSwitch* sw_;
  unsigned port_;
};

TorSwitch::TorSwitch(size_t queue_capacity) : capacity_(queue_capacity) {
  pad_.reserve(tor_detail::kMinFrame);
}

TorSwitch::~TorSwitch() {
  for (const auto& p : ports_) {
    if (p->wire) p->wire->detach();
  }
}

std::shared_ptr<sim::WirePort> TorSwitch::add_device_port(std::string name, unsigned& port) {
  port = static_cast<unsigned>(ports_.size());
  auto p = std::make_unique<Port>();
  p->name = std::move(name);
  p->device = true;
  p->laser_on = false;
  p->wire = std::make_shared<DevicePort>(this, port);
  auto wire = p->wire;
  ports_.push_back(std::move(p));
  return wire;
}

unsigned TorSwitch::add_station_port(std::string name) {
  auto p = std::make_unique<Port>();
  p->name = std::move(name);
  ports_.push_back(std::move(p));
  return static_cast<unsigned>(ports_.size() - 1);
}

TorSwitch::Port* TorSwitch::port_at(unsigned port) const {
  return port < ports_.size() ? ports_[port].get() : nullptr;
}

bool TorSwitch::inject(unsigned port, std::span<const uint8_t> frame) {
  const Port* p = port_at(port);
  if (p == nullptr || p->device) return false;
  if (frame.size() < tor_detail::kMinFrame) {
    pad_.assign(frame.begin(), frame.end());
    pad_.resize(tor_detail::kMinFrame, 0);
    forward(port, pad_);
  } else {
    forward(port, frame);
  }
  return true;
}

bool TorSwitch::take(unsigned port, std::vector<uint8_t>& frame) {
  const Port* p = port_at(port);
  return p != nullptr && !p->device && dequeue(port, frame);
}

void TorSwitch::forward(unsigned in_port, std::span<const uint8_t> frame) {
  Port& in = *ports_[in_port];
  ++c_.ingress;
  ++in.c.in;
  if (!in.up()) {
    ++c_.ingress_down;
    ++in.c.dropped;
    return;
  }
  // Stations' frames are padded (inject()), so a short one comes from a device whose
  // software cleared TXPADEN; a switch's MAC discards it as the 82599's MAC does.
  if (frame.size() < tor_detail::kMinFrame || frame.size() > sim::kMaxWireFrame) {
    ++(frame.size() < tor_detail::kMinFrame ? c_.runts : c_.oversize);
    ++in.c.dropped;
    return;
  }
  const uint8_t* dst = frame.data();
  const uint8_t* src = frame.data() + tor_detail::kMacLen;
  if (!tor_detail::is_group(src) && !tor_detail::is_zero(src)) learn(tor_detail::mac_key(src), in_port);

  if (!tor_detail::is_group(dst)) {
    const auto it = table_.find(tor_detail::mac_key(dst));
    if (it != table_.end()) {
      if (it->second == in_port) {
        ++c_.filtered;
      } else {
        enqueue(it->second, frame);
      }
      return;
    }
  }
  // Unknown unicast, broadcast, multicast: every other port that is up.
  uint64_t copies = 0;
  for (unsigned out = 0; out < ports_.size(); ++out) {
    if (out == in_port || !ports_[out]->up()) continue;
    enqueue(out, frame);
    ++copies;
  }
  if (copies == 0) {
    ++c_.no_egress;
  } else {
    c_.extra_copies += copies - 1;
  }
}

void TorSwitch::learn(uint64_t src, unsigned in_port) {
  const auto [it, added] = table_.try_emplace(src, in_port);
  if (!added && it->second != in_port) {
    it->second = in_port;
    ++c_.moved_macs;
  }
}

void TorSwitch::enqueue(unsigned out_port, std::span<const uint8_t> frame) {
  Port& out = *ports_[out_port];
  // Only a unicast copy gets here for a port that is down (flooding skips those), and only if
  // its entry outlived the link, which port_went_down() does not let happen.
  if (!out.up()) {
    ++c_.egress_down;
    ++out.c.dropped;
    return;
  }
  if (out.queue.size() >= capacity_) {
    ++c_.egress_full;
    ++out.c.dropped;
    return;
  }
  std::vector<uint8_t> buf;
  if (!out.spare.empty()) {
    buf = std::move(out.spare.back());
    out.spare.pop_back();
  }
  buf.assign(frame.begin(), frame.end());
  out.queue.push_back(std::move(buf));
}

bool TorSwitch::dequeue(unsigned port, std::vector<uint8_t>& frame) {
  Port& p = *ports_[port];
  if (p.queue.empty()) return false;
  // Copied, not swapped: the caller's buffer keeps its capacity (the engine reserves one for
  // the longest frame), and ours goes back to the spares.
  frame.assign(p.queue.front().begin(), p.queue.front().end());
  p.spare.push_back(std::move(p.queue.front()));
  p.queue.pop_front();
  ++p.c.out;
  ++c_.delivered;
  return true;
}

bool TorSwitch::set_link(unsigned port, bool up) {
  Port* p = port_at(port);
  if (p == nullptr) return false;
  const bool before = p->up();
  p->admin_up = up;
  update_link(port, before);
  return true;
}

void TorSwitch::update_link(unsigned port, bool before) {
  if (before && !ports_[port]->up()) port_went_down(port);
}

void TorSwitch::port_went_down(unsigned port) {
  // The entries go at once, so the next frame to one of these MACs floods and reaches the
  // MAC wherever it is now (a team's backup NIC) instead of a dead port.
  for (auto it = table_.begin(); it != table_.end();) {
    if (it->second == port) {
      it = table_.erase(it);
      ++c_.flushed_macs;
    } else {
      ++it;
    }
  }
  Port& p = *ports_[port];
  c_.egress_down += p.queue.size();
  p.c.dropped += p.queue.size();
  for (auto& buf : p.queue) p.spare.push_back(std::move(buf));
  p.queue.clear();
}

bool TorSwitch::link_up(unsigned port) const {
  const Port* p = port_at(port);
  return p != nullptr && p->up();
}

bool TorSwitch::admin_up(unsigned port) const {
  const Port* p = port_at(port);
  return p != nullptr && p->admin_up;
}

int TorSwitch::learned_port(hal::MacAddr mac) const {
  const auto it = table_.find(tor_detail::mac_key(mac.bytes().data()));
  return it == table_.end() ? -1 : static_cast<int>(it->second);
}

size_t TorSwitch::queued(unsigned port) const {
  const Port* p = port_at(port);
  return p == nullptr ? 0 : p->queue.size();
}

size_t TorSwitch::queued() const {
  size_t n = 0;
  for (const auto& p : ports_) n += p->queue.size();
  return n;
}

const TorPortCounters& TorSwitch::port_counters(unsigned port) const {
  static const TorPortCounters kNone;
  const Port* p = port_at(port);
  return p == nullptr ? kNone : p->c;
}

const std::string& TorSwitch::port_name(unsigned port) const {
  static const std::string kNone;
  const Port* p = port_at(port);
  return p == nullptr ? kNone : p->name;
}

unsigned TorSwitch::num_ports() const { return static_cast<unsigned>(ports_.size()); }

std::string TorSwitch::check() const {
  std::string err;
  const uint64_t q = queued();
  if (c_.ingress + c_.extra_copies != c_.delivered + c_.dropped() + q) {
    err += fmt::format(
        "ingress {} + extra_copies {} != delivered {} + dropped {} (filtered {} no_egress {} "
        "egress_down {} egress_full {} ingress_down {} runts {} oversize {}) + queued {}; ",
        c_.ingress, c_.extra_copies, c_.delivered, c_.dropped(), c_.filtered, c_.no_egress,
        c_.egress_down, c_.egress_full, c_.ingress_down, c_.runts, c_.oversize, q);
  }
  TorPortCounters sum;
  for (const auto& p : ports_) {
    sum.in += p->c.in;
    sum.out += p->c.out;
    sum.dropped += p->c.dropped;
  }
  const uint64_t port_drops = c_.egress_down + c_.egress_full + c_.ingress_down + c_.runts + c_.oversize;
  if (sum.in != c_.ingress) err += fmt::format("ports' in {} != ingress {}; ", sum.in, c_.ingress);
  if (sum.out != c_.delivered) err += fmt::format("ports' out {} != delivered {}; ", sum.out, c_.delivered);
  if (sum.dropped != port_drops) {
    err += fmt::format("ports' dropped {} != egress_down + egress_full + ingress_down + runts + oversize {}; ",
                       sum.dropped, port_drops);
  }
  if (!err.empty()) err.resize(err.size() - 2);
  return err;
}

}  // namespace harness::fabric
