#include "tools/device_env.hpp"

namespace tools {

void DeviceEnv::apply(harness::HwHostOptions& o) const {
  o.root = root;
  o.ops = ops;
  o.clock = clock;
  o.on_wait = on_wait;
  o.engine = engine;
  o.log = log;
  o.pf_mac = pf_mac;
}

}  // namespace tools
