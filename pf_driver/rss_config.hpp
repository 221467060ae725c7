#pragma once
// The PF's RSS configuration. On the 82599 the VFs share the PF's redirection table and key
// (spec 1a: VFRETA/VFRSSRK are X550 only), so the PF programs them and answers GET_RETA and
// GET_RSS_KEY from this copy.

#include <array>
#include <cstdint>

#include "hal/register_io.hpp"
#include "mailbox/message.hpp"

namespace pf {

struct RssConfig {
  std::array<uint8_t, mbx::kRssKeyBytes> key{};
  std::array<uint8_t, mbx::kRetaEntries> reta{};

  /// A fixed, documented key (the RSS verification key of Microsoft's RSS specification) and
  /// a table spreading flows over `queues` queues (entry i = i % queues). Deterministic, so
  /// tests and the simulator agree; a production PF would draw a random key.
  static RssConfig defaults(unsigned queues);
  /// Writes RSSRK and RETA (datasheet 8.2.3.7.13-14). MRQC is the VT setup's business.
  void program(hal::RegisterIo& bar0) const;
};

}  // namespace pf
