#pragma once
// A stable merge sort whose comparison may fail: Python raises on `1 < "a"`,
// and std::sort must not be given a comparison that stops making sense.
#include <algorithm>
#include <utility>
#include <vector>

#include "util/error.h"

namespace heft::jinja {

// cmp(a, b) -> util::Result<int> (<0, 0, >0).
template <class T, class Cmp>
util::Result<void> stable_sort(std::vector<T>& v, Cmp cmp) {
  std::vector<T> tmp(v.size());
  for (size_t width = 1; width < v.size(); width *= 2) {
    for (size_t lo = 0; lo < v.size(); lo += 2 * width) {
      size_t mid = std::min(lo + width, v.size()), hi = std::min(lo + 2 * width, v.size());
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        int c = HEFT_TRY(cmp(v[j], v[i]));
        tmp[k++] = c < 0 ? std::move(v[j++]) : std::move(v[i++]);
      }
      while (i < mid) tmp[k++] = std::move(v[i++]);
      while (j < hi) tmp[k++] = std::move(v[j++]);
    }
    std::swap(v, tmp);
  }
  return {};
}

}  // namespace heft::jinja
