#include "store/download.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "store/digest.h"
#include "util/json.h"
#include "util/mapped_file.h"

namespace heft::store {

namespace fs = std::filesystem;

namespace {

struct Segment {
  uint64_t start = 0, end = 0, done = 0;  // bytes [start, end); [start, done) are written
};

std::vector<Segment> plan_segments(uint64_t size, int connections) {
  const uint64_t n = size < 2 * kMinRangeBytes ? 1 : std::clamp<uint64_t>(size / kMinRangeBytes, 1, std::max(1, connections));
  std::vector<Segment> segs;
  const uint64_t step = (size / n + 0xffff) & ~uint64_t{0xffff};  // 64 KiB-aligned ranges
  for (uint64_t s = 0; s < size || segs.empty(); s += step) segs.push_back({s, std::min(size, s + step), s});
  return segs;
}

// The end of the contiguous written prefix.
uint64_t contiguous(const std::vector<Segment>& segs) {
  for (const auto& s : segs)
    if (s.done < s.end) return s.done;
  return segs.empty() ? 0 : segs.back().end;
}

std::string hex_encode(std::string_view b) { return to_hex({reinterpret_cast<const uint8_t*>(b.data()), b.size()}); }
std::optional<std::string> hex_decode(std::string_view h) {
  if (h.size() % 2) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < h.size(); i += 2) {
    auto v = [](char c) -> int { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
    const int a = v(h[i]), b = v(h[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out.push_back(static_cast<char>(a * 16 + b));
  }
  return out;
}

// Exclusive flock on the lock file for the whole download; released on close.
class FileLock {
 public:
  ~FileLock() { if (fd_ >= 0) ::close(fd_); }
  util::Result<void> acquire(const std::string& path, const DownloadOptions& o, const std::string& display) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return util::fail(fmt::format("cannot open the lock file: {}", std::strerror(errno)), path);
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return {};
    if (o.notice) o.notice(fmt::format("waiting for another download of {} to finish", display));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) return util::fail(fmt::format("cannot lock: {}", std::strerror(errno)), path);
      if (o.cancel && o.cancel->load()) return util::fail("interrupted while waiting for another download", path);
    }
    return {};
  }
 private:
  int fd_ = -1;
};

class Job {
 public:
  Job(const DownloadTarget& t, const DownloadOptions& o)
      : t_(t), o_(o), partial_(t.blob_path + ".heft-partial"), sidecar_(partial_ + ".json") {}
  ~Job() { if (fd_ >= 0) ::close(fd_); }

  util::Result<void> run();

 private:
  bool lfs() const { return !t_.sha256.empty(); }
  bool cancelled() const { return stop_.load() || (o_.cancel && o_.cancel->load()); }
  util::Result<void> open_partial();
  void adopt_hf_incomplete();
  util::Result<void> fetch_range(size_t seg, uint64_t until);
  void hasher_loop();
  void save_sidecar();
  void fail(util::Error e) {
    std::lock_guard lk(mu_);
    if (!failure_) failure_ = std::move(e);
    stop_ = true;
    cv_.notify_all();
  }
  util::Result<void> run_ranges(uint64_t until, bool parallel);
  util::Result<void> finish();

  const DownloadTarget& t_;
  const DownloadOptions& o_;
  const std::string partial_, sidecar_;
  int fd_ = -1;

  std::mutex mu_;  // segs_, failure_, finished_
  std::condition_variable cv_;
  std::vector<Segment> segs_;
  std::optional<util::Error> failure_;
  bool finished_ = false;
  std::atomic<bool> stop_{false};

