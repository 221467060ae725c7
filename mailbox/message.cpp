#include "mailbox/message.hpp"

#include <algorithm>

namespace mbx {

std::string_view to_string(MsgId id) {
  switch (id) {
    case MsgId::kReset: return "VF_RESET";
    case MsgId::kSetMacAddr: return "SET_MAC_ADDR";
    case MsgId::kSetMulticast: return "SET_MULTICAST";
    case MsgId::kSetVlan: return "SET_VLAN";
    case MsgId::kSetLpe: return "SET_LPE";
    case MsgId::kSetMacvlan: return "SET_MACVLAN";
    case MsgId::kApiNegotiate: return "API_NEGOTIATE";
    case MsgId::kGetQueues: return "GET_QUEUES";
    case MsgId::kGetReta: return "GET_RETA";
    case MsgId::kGetRssKey: return "GET_RSS_KEY";
    case MsgId::kUpdateXcastMode: return "UPDATE_XCAST_MODE";
    case MsgId::kIpsecAdd: return "IPSEC_ADD";
    case MsgId::kIpsecDel: return "IPSEC_DEL";
    case MsgId::kGetLinkState: return "GET_LINK_STATE";
    case MsgId::kGetPfLinkState: return "GET_PF_LINK_STATE";
    case MsgId::kFeaturesNegotiate: return "FEATURES_NEGOTIATE";
    case MsgId::kPfControlMsg: return "PF_CONTROL_MSG";
  }
  return "UNKNOWN";
}

bool is_known(uint16_t id) { return to_string(static_cast<MsgId>(id)) != "UNKNOWN"; }

std::string_view to_string(Api api) {
  switch (api) {
    case Api::k10: return "1.0";
    case Api::k20: return "2.0";
    case Api::k11: return "1.1";
    case Api::k12: return "1.2";
    case Api::k13: return "1.3";
    case Api::k14: return "1.4";
    case Api::k15: return "1.5";
    case Api::k16: return "1.6";
    case Api::k17: return "1.7";
    case Api::kUnknown: break;
  }
  return "unknown";
}

int api_rank(Api api) {
  switch (api) {
    case Api::k10: return 10;
    case Api::k20: return 10;  // a Solaris dialect of 1.0: adds nothing 1.x handlers gate on
    case Api::k11: return 11;
    case Api::k12: return 12;
    case Api::k13: return 13;
    case Api::k14: return 14;
    case Api::k15: return 15;
    case Api::k16: return 16;
    case Api::k17: return 17;
    case Api::kUnknown: break;
  }
  return -1;
}

std::string_view to_string(XcastMode m) {
  switch (m) {
    case XcastMode::kNone: return "none";
    case XcastMode::kMulti: return "multi";
    case XcastMode::kAllMulti: return "allmulti";
    case XcastMode::kPromisc: return "promisc";
  }
  return "unknown";
}

Message Message::from(std::span<const uint32_t> words) {
  Message m;
  m.size = static_cast<uint8_t>(std::min(words.size(), kMaxWords));
  std::copy_n(words.begin(), m.size, m.w.begin());
  return m;
}

}  // namespace mbx
