#include "datapath/eal.hpp"

#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <utility>

#include <rte_eal.h>
#include <rte_errno.h>

namespace dp {

namespace {

/// The EAL's one life in this process. rte_eal_init refuses a second call after
/// rte_eal_cleanup, and cannot recover from a failed one, so kDone is final.
enum EalState : int { kNever, kStarting, kRunning, kDone };
std::atomic<int> g_state{kNever};

/// "0@(a-b,c)": lcore 0 on every CPU of the calling thread's affinity, or "" if it is unknown.
std::string main_lcore_on_own_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return {};
  std::string cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    if (!cpus.empty()) cpus += ',';
    cpus += last == cpu ? fmt::format("{}", cpu) : fmt::format("{}-{}", cpu, last);
    cpu = last;
  }
  return cpus.empty() ? std::string() : fmt::format("0@({})", cpus);
}

}  // namespace

std::vector<std::string> eal_args(const EalOptions& o, const std::string& prefix) {
  std::vector<std::string> a{o.program};
  if (o.huge_pages) {
    // Hugepage files live in hugetlbfs under a per-process prefix: kept after the process
    // ends, each run would strand its pages until someone deletes them. --in-memory keeps
    // nothing shared (a superset of --no-shconf) and unlinks each hugepage file once mapped,
    // so the pages go back when the process exits, however it exits.
    a.emplace_back("--in-memory");
  } else {
    a.emplace_back("--no-huge");  // anonymous memory: no hugetlbfs, no root
    // No shared config files: processes do not collide, no IPC thread.
    a.emplace_back("--no-shconf");
  }
  a.insert(a.end(), {
      "--no-pci",      // simulated devices, or real ones we open through VFIO ourselves:
                       // never let DPDK scan (or grab) them
      "-m",
      fmt::format("{}", o.memory_mb),
      "--iova-mode=va",  // buf_iova == buf_addr; the simulated IOMMU maps VA ranges
      fmt::format("--log-level={}", o.log_level),
      fmt::format("--file-prefix={}", prefix),
  });
  const std::string lcores = o.lcores.empty() ? main_lcore_on_own_cpus() : o.lcores;
  if (!lcores.empty()) a.push_back(fmt::format("--lcores={}", lcores));
  if (!o.telemetry) a.emplace_back("--no-telemetry");
  a.insert(a.end(), o.extra_args.begin(), o.extra_args.end());
  return a;
}

std::string_view to_string(DpdkErrc c) {
  switch (c) {
    case DpdkErrc::kAlreadyInitialised: return "EAL already initialised in this process";
    case DpdkErrc::kEalInit: return "EAL initialisation failed";
    case DpdkErrc::kNoEal: return "no EAL";
    case DpdkErrc::kInvalidArgument: return "invalid argument";
    case DpdkErrc::kNoMemory: return "out of DPDK memory";
    case DpdkErrc::kBadIova: return "memory without IOVA";
    case DpdkErrc::kOverlap: return "DMA mapping overlap";
    case DpdkErrc::kDmaMap: return "DMA mapping failed";
  }
  return "unknown";
}

std::string to_string(const DpdkError& e) {
  return fmt::format("{}: {}", to_string(e.code), e.detail);
}

std::expected<Eal, DpdkError> Eal::init(const EalOptions& opts) {
  int expected = kNever;
  if (!g_state.compare_exchange_strong(expected, kStarting, std::memory_order_acq_rel)) {
    return std::unexpected(DpdkError{DpdkErrc::kAlreadyInitialised,
                                     expected == kDone ? "rte_eal_init runs once per process, even "
                                                         "after rte_eal_cleanup or a failure"
                                                       : "another Eal owns the EAL"});
  }
  std::string prefix =
      opts.file_prefix.empty() ? fmt::format("sriovkit-{}", ::getpid()) : opts.file_prefix;
  std::vector<std::string> args = eal_args(opts, prefix);

  // rte_eal_init permutes argv (getopt) and copies what it keeps; the strings stay ours.
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0) {
    const int err = rte_errno;
    // No second try: although DPDK re-arms rte_eal_init after some failures (a bad command
    // line), the options it parsed stay set and the next call fails on them.
    g_state.store(kDone, std::memory_order_release);
    if (err == EALREADY) {
      return std::unexpected(DpdkError{DpdkErrc::kAlreadyInitialised,
                                       "rte_eal_init was called outside dp::Eal"});
    }
    // A failure after the runtime directory was made leaves it empty; rmdir takes only that.
    if (const char* dir = rte_eal_get_runtime_dir(); dir != nullptr && dir[0] != '\0')
      ::rmdir(dir);
    return std::unexpected(DpdkError{
        DpdkErrc::kEalInit,
        fmt::format("rte_eal_init({}): {}", fmt::join(args, " "), rte_strerror(err))});
  }
  const char* dir = rte_eal_get_runtime_dir();
  g_state.store(kRunning, std::memory_order_release);
  return Eal(std::move(args), std::move(prefix), dir != nullptr ? dir : "");
}

Eal::Eal(std::vector<std::string> args, std::string file_prefix, std::string runtime_dir)
    : args_(std::move(args)),
      file_prefix_(std::move(file_prefix)),
      runtime_dir_(std::move(runtime_dir)) {}

Eal::Eal(Eal&& other) noexcept
    : args_(std::move(other.args_)),
      file_prefix_(std::move(other.file_prefix_)),
      runtime_dir_(std::move(other.runtime_dir_)),
      owner_(std::exchange(other.owner_, false)) {}

namespace {
std::atomic<bool> g_late_intr_release{false};
// Long enough for the interrupt thread to finish a pass over its sources: it runs callbacks
// only, none of which blocks.
constexpr useconds_t kLateIntrReleaseWaitUs = 20000;
}  // namespace

void note_late_interrupt_release() { g_late_intr_release.store(true, std::memory_order_relaxed); }

Eal::~Eal() {
  if (!owner_) return;
  if (g_late_intr_release.load(std::memory_order_relaxed)) ::usleep(kLateIntrReleaseWaitUs);
  // rte_eal_cleanup releases the heap, memseg lists, the interrupt thread's resources and
  // DPDK's saved copies of the arguments. It leaves the runtime directory behind; with
  // --no-shconf it is empty then, and rmdir removes only an empty directory.
  rte_eal_cleanup();
  if (!runtime_dir_.empty()) {
    // The telemetry socket is unlinked only by an exit handler DPDK registers, which runs
    // after this: remove it now so the directory is empty and goes too. The directory is
    // ours (our file prefix), so nothing else can own a socket there.
    ::unlink((runtime_dir_ + "/dpdk_telemetry.v2").c_str());
    ::rmdir(runtime_dir_.c_str());
  }
  g_state.store(kDone, std::memory_order_release);
}

bool Eal::iova_as_va() const { return rte_eal_iova_mode() == RTE_IOVA_VA; }

bool Eal::running() { return g_state.load(std::memory_order_acquire) == kRunning; }

const std::expected<Eal, DpdkError>& shared_eal() {
  static const std::expected<Eal, DpdkError> eal = Eal::init();
  return eal;
}

}  // namespace dp
