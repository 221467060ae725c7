// The configuration calls the driver's user makes. Each validates its argument, remembers the
// setting for later bring-ups unless the PF refuses it, and sends it when the driver is up.

#include "vf_driver/vf_driver.hpp"

namespace vf {

namespace {

constexpr uint16_t kMaxVid = 4095;

std::unexpected<Error> invalid(std::string detail, Step step = Step::kRequest) {
  return std::unexpected(Error{ErrorCode::kInvalidArgument, std::move(detail), step});
}

std::unexpected<Error> not_supported(std::string detail, Step step = Step::kRequest) {
  return std::unexpected(Error{ErrorCode::kNotSupported, std::move(detail), step});
}

// A refused setting is not worth replaying; one that did not reach the PF is.
template <class T>
bool keep_setting(const std::expected<T, Error>& r) {
  return r.has_value() || r.error().code != ErrorCode::kRefused;
}

}  // namespace

std::expected<void, Error> VfDriver::ready_for_request() const {
  if (state_ != State::kUp) {
    return std::unexpected(Error{ErrorCode::kNotUp,
                                 fmt::format("driver is {}; kept for the next bring-up",
                                             to_string(state_)),
                                 Step::kRequest});
  }
  if (reset_needed_) {
    return std::unexpected(Error{ErrorCode::kNotUp,
                                 "a reset is pending (service() recovers); kept for it",
                                 Step::kRequest});
  }
  return {};
}

std::expected<void, Error> VfDriver::set_mac(hal::MacAddr mac) {
  if (!mac.is_valid_unicast()) {
    return invalid(fmt::format("{} is not a unicast MAC", mac), Step::kSetMac);
  }
  if (auto up = ready_for_request(); !up) {
    user_.mac = mac;
    return up;
  }
  auto r = send_set_mac(mac, Step::kSetMac);
  if (keep_setting(r)) user_.mac = mac;
  if (r) {
    mac_ = mac;
    mac_from_pf_ = false;
  }
  return r;
}

std::expected<void, Error> VfDriver::set_multicast(std::span<const hal::MacAddr> macs) {
  if (macs.size() > mbx::kMaxMulticast) {
    return invalid(fmt::format("{} multicast addresses, at most {}", macs.size(),
                               mbx::kMaxMulticast));
  }
  for (const hal::MacAddr& m : macs) {
    if (!m.is_multicast()) return invalid(fmt::format("{} is not a multicast MAC", m));
  }
  std::vector<hal::MacAddr> list(macs.begin(), macs.end());
  if (auto up = ready_for_request(); !up) {
    user_.multicast = std::move(list);
    return up;
  }
  auto r = send_multicast(list, Step::kRequest);
  if (keep_setting(r)) user_.multicast = std::move(list);
  return r;
}

std::expected<void, Error> VfDriver::add_vlan(uint16_t vid) {
  if (vid > kMaxVid) return invalid(fmt::format("VLAN {} > {}", vid, kMaxVid));
  if (auto up = ready_for_request(); !up) {
    user_.vlans.set(vid);
    return up;
  }
  auto r = send_vlan(true, vid, Step::kRequest);
  if (keep_setting(r)) user_.vlans.set(vid);
  return r;
}

std::expected<void, Error> VfDriver::remove_vlan(uint16_t vid) {
  if (vid > kMaxVid) return invalid(fmt::format("VLAN {} > {}", vid, kMaxVid));
  // Forgotten whatever the PF says: the user does not want it any more, and a VF_RESET drops
  // the VF's VLANs on the PF anyway.
  user_.vlans.reset(vid);
  if (auto up = ready_for_request(); !up) return up;
  return send_vlan(false, vid, Step::kRequest);
}

std::expected<void, Error> VfDriver::set_mtu(uint32_t mtu) {
  if (mtu < kMinMtu || mtu > kMaxMtu) {
    return invalid(fmt::format("MTU {} outside {}..{}", mtu, kMinMtu, kMaxMtu));
  }
  if (auto up = ready_for_request(); !up) {
    user_.mtu = mtu;
    return up;
  }
  // The 82599 PF refuses jumbo frames from an API 1.0 VF (spec 7, SET_LPE): say so here.
  if (mtu > kStdMtu && !mbx::api_at_least(api_, mbx::Api::k11)) {
    return not_supported(fmt::format("MTU {} needs API 1.1, negotiated {}", mtu, api_));
  }
  auto r = send_lpe(mtu, Step::kRequest);
  if (keep_setting(r)) user_.mtu = mtu;
  if (!r && r.error().code == ErrorCode::kRefused) {
    // An 82599 PF (Linux ixgbe_set_vf_lpe, ours alike) turns this VF's receive off (VFRE) when
    // it refuses a frame size. Ask again for the size it last took so receive comes back on.
    (void)send_lpe(user_.mtu.value_or(kStdMtu), Step::kRequest);
  }
  return r;
}

std::expected<mbx::XcastMode, Error> VfDriver::set_xcast(mbx::XcastMode mode) {
  if (static_cast<uint32_t>(mode) > static_cast<uint32_t>(mbx::XcastMode::kPromisc)) {
    return invalid(fmt::format("xcast mode {}", static_cast<uint32_t>(mode)));
  }
  if (auto up = ready_for_request(); !up) {
    user_.xcast = mode;
    return std::unexpected(up.error());
  }
  const mbx::Api need = mode == mbx::XcastMode::kPromisc ? mbx::Api::k13 : mbx::Api::k12;
  if (!mbx::api_at_least(api_, need)) {
    return not_supported(fmt::format("xcast {} needs API {}, negotiated {}", mode, need, api_));
  }
  auto r = send_xcast(mode, Step::kRequest);
  if (keep_setting(r)) user_.xcast = mode;
  if (r) note_xcast_applied(mode, *r);
  return r;
}

std::expected<bool, Error> VfDriver::get_link_state() {
  if (auto up = ready_for_request(); !up) return std::unexpected(up.error());
  if (!mbx::api_at_least(api_, mbx::Api::k12)) {
    return not_supported(fmt::format("GET_LINK_STATE needs API 1.2, negotiated {}", api_));
  }
  auto r = send_get_link_state(Step::kRequest);
  if (r) admin_link_ = *r;
  return r;
}

}  // namespace vf