  std::mutex hash_mu_;  // hasher_, hashed_ (taken before mu_ when both are)
  Sha256 hasher_;
  uint64_t hashed_ = 0;
  uint64_t checkpoint_every_ = 0;
  uint64_t last_checkpoint_ = 0;  // written bytes at the last save
};

util::Result<void> Job::open_partial() {
  // Resume from our own partial when its record is sound; else start over.
  bool resumed = false;
  if (auto text = util::read_file(sidecar_, 1 << 20); text && fs::exists(partial_)) {
    auto j = util::Json::parse(*text, sidecar_);
    std::error_code ec;
    const auto psize = fs::file_size(partial_, ec);
    if (j && j->is_object() && j->get_string("etag") == t_.etag() && static_cast<uint64_t>(j->get_int("size", -1)) == t_.size &&
        !ec && psize == t_.size) {
      std::vector<Segment> segs;
      bool ok = true;
      uint64_t expect = 0;
      if (const auto* a = j->find("ranges"); a && a->is_array()) {
        for (const auto& r : a->as_array()) {
          if (!r.is_array() || r.as_array().size() != 3) { ok = false; break; }
          Segment s{r.as_array()[0].as_uint(), r.as_array()[1].as_uint(), r.as_array()[2].as_uint()};
          if (s.start != expect || s.end <= s.start || s.done < s.start || s.done > s.end) { ok = false; break; }
          expect = s.end;
          segs.push_back(s);
        }
      }
      ok = ok && !segs.empty() && expect == t_.size;
      if (ok) {
        segs_ = std::move(segs);
        const uint64_t hashed = j->get_int("hashed", 0);
        auto state = hex_decode(j->get_string("sha256_state"));
        if (lfs() && state && hashed <= contiguous(segs_) && hasher_.restore_state(*state, hashed)) hashed_ = hashed;
        else hasher_ = Sha256(), hashed_ = 0;  // the bytes are kept; they are hashed again from the file
        resumed = true;
      }
    }
  }
  if (!resumed) {
    std::error_code ec;
    fs::remove(partial_, ec);
    fs::remove(sidecar_, ec);
    segs_ = plan_segments(t_.size, lfs() ? o_.connections : 1);
  }
  fd_ = ::open(partial_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return util::fail(fmt::format("cannot create the partial download: {}", std::strerror(errno)), partial_);
  // Full size up front (sparse), so ranges can be written in any order.
  if (::ftruncate(fd_, static_cast<off_t>(t_.size)) != 0)
    return util::fail(fmt::format("cannot size the partial download: {}", std::strerror(errno)), partial_);
  if (!resumed) adopt_hf_incomplete();
  uint64_t have = 0;
  for (const auto& s : segs_) have += s.done - s.start;
  if (have && o_.notice)
    o_.notice(fmt::format("resuming {}: {} of {} bytes already here", t_.display, have, t_.size));
  if (o_.progress) o_.progress->done += have;
  last_checkpoint_ = have;
  checkpoint_every_ = std::clamp<uint64_t>(t_.size / 4096, 256 << 10, 16 << 20);
  return {};
}

// huggingface_hub writes <etag>.incomplete in order; its bytes are a valid prefix.
void Job::adopt_hf_incomplete() {
  const std::string theirs = t_.blob_path + ".incomplete";
  std::error_code ec;
  const auto n = fs::file_size(theirs, ec);
  if (ec || n == 0 || n > t_.size) return;
  std::ifstream in(theirs, std::ios::binary);
  std::vector<char> buf(1 << 20);
  uint64_t at = 0;
  while (at < n && in.read(buf.data(), static_cast<std::streamsize>(std::min<uint64_t>(buf.size(), n - at))) ) {
    const auto got = static_cast<size_t>(in.gcount());
    if (::pwrite(fd_, buf.data(), got, static_cast<off_t>(at)) != static_cast<ssize_t>(got)) return;
    at += got;
  }
  if (at != n) return;
  for (auto& s : segs_) s.done = std::clamp(n, s.start, s.end);
  fs::remove(theirs, ec);
}

void Job::save_sidecar() {
  util::Json j = util::Json::object();
  j.set("etag", util::Json(t_.etag()));
  j.set("size", util::Json(t_.size));
  std::lock_guard hk(hash_mu_);
  j.set("hashed", util::Json(hashed_));
  if (lfs()) j.set("sha256_state", util::Json(hex_encode(hasher_.save_state())));
  util::Json ranges = util::Json::array();
  uint64_t written = 0;
  {
    std::lock_guard lk(mu_);
    for (const auto& s : segs_) {
      util::Json r = util::Json::array();
      r.push_back(util::Json(s.start));
      r.push_back(util::Json(s.end));
      r.push_back(util::Json(s.done));
      ranges.push_back(std::move(r));
      written += s.done - s.start;
    }
  }
  j.set("ranges", std::move(ranges));
  const std::string tmp = sidecar_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << j.dump();
    if (!out) return;  // a missed checkpoint only costs a longer resume
  }
  std::error_code ec;
  fs::rename(tmp, sidecar_, ec);
  last_checkpoint_ = written;
}

// Follows the contiguous prefix, hashing what the ranges wrote, and saves the
// record whenever enough has arrived since the last save.
void Job::hasher_loop() {
  std::vector<char> buf(4 << 20);
  while (true) {
    uint64_t avail = 0, written = 0;
    bool finished = false;
    {
      std::unique_lock lk(mu_);
      if (!finished_ && !stop_) cv_.wait_for(lk, std::chrono::milliseconds(500));
      finished = finished_ || stop_;
      avail = contiguous(segs_);
      for (const auto& s : segs_) written += s.done - s.start;
    }
    if (lfs()) {
      while (true) {
        uint64_t from;
        {
          std::lock_guard hk(hash_mu_);
          from = hashed_;
        }
        if (from >= avail) break;
        const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), avail - from));
        const ssize_t got = ::pread(fd_, buf.data(), n, static_cast<off_t>(from));
        if (got != static_cast<ssize_t>(n)) {
          fail(util::Error(fmt::format("cannot read back the partial download: {}", std::strerror(errno)), partial_));
          return;
        }
        std::lock_guard hk(hash_mu_);
        hasher_.update(std::string_view(buf.data(), n));
        hashed_ += n;
        if (stop_) break;  // failed or interrupted: what is hashed is saved, the rest waits for the resume
      }
    }
    if (written >= last_checkpoint_ + checkpoint_every_) save_sidecar();
    if (finished) return;
  }
}

