#include "jinja/strings.h"

#include <algorithm>

#include "jinja/unicode.h"

namespace heft::jinja::pystr {

namespace {

using unicode::decode;
using unicode::encode;

// Slice bounds (Python's adjustment) over n code points.
std::pair<int64_t, int64_t> bounds(int64_t n, std::optional<int64_t> start, std::optional<int64_t> end) {
  auto fix = [n](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v;
    if (x < 0) x = std::max<int64_t>(0, x + n);
    return std::min(x, n);
  };
  return {fix(start, 0), fix(end, n)};
}

std::string fill_of(std::string_view fill) { return fill.empty() ? std::string(" ") : std::string(fill); }

std::string repeat(const std::string& s, int64_t n) {
  std::string out;
  for (int64_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right) {
  std::u32string w = decode(s);
  std::u32string set = chars ? decode(*chars) : std::u32string{};
  auto strip_me = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : unicode::is_space(c); };
  size_t a = 0, b = w.size();
  if (left)
    while (a < b && strip_me(w[a])) ++a;
  if (right)
    while (b > a && strip_me(w[b - 1])) --b;
  return encode(std::u32string_view(w).substr(a, b - a));
}

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    size_t pos = 0;
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      size_t at = s.find(*sep, pos);
      if (at == std::string_view::npos) break;
      out.emplace_back(s.substr(pos, at - pos));
      pos = at + sep->size();
    }
    out.emplace_back(s.substr(pos));
    return out;
  }
  std::u32string w = decode(s);
  size_t i = 0, n = w.size();
  while (true) {
    while (i < n && unicode::is_space(w[i])) ++i;
    if (i >= n) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
      size_t end = n;
      while (end > i && unicode::is_space(w[end - 1])) --end;
      out.push_back(encode(std::u32string_view(w).substr(i, end - i)));
      break;
    }
    size_t j = i;
    while (j < n && !unicode::is_space(w[j])) ++j;
    out.push_back(encode(std::u32string_view(w).substr(i, j - i)));
    i = j;
  }
  return out;
}

std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    size_t end = s.size();
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      if (end < sep->size()) break;
      size_t at = s.rfind(*sep, end - sep->size());
      if (at == std::string_view::npos) break;
      out.emplace_back(s.substr(at + sep->size(), end - at - sep->size()));
      end = at;
    }
    out.emplace_back(s.substr(0, end));
    std::reverse(out.begin(), out.end());
    return out;
  }
  std::u32string w = decode(s);
  size_t j = w.size();
  while (true) {
    while (j > 0 && unicode::is_space(w[j - 1])) --j;
    if (j == 0) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
      size_t start = 0;
      while (start < j && unicode::is_space(w[start])) ++start;
      out.push_back(encode(std::u32string_view(w).substr(start, j - start)));
      break;
    }
    size_t i = j;
    while (i > 0 && !unicode::is_space(w[i - 1])) --i;
    out.push_back(encode(std::u32string_view(w).substr(i, j - i)));
    j = i;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> splitlines(std::string_view s, bool keepends) {
  std::vector<std::string> out;
  std::u32string w = decode(s);
  size_t start = 0, i = 0;
  while (i < w.size()) {
    char32_t c = w[i];
    bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E ||
               c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!brk) {
      ++i;
      continue;
    }
    size_t eol = i + ((c == '\r' && i + 1 < w.size() && w[i + 1] == '\n') ? 2 : 1);
    out.push_back(encode(std::u32string_view(w).substr(start, (keepends ? eol : i) - start)));
    start = i = eol;
  }
  if (start < w.size()) out.push_back(encode(std::u32string_view(w).substr(start)));
  return out;
}

std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts `repl` before every character and at the end.
    int64_t done = 0;
    size_t i = 0;
    while (i <= s.size()) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      if (i == s.size()) break;
      size_t start = i;
      unicode::next(s, i);
      out.append(s.substr(start, i - start));
    }
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t at = s.find(old, pos);
    if (at == std::string_view::npos) break;
    out.append(s.substr(pos, at - pos));
    out.append(repl);
    pos = at + old.size();
    ++done;
  }
  out.append(s.substr(pos));
  return out;
}

std::string title(std::string_view s) {
  std::string out;
  bool prev_cased = false;
  for (size_t i = 0; i < s.size();) {
    char32_t c = unicode::next(s, i);
    if (prev_cased) unicode::append(out, unicode::to_lower(c));
    else unicode::append(out, unicode::to_title(c));
    prev_cased = unicode::is_cased(c);
  }
  return out;
}

