#include "harness/rogue/message_fuzz.hpp"

namespace harness::rogue {

namespace {
using mbx::MsgId;
namespace w0 = mbx::word0;

constexpr std::array kKnownIds = {
    MsgId::kReset,        MsgId::kSetMacAddr,   MsgId::kSetMulticast,    MsgId::kSetVlan,
    MsgId::kSetLpe,       MsgId::kSetMacvlan,   MsgId::kApiNegotiate,    MsgId::kGetQueues,
    MsgId::kGetReta,      MsgId::kGetRssKey,    MsgId::kUpdateXcastMode, MsgId::kIpsecAdd,
    MsgId::kIpsecDel,     MsgId::kGetLinkState, MsgId::kGetPfLinkState,  MsgId::kFeaturesNegotiate,
    MsgId::kPfControlMsg,
};
constexpr uint32_t kMaxHashes = 30;  // what one SET_MULTICAST may carry (spec 4b)

uint32_t id_word(MsgId id, uint8_t info = 0) { return w0::make(static_cast<uint16_t>(id), info); }
}  // namespace

std::string_view to_string(Malice m) {
  switch (m) {
    case Malice::kRandomWords:
      return "random-words";
    case Malice::kKnownIdJunk:
      return "known-id-junk";
    case Malice::kUnknownId:
      return "unknown-id";
    case Malice::kBadCount:
      return "bad-count";
    case Malice::kMacvlanIndex:
      return "macvlan-index";
    case Malice::kReplyBits:
      return "reply-bits";
    case Malice::kRandomFields:
      return "random-fields";
  }
  return "unknown";
}

void MessageFuzzer::fill_random(FuzzMessage& m, unsigned from) {
  for (unsigned i = from; i < m.size; ++i) m.w[i] = word();
}

uint16_t MessageFuzzer::known_id() {
  return static_cast<uint16_t>(kKnownIds[below(kKnownIds.size())]);
}

FuzzMessage MessageFuzzer::next() { return next(static_cast<Malice>(below(kNumMalice))); }

FuzzMessage MessageFuzzer::next(Malice k) {
  FuzzMessage m;
  m.kind = k;
  m.size = static_cast<uint8_t>(1 + below(mbx::kMaxWords));
  switch (k) {
    case Malice::kRandomWords:
      fill_random(m, 0);
      break;
    case Malice::kKnownIdJunk:
      fill_random(m, 1);
      m.w[0] = w0::make(known_id(), static_cast<uint8_t>(word()));
      break;
    case Malice::kUnknownId: {
      uint16_t id = 0;
      do {
        id = static_cast<uint16_t>(word());
      } while (mbx::is_known(id));
      fill_random(m, 1);
      m.w[0] = w0::make(id, static_cast<uint8_t>(word()));
      break;
    }
    case Malice::kBadCount: {
      // Either more hashes than fit, or a count the words written do not hold.
      const bool too_many = below(2) == 0;
      const uint32_t count =
          too_many ? kMaxHashes + 1 + below(256 - kMaxHashes - 1) : 1 + below(kMaxHashes);
      m.size =
          static_cast<uint8_t>(too_many ? 1 + below(mbx::kMaxWords) : 1 + below((count + 1) / 2));
      fill_random(m, 1);
      m.w[0] = id_word(MsgId::kSetMulticast, static_cast<uint8_t>(count));
      break;
    }
    case Malice::kMacvlanIndex:
      m.size = 3;
      fill_random(m, 1);
      m.w[0] = id_word(MsgId::kSetMacvlan, static_cast<uint8_t>(word()));
      break;
    case Malice::kReplyBits: {
      const uint32_t bits[] = {w0::kAck,
                               w0::kNack,
                               w0::kCts,
                               w0::kAck | w0::kCts,
                               w0::kNack | w0::kCts,
                               w0::kAck | w0::kNack};
      fill_random(m, 1);
      m.w[0] = w0::make(known_id()) | bits[below(std::size(bits))];
      break;
    }
    case Malice::kRandomFields: {
      switch (below(5)) {
        case 0:  // any VID, add or remove; MSGINFO other than 0/1 too
          m.size = 2;
          m.w[0] = id_word(MsgId::kSetVlan, static_cast<uint8_t>(below(3)));
          m.w[1] = below(8192);
          break;
        case 1:  // any frame size
          m.size = 2;
          m.w[0] = id_word(MsgId::kSetLpe);
          m.w[1] = word() % 20000;
          break;
        case 2:  // any API enum
          m.size = 2;
          m.w[0] = id_word(MsgId::kApiNegotiate);
          m.w[1] = below(16);
          break;
        case 3:  // any xcast mode
          m.size = 2;
          m.w[0] = id_word(MsgId::kUpdateXcastMode);
          m.w[1] = below(8);
          break;
        default:  // any MAC
          m.size = 3;
          m.w[0] = id_word(MsgId::kSetMacAddr);
          m.w[1] = word();
          m.w[2] = word() & 0xFFFF;
          break;
      }
      break;
    }
  }
  return m;
}

}  // namespace harness::rogue