util::Result<void> Job::fetch_range(size_t si, uint64_t until) {
  int attempt = 0;
  while (true) {
    uint64_t start;
    {
      std::lock_guard lk(mu_);
      start = segs_[si].done;
    }
    if (start >= until) return {};
    if (cancelled()) return util::fail("stopped");
    uint64_t skip = 0;  // bytes of a 200 (Range ignored) before our offset
    bool checked = false;
    std::optional<util::Error> bad;
    uint64_t got_this_try = 0;
    auto sink = [&](const HttpResponse& head, std::string_view chunk) -> bool {
      if (cancelled()) return false;
      if (!checked) {
        checked = true;
        if (head.status == 206) {
          const std::string* cr = head.header("content-range");
          unsigned long long a = 0, b = 0, total = 0;
          if (!cr || std::sscanf(cr->c_str(), "bytes %llu-%llu/%llu", &a, &b, &total) != 3 || a != start) {
            bad = util::Error(fmt::format("{}: the server answered another range than asked ({})", t_.display, cr ? *cr : "none"));
            return false;
          }
          if (total != t_.size) {
            bad = util::Error(fmt::format("{}: the server's file has {} bytes, the listing says {}", t_.display, total, t_.size));
            return false;
          }
        } else {
          skip = start;
        }
      }
      if (skip) {
        const auto n = std::min<uint64_t>(skip, chunk.size());
        skip -= n;
        chunk.remove_prefix(n);
        if (chunk.empty()) return true;
      }
      uint64_t at;
      {
        std::lock_guard lk(mu_);
        at = segs_[si].done;
      }
      const auto n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), until - at));
      if (n && ::pwrite(fd_, chunk.data(), n, static_cast<off_t>(at)) != static_cast<ssize_t>(n)) {
        bad = util::Error(fmt::format("cannot write the partial download: {}", std::strerror(errno)), partial_);
        return false;
      }
      {
        std::lock_guard lk(mu_);
        segs_[si].done += n;
      }
      got_this_try += n;
      if (o_.progress) o_.progress->done += n, o_.progress->fetched += n;
      cv_.notify_all();
      return n == chunk.size();  // more than the range asked for (a 200): stop there
    };
    HttpRequest req{.url = t_.url, .bearer_token = t_.token, .range = std::pair{start, until - 1}};
    auto r = http_get(req, sink);
    if (bad) return std::unexpected(*bad);
    {
      std::lock_guard lk(mu_);
      if (segs_[si].done >= until) return {};
    }
    if (cancelled()) return util::fail("stopped");
    if (r && r->status >= 200 && r->status < 300) {
      // The body ended before the range did: a connection closed early.
    } else if (r && !retryable_status(r->status)) {
      const std::string* code = r->header("x-error-code");
      return util::fail(fmt::format("{}: the server answered HTTP {}{}{}", t_.display, r->status, code ? ": " : "",
                                    code ? *code : ""));
    }
    if (got_this_try) attempt = 0;  // progress: the count of failures in a row starts again
    if (++attempt >= o_.retry.attempts) {
      return util::fail(fmt::format("{}: giving up after {} tries: {}", t_.display, attempt,
                                    r ? fmt::format("HTTP {}", r->status) : r.error().message));
    }
    const double delay = retry_delay(o_.retry, attempt - 1, r ? &*r : nullptr);
    const auto until_time = std::chrono::steady_clock::now() + std::chrono::duration<double>(delay);
    while (std::chrono::steady_clock::now() < until_time && !cancelled())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

