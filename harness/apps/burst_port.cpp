#include "harness/apps/burst_port.hpp"

#include "harness/datapath_host.hpp"

namespace harness::apps {

BurstPort burst_port(VfPort& port) {
  return BurstPort{port.rx ? &*port.rx : nullptr, port.tx ? &*port.tx : nullptr, port.pool.get(),
                   port.drv->mac()};
}

}  // namespace harness::apps
