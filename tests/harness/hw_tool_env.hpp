#pragma once
// The tools' real-device code against the fake kernel: a tools::DeviceEnv pointing at a
// SimVfioRig (its tree, its kernel, its ManualClock; the simulated device stepped in every
// driver wait and traffic round), with the tool's output captured, and a stepped --serve wait.
// For tests/harness/test_hw_tool_*.cpp.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/hw/pf_serve.hpp"
#include "tests/harness/sim_vfio_kernel.hpp"
#include "tools/device_env.hpp"

namespace hw_tool {

/// A FILE* whose contents a test reads back (open_memstream).
class ToolCapture {
 public:
  ToolCapture() : f_(::open_memstream(&buf_, &len_)) {}
  ~ToolCapture() {
    if (f_ != nullptr) std::fclose(f_);
    std::free(buf_);
  }
  ToolCapture(const ToolCapture&) = delete;
  ToolCapture& operator=(const ToolCapture&) = delete;
  std::FILE* file() { return f_; }
  std::string text() {
    std::fflush(f_);
    return std::string(buf_, len_);
  }

 private:
  char* buf_ = nullptr;
  size_t len_ = 0;
  std::FILE* f_;
};

/// The serve loop's sleep in a tool test: asks nothing of real time. Each call relays the
/// card's interrupts and steps it, and reports the PF's vector if it fired; call `remove_at`
/// (1-based; 0: never) surprise-removes the card first, and calls after `stop_after` say stop.
class ToolServeWait final : public harness::ServeWait {
 public:
  /// Records every timeout asked for in `asked`, which outlives the wait.
  /// `request_instead`: at `remove_at` the kernel asks for the PF back (unbind) instead of
  /// the card vanishing.
  ToolServeWait(sim_vfio::SimVfioRig& r, const hal::EventFd& irq, unsigned stop_after,
                unsigned remove_at, std::vector<hal::Nanos>& asked, bool request_instead = false)
      : r_(r), irq_(irq), stop_after_(stop_after), remove_at_(remove_at), asked_(asked),
        request_instead_(request_instead) {}
  Wake wait(hal::Nanos timeout) override {
    asked_.push_back(timeout);
    if (asked_.size() > stop_after_) return Wake::kStop;
    if (asked_.size() == remove_at_) {
      if (request_instead_) {
        (void)r_.kernel.request_device_back(r_.kernel.pf_bdf());
      } else {
        r_.kernel.surprise_remove();
      }
    }
    r_.kernel.pump();
    r_.dev->poll_once();
    r_.clock.advance(timeout);
    return irq_.drain() != 0 ? Wake::kInterrupt : Wake::kTimeout;
  }

 private:
  sim_vfio::SimVfioRig& r_;
  const hal::EventFd& irq_;
  unsigned stop_after_, remove_at_;
  std::vector<hal::Nanos>& asked_;
  bool request_instead_;
};

/// A DeviceEnv on `r`: the EAL is the test process's shared one (the test asks for it).
struct ToolEnv {
  explicit ToolEnv(sim_vfio::SimVfioRig& r) : rig(r) {
    env.root = r.tree.root();
    env.ops = &r.kernel;
    env.clock = &r.clock;
    env.on_wait = [&r] {
      r.kernel.pump();
      r.dev->poll_once();
    };
    env.engine = [&r] { return r.dev->poll_once(); };
    env.log = [this](std::string_view line) { log.emplace_back(line); };
    env.eal_running = true;
    env.pf_mac = hal::MacAddr{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
    env.out = out.file();
    env.err = err.file();
  }
  /// --serve sleeps on a ToolServeWait (owned by the tool's run) instead of poll(2); what it
  /// was asked lands in `asked`.
  void use_serve_wait(unsigned stop_after, unsigned remove_at, bool request_instead = false) {
    env.serve_wait = [this, stop_after, remove_at, request_instead](harness::HwHost& h) {
      return std::unique_ptr<harness::ServeWait>(std::make_unique<ToolServeWait>(
          rig, h.pf()->interrupt(), stop_after, remove_at, asked, request_instead));
    };
  }

  sim_vfio::SimVfioRig& rig;
  ToolCapture out, err;
  std::vector<std::string> log;
  tools::DeviceEnv env;
  /// The serve wait's timeouts, in order.
  std::vector<hal::Nanos> asked;
};

}  // namespace hw_tool