std::string capitalize(std::string_view s) {
  std::string out;
  bool first = true;
  for (size_t i = 0; i < s.size();) {
    char32_t c = unicode::next(s, i);
    unicode::append(out, first ? unicode::to_title(c) : unicode::to_lower(c));
    first = false;
  }
  return out;
}

std::string swapcase(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    char32_t c = unicode::next(s, i);
    unicode::append(out, unicode::is_upper(c) ? unicode::to_lower(c) : unicode::is_lower(c) ? unicode::to_upper(c) : c);
  }
  return out;
}

bool istitle(std::string_view s) {
  bool cased = false, prev_cased = false;
  for (size_t i = 0; i < s.size();) {
    char32_t c = unicode::next(s, i);
    if (unicode::is_upper(c)) {
      if (prev_cased) return false;
      prev_cased = cased = true;
    } else if (unicode::is_lower(c)) {
      if (!prev_cased) return false;
      prev_cased = cased = true;
    } else {
      prev_cased = false;
    }
  }
  return cased;
}

std::string center(std::string_view s, int64_t width, std::string_view fill) {
  auto n = static_cast<int64_t>(unicode::length(s));
  if (width <= n) return std::string(s);
  int64_t marg = width - n;
  int64_t left = marg / 2 + (marg & width & 1);
  std::string f = fill_of(fill);
  return repeat(f, left) + std::string(s) + repeat(f, marg - left);
}

std::string ljust(std::string_view s, int64_t width, std::string_view fill) {
  auto n = static_cast<int64_t>(unicode::length(s));
  return width <= n ? std::string(s) : std::string(s) + repeat(fill_of(fill), width - n);
}

std::string rjust(std::string_view s, int64_t width, std::string_view fill) {
  auto n = static_cast<int64_t>(unicode::length(s));
  return width <= n ? std::string(s) : repeat(fill_of(fill), width - n) + std::string(s);
}

std::string zfill(std::string_view s, int64_t width) {
  auto n = static_cast<int64_t>(unicode::length(s));
  if (width <= n) return std::string(s);
  size_t sign = !s.empty() && (s[0] == '+' || s[0] == '-') ? 1 : 0;
  return std::string(s.substr(0, sign)) + std::string(static_cast<size_t>(width - n), '0') + std::string(s.substr(sign));
}

std::string expandtabs(std::string_view s, int64_t tabsize) {
  std::string out;
  int64_t col = 0;
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    char32_t c = unicode::next(s, i);
    if (c == '\t') {
      if (tabsize > 0) {
        int64_t n = tabsize - col % tabsize;
        out.append(static_cast<size_t>(n), ' ');
        col += n;
      }
    } else {
      out.append(s.substr(start, i - start));
      col = (c == '\n' || c == '\r') ? 0 : col + 1;
    }
  }
  return out;
}

int64_t find(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end,
             bool reverse) {
  std::u32string w = decode(s), p = decode(sub);
  auto [a, b] = bounds(static_cast<int64_t>(w.size()), start, end);
  if (b - a < static_cast<int64_t>(p.size())) return -1;
  std::u32string_view hay = std::u32string_view(w).substr(static_cast<size_t>(a), static_cast<size_t>(b - a));
  size_t at = reverse ? hay.rfind(p) : hay.find(p);
  return at == std::u32string_view::npos ? -1 : a + static_cast<int64_t>(at);
}

int64_t count(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end) {
  std::u32string w = decode(s), p = decode(sub);
  auto [a, b] = bounds(static_cast<int64_t>(w.size()), start, end);
  if (b - a < static_cast<int64_t>(p.size())) return 0;
  std::u32string_view hay = std::u32string_view(w).substr(static_cast<size_t>(a), static_cast<size_t>(b - a));
  if (p.empty()) return static_cast<int64_t>(hay.size()) + 1;
  int64_t n = 0;
  for (size_t at = hay.find(p); at != std::u32string_view::npos; at = hay.find(p, at + p.size())) ++n;
  return n;
}

bool starts_with(std::string_view s, std::string_view prefix, std::optional<int64_t> start,
                 std::optional<int64_t> end, bool at_end) {
  if (!start && !end) return at_end ? s.ends_with(prefix) : s.starts_with(prefix);
  std::u32string w = decode(s), p = decode(prefix);
  auto n = static_cast<int64_t>(w.size());
  auto [a, b] = bounds(n, start, end);
  if (start && *start > n) return false;
  if (b - a < static_cast<int64_t>(p.size())) return false;
  std::u32string_view hay = std::u32string_view(w).substr(static_cast<size_t>(a), static_cast<size_t>(b - a));
  return at_end ? hay.ends_with(p) : hay.starts_with(p);
}

}  // namespace heft::jinja::pystr
