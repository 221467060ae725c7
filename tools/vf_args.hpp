#pragma once
// Parsing of per-VF command-line settings such as "3=02:00:00:00:00:03" or "5=100:3".

#include <expected>
#include <map>
#include <string>
#include <string_view>

#include "harness/host_options.hpp"

namespace tools {

/// Applies one `--vf-<what> N=VALUE` (or `--vf-trust N`) to `admin`. `num_vfs` bounds N.
/// Errors: one line naming the bad token.
std::expected<void, std::string> apply_vf_arg(std::string_view what, std::string_view arg,
                                              unsigned num_vfs,
                                              std::map<unsigned, harness::VfAdmin>& admin);

}  // namespace tools
