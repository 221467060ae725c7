#pragma once
// Where the VFIO backend's one-line reports go (the device gone, a DMA map refused, VFs not
// enabled): a tool's log, a test's capture, or stderr.

#include <cstdio>
#include <functional>
#include <string_view>

#include <fmt/format.h>

namespace hal::vfio {

/// Receives one line, without a newline. Called from whichever thread saw the event.
using LogSink = std::function<void(std::string_view)>;

inline void log_line(const LogSink& sink, std::string_view line) {
  if (sink) {
    sink(line);
  } else {
    fmt::print(stderr, "{}\n", line);
  }
}

}  // namespace hal::vfio
