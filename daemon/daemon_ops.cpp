// sriovkit's own requests (ctl/protocol.hpp): info, numvfs, vf_show, events, guest_mac.
// capture: daemon_capture_op.cpp.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "ctl/protocol.hpp"
#include "daemon/errno_map.hpp"
#include "daemon/json_fields.hpp"
#include "daemon/nl_reply.hpp"
#include "daemon/safe_text.hpp"
#include "daemon/sim_daemon.hpp"
#include "hal/ixgbe/ids.hpp"

namespace simd {

void SimDaemon::handle_json(Connection& c, const nlmsghdr* h) {
  const auto* text = reinterpret_cast<const char*>(NLMSG_DATA(h));
  size_t len = h->nlmsg_len - NLMSG_HDRLEN;
  while (len > 0 && text[len - 1] == '\0') --len;  // a C client may send the terminator
  const nlohmann::json req = nlohmann::json::parse(text, text + len, nullptr, false);
  if (req.is_discarded() || !req.is_object()) {
    return refuse(c, *h, EINVAL, "request: not a JSON object");
  }
  auto op = string_field(req, "op");
  if (!op) return refuse(c, *h, EINVAL, "request: " + op.error());
  if (*op == ctl::kOpInfo) return op_info(c, *h);
  if (*op == ctl::kOpNumVfs) return op_numvfs(c, *h, req);
  if (*op == ctl::kOpVfShow) return op_vf_show(c, *h, req);
  if (*op == ctl::kOpEvents) return op_events(c, *h, req);
  if (*op == ctl::kOpCapture) return op_capture(c, *h, req);
  if (*op == ctl::kOpGuestMac) return op_guest_mac(c, *h, req);
  refuse(c, *h, EINVAL,
         fmt::format("request: unknown op {} (info, numvfs, vf_show, events, capture, "
                     "guest_mac)",
                     quote_input(*op)));
}

nlohmann::json SimDaemon::info_locked() const {
  return {{"name", opts_.name},
          {"pid", getpid()},
          {"ifindex", 1},
          {"num_vfs", host_->pf().num_vfs()},
          {"total_vfs", hal::ixgbe::kMaxVfsDriver},
          {"link_up", host_->pf().link_up()},
          {"wire", opts_.wire},
          {"version", kVersion},
          {"event_log", journal_.path()},
          {"event_log_errors", journal_.write_errors()}};
}

void SimDaemon::op_info(Connection& c, const nlmsghdr& h) { send_json(c, h, info_locked()); }

void SimDaemon::op_numvfs(Connection& c, const nlmsghdr& h, const nlohmann::json& req) {
  auto n = uint_field(req, "numvfs");
  if (!n) return refuse(c, h, EINVAL, "numvfs: " + n.error());
  const unsigned total = hal::ixgbe::kMaxVfsDriver;
  const unsigned now = host_->pf().num_vfs();
  // sysfs sriov_numvfs answers a count above sriov_totalvfs with ERANGE.
  if (*n > total) {
    return refuse(c, h, ERANGE, fmt::format("numvfs {}: above total_vfs ({})", *n, total));
  }
  if (*n == now) return (void)send_ack(c, h, 0);
  if (now != 0 && *n != 0) {
    return refuse(c, h, EBUSY,
                  fmt::format("numvfs {}: {} VFs are enabled; go through 0 (numvfs 0, then "
                              "numvfs {}), as sysfs sriov_numvfs wants",
                              *n, now, *n));
  }
  if (auto r = change_num_vfs(static_cast<unsigned>(*n)); !r) {
    return refuse(c, h, to_errno(r.error().code),
                  fmt::format("numvfs {}: {}", *n, r.error().reason));
  }
  send_ack(c, h, 0);
}

nlohmann::json SimDaemon::vf_locked(unsigned vf) {
  if (vf >= host_->pf().num_vfs()) return nullptr;
  GuestView g;
  if (vf < host_->num_guests()) g.guest = &host_->guest(vf);
  if (const GuestPath* p = guest_path(vf)) {
    g.ip = p->ip().to_string();
    g.announced = p->announced();
    const auto rc = p->counters();
    g.arp_replies = rc.arp_replies;
    g.echo_replies = rc.echo_replies;
  }
  return vf_detail(host_->pf(), host_->device(), hal::VfId{vf}, last_reset_[vf], g, stats_base_);
}

void SimDaemon::op_vf_show(Connection& c, const nlmsghdr& h, const nlohmann::json& req) {
  auto vf = uint_field(req, "vf");
  if (!vf) return refuse(c, h, EINVAL, "vf_show: " + vf.error());
  if (*vf >= host_->pf().num_vfs()) {
    return refuse(c, h, EINVAL,
                  fmt::format("vf_show: no VF {} ({} enabled)", *vf, host_->pf().num_vfs()));
  }
  send_json(c, h, vf_locked(static_cast<unsigned>(*vf)));
}

void SimDaemon::op_events(Connection& c, const nlmsghdr& h, const nlohmann::json& req) {
  auto since = uint_field(req, "since", 0);
  if (!since) return refuse(c, h, EINVAL, "events: " + since.error());
  auto max = uint_field(req, "max", 1000);
  if (!max) return refuse(c, h, EINVAL, "events: " + max.error());
  send_json(c, h, journal_.list(*since, static_cast<size_t>(*max)));
}

void SimDaemon::op_guest_mac(Connection& c, const nlmsghdr& h, const nlohmann::json& req) {
  auto vf = uint_field(req, "vf");
  if (!vf) return refuse(c, h, EINVAL, "guest_mac: " + vf.error());
  auto text = string_field(req, "mac");
  if (!text) return refuse(c, h, EINVAL, "guest_mac: " + text.error());
  const auto mac = hal::MacAddr::parse(*text);
  if (!mac) {
    return refuse(
        c, h, EINVAL,
        fmt::format("guest_mac: field 'mac': {} is not a MAC address", quote_input(*text)));
  }
  if (*vf >= host_->num_guests()) {
    return refuse(c, h, EINVAL,
                  fmt::format("guest_mac: no guest on VF {} ({} VFs)", *vf, host_->num_guests()));
  }
  const unsigned v = static_cast<unsigned>(*vf);
  const uint64_t events_before = host_->pf().events().total();
  auto r = host_->guest(v).driver().set_mac(*mac);
  if (r) return (void)send_ack(c, h, 0);
  switch (r.error().code) {
    case vf::ErrorCode::kRefused: {
      // The VF only hears NACK; the PF's event log says why.
      std::string why = "the PF refused SET_MAC_ADDR";
      const pf::EventLog& log = host_->pf().events();
      for (size_t i = log.size(); i-- > 0;) {
        const pf::Event& e = log[i];
        if (e.seq < events_before) break;
        if (e.vf && e.vf->value() == v &&
            (e.code == pf::EventCode::kRequestRefused || e.code == pf::EventCode::kPolicyRefused)) {
          why = std::string(e.reason.view());
          break;
        }
      }
      return refuse(c, h, EPERM, fmt::format("guest_mac vf {}: {}", v, why), v);
    }
    case vf::ErrorCode::kInvalidArgument:
      return refuse(c, h, EINVAL,
                    fmt::format("guest_mac vf {}: {} is not a unicast address", v, *mac), v);
    case vf::ErrorCode::kNotUp:
      return refuse(c, h, ENETDOWN,
                    fmt::format("guest_mac vf {}: the guest's driver is not up (it asks for the "
                                "MAC at its next bring-up)",
                                v),
                    v);
    default:
      return refuse(c, h, EIO, fmt::format("guest_mac vf {}: {}", v, vf::to_string(r.error())), v);
  }
}

}  // namespace simd
