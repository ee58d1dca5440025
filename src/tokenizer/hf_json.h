#pragma once
// Reading tokenizer.json with simdjson's DOM (a 9 MB file is read without
// copying it into another tree): a lookup view where every step may fail
// softly, so malformed input turns into error values.
#include <simdjson.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace heft::tokenizer::hf {

namespace dom = simdjson::dom;

// Read-only view of a JSON value; lookups on the wrong kind give an empty view.
class J {
 public:
  J() = default;
  explicit J(dom::element e) : e_(e), ok_(true) {}
  bool ok() const { return ok_; }
  bool is_null() const { return !ok_ || e_.is_null(); }
  bool is_object() const { return ok_ && e_.is_object(); }
  bool is_array() const { return ok_ && e_.is_array(); }
  bool is_string() const { return ok_ && e_.is_string(); }
  J operator[](std::string_view key) const {
    if (!is_object()) return {};
    dom::element v;
    if (e_.at_key(key).get(v) != simdjson::SUCCESS) return {};
    return J(v);
  }
  std::optional<std::string_view> str() const {
    std::string_view s;
    if (!ok_ || e_.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
    return s;
  }
  std::optional<bool> boolean() const {
    bool b;
    if (!ok_ || e_.get_bool().get(b) != simdjson::SUCCESS) return std::nullopt;
    return b;
  }
  std::optional<int64_t> integer() const {
    if (!ok_) return std::nullopt;
    int64_t i;
    if (e_.get_int64().get(i) == simdjson::SUCCESS) return i;
    uint64_t u;
    if (e_.get_uint64().get(u) == simdjson::SUCCESS) return u > 0x7FFFFFFFFFFFFFFFull ? INT64_MAX : int64_t(u);
    return std::nullopt;
  }
  std::optional<double> number() const {
    if (!ok_) return std::nullopt;
    double d;
    if (e_.get_double().get(d) == simdjson::SUCCESS) return d;
    if (auto i = integer()) return static_cast<double>(*i);
    return std::nullopt;
  }
  std::vector<J> items() const {
    std::vector<J> out;
    if (!is_array()) return out;
    for (dom::element x : dom::array(e_)) out.emplace_back(x);
    return out;
  }
  template <class F>
  void members(F&& f) const {
    if (!is_object()) return;
    for (dom::key_value_pair kv : dom::object(e_)) f(kv.key, J(kv.value));
  }
  bool get_bool(std::string_view key, bool fallback) const { return (*this)[key].boolean().value_or(fallback); }
  std::string get_string(std::string_view key, std::string fallback = {}) const {
    auto s = (*this)[key].str();
    return s ? std::string(*s) : fallback;
  }

 private:
  dom::element e_;
  bool ok_ = false;
};

inline std::unexpected<util::Error> bad(const std::string& source, std::string msg) {
  return util::fail(std::move(msg), source);
}

}  // namespace heft::tokenizer::hf
