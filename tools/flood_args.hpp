#pragma once
// The PF's mailbox flood policy (pf::MailboxFloodPolicy, docs/reliability.md) on a command
// line: the --mailbox-* options sriov-sim shares with its daemon mode.

#include <array>
#include <string>

#include <CLI/CLI.hpp>

#include "pf_driver/options.hpp"

namespace tools {

/// Adds the flood guard's options to `app`, each writing its field of `policy` when given
/// (absent options leave `policy` as it is, so its values are the defaults shown by --help):
///   --mailbox-rate N               requests/s per VF; 0 turns the guard off; 1..9 refused
///   --mailbox-burst N              requests back to back beyond the rate (1..100000)
///   --mailbox-reset-period MS      one VF_RESET per MS in the long run (0..500; 0: rate only)
///   --mailbox-reset-burst N        VF_RESETs back to back (1..1000)
///   --mailbox-report-interval MS   one rate-limit event per VF per MS (100..60000)
///   --mailbox-disable-after S      disable a VF flooding for S seconds (0: never; up to 86400)
///   --mailbox-event-rate N         events/s a VF's requests may cause (0: keep every event)
///   --mailbox-event-burst N        such events back to back (1..100000)
///   --mailbox-guard on|off         off: every limit off (MailboxFloodPolicy::off()); off
///                                  with any option above is refused by check_flood_options
/// Each option's own bounds are checked by CLI11 (a ParseError names the option); S must be
/// finite, 0 or at least 0.001 (1 ms). `policy` must outlive app.parse().
void add_flood_options(CLI::App& app, pf::MailboxFloodPolicy& policy);

/// After app.parse(): why the flood options given cannot be used together, or empty.
/// `--mailbox-guard off` with any other --mailbox-* option; then whatever
/// MailboxFloodPolicy::validate() says of `policy` (the one check PfDriver::init() makes
/// too: a report interval of at least 100 ms, disable-after 0 or at least two intervals).
std::string check_flood_options(const CLI::App& app, const pf::MailboxFloodPolicy& policy);

/// Every option add_flood_options() adds, for modes that must refuse them.
inline constexpr std::array<const char*, 9> kFloodOptionNames = {
    "--mailbox-rate",         "--mailbox-burst",           "--mailbox-reset-period",
    "--mailbox-reset-burst",  "--mailbox-report-interval", "--mailbox-disable-after",
    "--mailbox-event-rate",   "--mailbox-event-burst",     "--mailbox-guard"};

}  // namespace tools
