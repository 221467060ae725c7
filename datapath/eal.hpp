#pragma once
// The DPDK Environment Abstraction Layer (EAL), owned once per process, and the errors of the
// DPDK glue (EAL, DMA mappings of DPDK memory).
//
// rte_eal_init runs once per process, even after rte_eal_cleanup: an Eal is the one owner of
// that single life. Tests and tools that want the default options share shared_eal().
//
// No DPDK header here: what needs DPDK types includes them itself.

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace dp {

/// What went wrong in the DPDK glue.
enum class DpdkErrc {
  kAlreadyInitialised,  ///< an EAL already exists or existed in this process (once per process)
  kEalInit,             ///< rte_eal_init failed (the detail has rte_errno; DPDK logs the cause)
  kNoEal,               ///< the call needs a running EAL and there is none
  kInvalidArgument,     ///< a malformed request (a memzone name too long or in use, len 0)
  kNoMemory,            ///< DPDK could not provide the memory (memzone reserve)
  kBadIova,             ///< memory without an IO address (RTE_BAD_IOVA) cannot be DMA-mapped
  kOverlap,             ///< the memory's IOVA range overlaps a mapping already in the domain
  kDmaMap,              ///< the DMA domain refused a mapping for another reason
};

struct DpdkError {
  DpdkErrc code;
  std::string detail;
};

std::string_view to_string(DpdkErrc c);
/// "<code>: <detail>" for logs.
std::string to_string(const DpdkError& e);

/// How to bring the EAL up. The defaults suit tests and CI: no hugepages, no PCI scan, no
/// shared config files, IOVA == VA, a file prefix of our own, so several processes (ctest -j)
/// run at once without colliding in /var/run/dpdk.
struct EalOptions {
  /// argv[0] as DPDK sees it (it names the process in DPDK's logs).
  std::string program = "sriovkit";
  /// Memory for DPDK's heap in MiB (-m). Without hugepages it is ordinary anonymous memory.
  unsigned memory_mb = 256;
  /// Back the heap with hugepages (--in-memory instead of --no-huge): for DMA on a real NIC,
  /// where the pages must stay put and the IOMMU maps fewer, larger ones. Needs hugepages
  /// reserved and hugetlbfs mounted (hal/vfio/preflight_hugepages.hpp checks first). Off:
  /// the default and CI's, which needs no root.
  bool huge_pages = false;
  /// --log-level: a level ("warning") or "pattern:level" ("lib.eal:debug").
  std::string log_level = "warning";
  /// --file-prefix; empty picks "sriovkit-<pid>", unique among running processes.
  std::string file_prefix;
  /// --lcores; empty makes lcore 0 the only lcore, running on every CPU the process may use
  /// (its current affinity), so EAL pins nothing and starts no worker thread: our own threads
  /// (the device engine, guest pollers) keep the placement they choose.
  std::string lcores;
  /// DPDK's telemetry socket and thread; off by default (nothing reads them in tests).
  bool telemetry = false;
  /// Appended after ours, e.g. "--vdev=net_ring0" for a wire.
  std::vector<std::string> extra_args;
};

/// The argument vector (argv[0] included) Eal::init gives rte_eal_init for `opts`:
///   <program> --no-huge --no-shconf | --in-memory    (the latter with opts.huge_pages)
///   --no-pci -m <memory_mb> --iova-mode=va --log-level=<log_level> --file-prefix=<prefix>
///   [--lcores=<lcores>] [--no-telemetry] <extra_args...>
/// With hugepages, --in-memory (DPDK: no shared files at all, hugepage files unlinked once
/// mapped) so that no run leaves hugepages behind in hugetlbfs.
std::vector<std::string> eal_args(const EalOptions& opts, const std::string& prefix);

/// Owner of the process's EAL. Move-only; the destructor runs rte_eal_cleanup and removes the
/// (then empty) runtime directory the file prefix created. A process gets one try: once an Eal
/// has been destroyed, or init() has failed, no other can be made (rte_eal_init runs once per
/// process, and a failed call leaves DPDK's option state behind).
///
/// Everything DPDK (mempools, memzones, ethdevs, DmaMapping, DmaZone) must be released before
/// the Eal is destroyed.
///
/// Thread safety: init() may race with itself (one caller wins, the others get
/// kAlreadyInitialised); destroy the Eal only when no other thread uses DPDK.
class Eal {
 public:
  /// Builds the argument list from `opts` (eal_args()) and runs rte_eal_init on it. The
  /// calling thread becomes DPDK's main lcore.
  /// Errors: kAlreadyInitialised (an Eal exists or existed in this process, an earlier init()
  /// failed, or someone else called rte_eal_init), kEalInit (DPDK refused: bad extra_args, no
  /// memory; the detail has the arguments and rte_errno, DPDK's log the cause). After kEalInit
  /// the process cannot have an EAL any more.
  static std::expected<Eal, DpdkError> init(const EalOptions& opts = {});

  Eal(Eal&& other) noexcept;
  Eal& operator=(Eal&&) = delete;
  Eal(const Eal&) = delete;
  Eal& operator=(const Eal&) = delete;
  ~Eal();

  /// The argument vector given to rte_eal_init (argv[0] included).
  const std::vector<std::string>& args() const { return args_; }
  const std::string& file_prefix() const { return file_prefix_; }
  /// True when DPDK's IOVA mode is VA: an mbuf's buf_iova equals its buf_addr.
  bool iova_as_va() const;

  /// True while an Eal is up in this process (between a successful init() and its destruction).
  /// Never true again after that, nor after a failed init().
  static bool running();

 private:
  Eal(std::vector<std::string> args, std::string file_prefix, std::string runtime_dir);

  std::vector<std::string> args_;
  std::string file_prefix_;
  std::string runtime_dir_;
  bool owner_ = true;  ///< false once moved from
};

/// The process's shared Eal with default EalOptions, brought up by the first call (thread-safe,
/// a function-local static) and cleaned up at exit. Every call returns the first call's result,
/// error included. Do not mix with Eal::init in one process: the second one loses.
/// DPDK objects kept in other statics must be gone before exit runs this one's destructor.
const std::expected<Eal, DpdkError>& shared_eal();

/// Tells the EAL that a device which releases its interrupt sources late was removed (net_memif:
/// its socket's interrupt callback goes through rte_intr_callback_unregister_pending, which
/// DPDK's interrupt thread completes on its own time). ~Eal then gives that thread a moment
/// before rte_eal_cleanup: DPDK 22.11's cleanup frees the heap without stopping the thread, and
/// a thread still walking its sources then reads freed memory (a crash at exit, seen about once
/// in ten runs of a memif test). Thread-safe.
void note_late_interrupt_release();

}  // namespace dp

template <>
struct fmt::formatter<dp::DpdkErrc> : fmt::formatter<std::string_view> {
  auto format(dp::DpdkErrc c, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(dp::to_string(c), ctx);
  }
};
template <>
struct fmt::formatter<dp::DpdkError> : fmt::formatter<std::string_view> {
  auto format(const dp::DpdkError& e, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(dp::to_string(e), ctx);
  }
};
