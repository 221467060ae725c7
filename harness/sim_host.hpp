#pragma once
// A simulated host: one simulated 82599, its PF driver, and one guest per VF. Guests share
// the caller's thread (63 guests on 2 cores); the PF service runs inline, stepped, or on one
// thread of its own, never one thread per guest.

#include <atomic>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hal/clock.hpp"
#include "hal/sim/device.hpp"
#include "harness/guest.hpp"
#include "harness/host_options.hpp"
#include "pf_driver/pf_driver.hpp"

namespace harness {

struct BringUpReport {
  unsigned vfs = 0;
  unsigned up = 0;
  /// From set_num_vfs() to the last guest up, on the host's clock (simulated time when stepped).
  hal::Nanos enable_to_all_up{};
  /// The same interval on the wall clock.
  hal::Nanos wall{};
  /// One line per guest that did not come up.
  std::vector<std::string> failures;
  bool all_up() const { return up == vfs && failures.empty(); }
};

class SimHost {
 public:
  /// Builds the device, the PF driver and the clocks; touches no register yet.
  static std::unique_ptr<SimHost> create(HostOptions opts);
  ~SimHost();
  SimHost(const SimHost&) = delete;
  SimHost& operator=(const SimHost&) = delete;

  /// Initialises the PF, enables the VFs, applies the admin settings, starts the PF service
  /// thread (threaded mode), probes every guest in turn, then steps the guests' watchdogs until
  /// their links settle. Errors: the PF refused (message).
  std::expected<BringUpReport, std::string> bring_up();

  /// Changes the number of VFs as sysfs sriov_numvfs does, the guests following: every guest
  /// is destroyed first (tear down whatever runs on their drivers before calling), the PF's
  /// set_num_vfs(n) runs, then a guest per VF is built and probed and the watchdogs are
  /// stepped until the links settle, as bring_up() does. Admin settings from the options are
  /// not applied again: new VFs start from the PF's defaults. n == the current count does
  /// nothing. Call after bring_up(), in stepped or inline mode (no PF thread).
  /// Errors: the PF's refusal as it came (kBusy from one non-zero count to another,
  /// kInvalidArgument above TotalVFs); the guests of the unchanged VFs are then built and
  /// probed again, so the host is as it was apart from their resets.
  std::expected<BringUpReport, pf::Refusal> set_num_vfs(unsigned n);

  /// One scheduling pass: the PF service (unless it has its own thread) and every guest's
  /// watchdog. In stepped mode the clock also moves by `tick`. Returns the events handled.
  size_t step(hal::Nanos tick = std::chrono::microseconds(100));

  /// Runs `f(pf)` with the PF lock held: safe against the PF service thread.
  template <typename F>
  auto with_pf(F&& f) {
    std::lock_guard lock(pf_mu_);
    return f(*pf_);
  }

  sim::Device82599& device() { return *dev_; }
  /// The PF driver without its lock: only while no PF thread runs (stepped/inline modes).
  pf::PfDriver& pf() { return *pf_; }
  unsigned num_guests() const { return static_cast<unsigned>(guests_.size()); }
  Guest& guest(unsigned i) { return *guests_.at(i); }
  hal::Clock& clock() { return *clock_; }
  /// The stepped mode's clock; nullptr in real-time modes.
  hal::ManualClock* manual_clock() { return manual_; }
  const HostOptions& options() const { return opts_; }

  /// Stops the PF service thread, if any (also done by the destructor).
  void stop();

 private:
  explicit SimHost(HostOptions opts);
  std::unique_ptr<hal::Waiter> make_guest_waiter(hal::VfId vf);
  std::expected<void, std::string> apply_admin();
  /// A guest per VF the PF enabled, probed, links settled; fills `report` from `t0`/`wall0`.
  void start_guests(BringUpReport& report, hal::Nanos t0,
                    std::chrono::steady_clock::time_point wall0);
  /// Steps until every guest that is up has its link settled, or kLinkWait passes.
  void wait_for_links();
  void start_pf_thread();
  void pf_thread_loop();
  size_t service_pf_once();

  static constexpr hal::Nanos kLinkWait = std::chrono::seconds(2);
  static constexpr hal::Nanos kLinkTick = std::chrono::microseconds(20);

  HostOptions opts_;
  // The clock first: the device keeps a pointer to it (stepped mode) until it is destroyed.
  std::unique_ptr<hal::Clock> clock_;
  hal::ManualClock* manual_ = nullptr;
  std::unique_ptr<sim::Device82599> dev_;
  std::unique_ptr<hal::Waiter> pf_waiter_;
  std::unique_ptr<pf::PfDriver> pf_;
  std::mutex pf_mu_;
  std::vector<std::unique_ptr<Guest>> guests_;
  std::thread pf_thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace harness