util::Result<void> Job::run_ranges(uint64_t until, bool parallel) {
  std::vector<size_t> todo;
  {
    std::lock_guard lk(mu_);
    for (size_t i = 0; i < segs_.size(); ++i)
      if (segs_[i].start < until && segs_[i].done < std::min(until, segs_[i].end)) todo.push_back(i);
  }
  auto one = [&](size_t i) {
    auto r = fetch_range(i, std::min(until, segs_[i].end));
    if (!r) fail(std::move(r.error()));
  };
  if (!parallel) {
    for (size_t i : todo) {
      one(i);
      if (stop_) break;
    }
  } else {
    std::vector<std::thread> threads;
    for (size_t i : todo) threads.emplace_back(one, i);
    for (auto& th : threads) th.join();
  }
  std::lock_guard lk(mu_);
  if (failure_) return std::unexpected(*failure_);
  if (o_.cancel && o_.cancel->load()) return util::fail("interrupted");
  return {};
}

util::Result<void> Job::finish() {
  if (lfs()) {
    std::lock_guard hk(hash_mu_);
    const std::string got = hasher_.hex_digest();
    if (hashed_ != t_.size || got != t_.sha256) {
      std::error_code ec;
      fs::remove(partial_, ec);
      fs::remove(sidecar_, ec);
      return util::fail(fmt::format("{}: SHA-256 mismatch: expected {}, got {}; nothing was stored and the partial "
                                    "download was deleted (run again to download it afresh)",
                                    t_.display, t_.sha256, got));
    }
  } else {
    const std::string got = HEFT_TRY(git_blob_sha1_file(partial_));
    if (got != t_.git_oid) {
      std::error_code ec;
      fs::remove(partial_, ec);
      fs::remove(sidecar_, ec);
      return util::fail(fmt::format("{}: git object id mismatch: expected {}, got {}; nothing was stored", t_.display,
                                    t_.git_oid, got));
    }
  }
  if (::fsync(fd_) != 0) return util::fail(fmt::format("cannot flush: {}", std::strerror(errno)), partial_);
  ::close(fd_);
  fd_ = -1;
  std::error_code ec;
  fs::rename(partial_, t_.blob_path, ec);
  if (ec) return util::fail(fmt::format("cannot move the finished download into place: {}", ec.message()), t_.blob_path);
  fs::remove(sidecar_, ec);
  if (int dir = ::open(fs::path(t_.blob_path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);  // the rename survives a crash
    ::close(dir);
  }
  return {};
}

util::Result<void> Job::run() {
  HEFT_TRY(open_partial());
  std::thread bookkeeper([this] { hasher_loop(); });
  auto stop_bookkeeper = [&] {
    {
      std::lock_guard lk(mu_);
      finished_ = true;
    }
    cv_.notify_all();
    bookkeeper.join();
  };
  util::Result<void> result;
  // The first bytes first, so a file heft cannot use stops before the bulk.
  if (o_.check) {
    uint64_t want = std::min(o_.check_bytes, t_.size);
    for (int round = 0; round < 8 && result; ++round) {
      result = run_ranges(want, false);
      if (!result) break;
      std::vector<uint8_t> prefix(want);
      if (::pread(fd_, prefix.data(), want, 0) != static_cast<ssize_t>(want)) {
        result = util::fail("cannot read back the partial download", partial_);
        break;
      }
      auto need = o_.check(prefix);
      if (!need) {
        result = std::unexpected(std::move(need.error()));
        break;
      }
      if (*need <= want || want == t_.size) break;
      want = std::min(*need, t_.size);
    }
  }
  if (result) result = run_ranges(t_.size, true);
  stop_bookkeeper();  // hashes what remains of the prefix, unless stopped
  save_sidecar();
  if (!result) return result;
  return finish();
}

}  // namespace

util::Result<void> download_blob(const DownloadTarget& t, const DownloadOptions& o) {
  FileLock lock;
  HEFT_TRY(lock.acquire(t.lock_path, o, t.display));
  std::error_code ec;
  if (fs::is_regular_file(t.blob_path, ec) && fs::file_size(t.blob_path, ec) == t.size) {
    if (o.progress) o.progress->done += t.size;
    return {};  // there already, from an earlier pull, another process or huggingface_hub
  }
  fs::create_directories(fs::path(t.blob_path).parent_path(), ec);
  Job job(t, o);
  return job.run();
}

}  // namespace heft::store
