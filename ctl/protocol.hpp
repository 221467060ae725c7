#pragma once
// What sriovctl and a sriov-sim daemon say to each other over the daemon's control socket.
//
// The socket is a UNIX SOCK_SEQPACKET socket: one datagram per send, boundaries kept. Every
// datagram holds whole netlink messages (struct nlmsghdr framing, 4-byte aligned), so the
// rtnetlink link API (RTM_GETLINK, RTM_SETLINK, RTM_NEWLINK replies, NLMSG_ERROR acks with
// extended-ACK text, NLMSG_DONE) travels exactly as it does to the kernel, and
// rtnl::exchange()/get_link()/dump_links()/set_vf() run unchanged over it.
//
// What rtnetlink has no message for (sysfs's sriov_numvfs, the PF's event log, per-VF detail,
// packet capture, the built-in guests) goes as sriovkit's own messages, in a netlink type
// range rtnetlink does not use (its types end below 0x100):
//   kMsgRequest  request, NLM_F_REQUEST set; payload: one JSON object {"op": NAME, ...}
//   kMsgReply    the answer to a kMsgRequest; payload: one JSON object
//   kMsgFrame    one captured frame (FrameRecord, then the frame's bytes), NLM_F_MULTI
// A refused or malformed request is answered NLMSG_ERROR with a negative errno and the reason
// as NLMSGERR_ATTR_MSG text (rtnl::build_ack), exactly as rtnetlink refusals are.
// Every reply carries the request's nlmsg_seq.
//
// Operations (payload fields; every field named here is required unless marked optional):
//   "info"      {}  ->  kMsgReply {"name", "pid", "ifindex", "num_vfs", "total_vfs",
//                   "link_up", "wire" (devargs, "" = built-in memory wire), "version",
//                   "event_log" (path of the log file), "event_log_errors" (lines the log
//                   file refused, wholly or in part, since the start: a full disk)}
//   "numvfs"    {"numvfs": N}  ->  ACK (NLMSG_ERROR 0) or an error. sysfs sriov_numvfs
//                   semantics: EBUSY (with the reason) from a non-zero count to another
//                   non-zero one; ERANGE above total_vfs. The built-in guests follow.
//   "vf_show"   {"vf": N}  ->  kMsgReply with the VF's detail (see daemon's docs, fields:
//                   "vf", "admin" {mac, admin_mac, vlan, qos, spoofchk, trust, rss_query,
//                   link_state, max_tx_rate}, "negotiated" {clear_to_send, api, xcast,
//                   max_frame, mc_hashes, macvlans, vlans, queues {first, rx, tx}},
//                   "last_reset" {kind: "none"|"vf_reset"|"flr", seq, time_ns},
//                   "mailbox" {messages, acks, nacks, resets, flrs, ignored, pings},
//                   "stats" {rx_packets, rx_bytes, tx_packets, tx_bytes, rx_dropped,
//                   tx_dropped}, "guest" {state, link_up, mac}); EINVAL for a VF that does
//                   not exist.
//   "events"    {"since": SEQ (optional, default 0), "max": M (optional, default 1000)}
//                   -> kMsgReply {"events": [{"seq", "time_ns", "wall" (ISO 8601 UTC),
//                   "vf" (number or null), "code" (stable number), "name" (stable text),
//                   "reason"}], "next": the seq to ask for next, "dropped": events lost to
//                   the log's bound}
//   "capture"   {"target": "wire" | "vf", "vf": N (for "vf"), "count": C (0 = until the
//                   client closes), "snaplen": S (optional, default 65535)}
//                   -> kMsgReply {"interface": description, "linktype": 1 (Ethernet)},
//                   then one kMsgFrame per frame seen at that point, then NLMSG_DONE once
//                   `count` frames went out. Closing the socket ends a capture; one capture
//                   per connection (EBUSY while one runs). Frames the socket could not
//                   take (a slow reader) are counted, and the count comes as the
//                   NLMSG_DONE's text "dropped N".
//   "guest_mac" {"vf": N, "mac": "aa:bb:cc:dd:ee:ff"}  ->  ACK, or the PF's refusal
//                   (EPERM with the PF's reason): the built-in guest on VF N asks its PF for
//                   this MAC through the mailbox (SET_MAC_ADDR), as `ip link set dev eth0
//                   address M` inside the VM would.
// An unknown op, a missing or mistyped field: EINVAL with a reason naming the field.

#include <cstdint>
#include <string_view>

namespace ctl {

inline constexpr uint16_t kMsgRequest = 0x1000;
inline constexpr uint16_t kMsgReply = 0x1001;
inline constexpr uint16_t kMsgFrame = 0x1002;

/// Direction of a captured frame relative to the capture point.
enum class FrameDirection : uint8_t {
  kInbound = 1,   ///< received by the VF (written into its RX ring) / taken from the wire
  kOutbound = 2,  ///< sent by the VF (taken from its TX ring) / sent to the wire
};

/// Leads every kMsgFrame payload; the frame's captured bytes follow it.
struct FrameRecord {
  uint64_t time_ns;   ///< CLOCK_REALTIME nanoseconds when the device saw the frame
  uint32_t orig_len;  ///< the frame's length on the wire (captured bytes may be fewer)
  uint8_t direction;  ///< a FrameDirection
  uint8_t pad[3];
};
static_assert(sizeof(FrameRecord) == 16);

/// The ops above, as they appear in "op".
inline constexpr std::string_view kOpInfo = "info";
inline constexpr std::string_view kOpNumVfs = "numvfs";
inline constexpr std::string_view kOpVfShow = "vf_show";
inline constexpr std::string_view kOpEvents = "events";
inline constexpr std::string_view kOpCapture = "capture";
inline constexpr std::string_view kOpGuestMac = "guest_mac";

/// Longest daemon name: a name is [A-Za-z0-9_.-]{1,15} (it is also the PF's link name, and a
/// link name has at most IFNAMSIZ - 1 characters), not "." or "..".
inline constexpr size_t kMaxNameLength = 15;

}  // namespace ctl
