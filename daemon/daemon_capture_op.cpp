// The capture op: a session on the device's frame tap, its frames sent as poll() runs.
#include <fmt/format.h>

#include <cerrno>

#include "daemon/json_fields.hpp"
#include "daemon/nl_reply.hpp"
#include "daemon/safe_text.hpp"
#include "daemon/sim_daemon.hpp"

namespace simd {

void SimDaemon::op_capture(Connection& c, const nlmsghdr& h, const nlohmann::json& req) {
  auto target = string_field(req, "target");
  if (!target) return refuse(c, h, EINVAL, "capture: " + target.error());
  CaptureSpec spec;
  if (*target == "wire") {
    spec.target.kind = CaptureTarget::Kind::kWire;
  } else if (*target == "vf") {
    auto vf = uint_field(req, "vf");
    if (!vf) return refuse(c, h, EINVAL, "capture: " + vf.error());
    if (*vf >= host_->pf().num_vfs()) {
      return refuse(c, h, EINVAL,
                    fmt::format("capture: no VF {} ({} enabled)", *vf, host_->pf().num_vfs()));
    }
    spec.target = {CaptureTarget::Kind::kVf, static_cast<unsigned>(*vf)};
  } else {
    return refuse(c, h, EINVAL,
                  fmt::format("capture: field 'target': {} is neither \"wire\" nor \"vf\"",
                              quote_input(*target)));
  }
  auto count = uint_field(req, "count");
  if (!count) return refuse(c, h, EINVAL, "capture: " + count.error());
  auto snaplen = uint_field(req, "snaplen", 65535, 65535);
  if (!snaplen || *snaplen == 0) {
    return refuse(c, h, EINVAL, "capture: field 'snaplen': not an integer in 1..65535");
  }
  spec.count = *count;
  spec.snaplen = static_cast<uint32_t>(*snaplen);
  if (captures_.has(c)) {
    // One capture per connection: frames of two would be told apart by seq alone, and a
    // client reading one capture does not expect another's DONE.
    return refuse(c, h, EBUSY,
                  "capture: this connection has a capture running (or its NLMSG_DONE still "
                  "pending); open another connection, or close this one to end it");
  }
  const std::string where = CaptureSet::describe(spec.target);
  if (!send_json(c, h, {{"interface", where}, {"linktype", 1}})) return;
  captures_.start(c, h, spec);
  update_tap();
  journal_.record(
      DaemonEvent::kCaptureStarted,
      spec.target.kind == CaptureTarget::Kind::kVf ? std::optional(spec.target.vf) : std::nullopt,
      fmt::format("capture on {} for client {} ({} frames, snaplen {})", where, c.id(),
                  spec.count == 0 ? std::string("unlimited") : fmt::format("{}", spec.count),
                  spec.snaplen));
}

}  // namespace simd
