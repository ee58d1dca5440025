#pragma once
// A progress bar on stderr, drawn only when stderr is a terminal (so logs and
// CI output stay clean). Redraws at most ~10 times a second.
#include <chrono>
#include <cstdint>
#include <string>

namespace heft::util {

class Progress {
 public:
  Progress(std::string label, uint64_t total);
  ~Progress();
  void update(uint64_t done);
  void finish();

 private:
  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace heft::util
