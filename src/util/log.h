#pragma once
// Diagnostics go to stderr; stdout is reserved for results.
#include <fmt/format.h>

#include <cstdio>

namespace heft::util {

enum class LogLevel { Quiet = 0, Warn = 1, Info = 2, Debug = 3 };
LogLevel log_level();
void set_log_level(LogLevel level);

template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (log_level() >= LogLevel::Warn) fmt::print(stderr, "warning: {}\n", fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (log_level() >= LogLevel::Info) fmt::print(stderr, "{}\n", fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (log_level() >= LogLevel::Debug) fmt::print(stderr, "debug: {}\n", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace heft::util
