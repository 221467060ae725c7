#pragma once
// sriovctl's version: the project's (project(sriovkit VERSION ...) in the top CMakeLists.txt),
// passed to every target by the top CMakeLists.txt as SRIOVKIT_VERSION.

#include <string_view>

#ifndef SRIOVKIT_VERSION
#error "SRIOVKIT_VERSION must come from the build (the top CMakeLists.txt)"
#endif

namespace sriovctl {
inline constexpr std::string_view kVersion = SRIOVKIT_VERSION;
}  // namespace sriovctl
