#include "jinja/globals.h"

#include <ctime>

#include "jinja/arguments.h"
#include "jinja/format.h"

namespace heft::jinja {

namespace {

using util::Result;

Result<Value> g_range(Interpreter& in, CallArgs& args) {
  if (!args.keyword.empty()) return util::fail("range() takes no keyword arguments");
  const auto& p = args.positional;
  if (p.empty() || p.size() > 3) return util::fail("range expected 1 to 3 arguments, got " + std::to_string(p.size()));
  for (const auto& v : p)
    if (!v.is_integral()) return util::fail(quoted(type_name(v)) + " object cannot be interpreted as an integer");
  int64_t start = 0, stop, step = 1;
  if (p.size() == 1) {
    stop = p[0].as_int();
  } else {
    start = p[0].as_int();
    stop = p[1].as_int();
    if (p.size() == 3) step = p[2].as_int();
  }
  if (step == 0) return util::fail("range() arg 3 must not be zero");
  // Python's len(range) computed without overflow.
  __int128 n = 0;
  if (step > 0 && start < stop) n = ((__int128)stop - start + step - 1) / step;
  if (step < 0 && start > stop) n = ((__int128)start - stop - step - 1) / -step;
  if (n > kMaxRange)
    return util::fail("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + std::to_string(kMaxRange) + ").");
  HEFT_TRY(in.charge(static_cast<uint64_t>(n)));
  std::vector<Value> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < static_cast<int64_t>(n); ++i) out.emplace_back(start + i * step);
  return Value::list(std::move(out));
}

// dict(mapping or pairs, **kwargs), as namespace() also accepts.
Result<DictData> dict_from(Interpreter& in, CallArgs& args, const char* fn) {
  if (args.positional.size() > 1)
    return util::fail(std::string(fn) + " expected at most 1 argument, got " + std::to_string(args.positional.size()));
  DictData d;
  if (!args.positional.empty()) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      d = src.dict();
    } else if (src.is_namespace()) {
      d = src.ns_attrs();
    } else {
      std::vector<Value> items = HEFT_TRY(in.iterate(src));
      for (const auto& item : items) {
        std::vector<Value> pair = HEFT_TRY(in.iterate(item));
        if (pair.size() != 2)
          return util::fail("dictionary update sequence element has length " + std::to_string(pair.size()) + "; 2 is required");
        d.set(pair[0], pair[1]);
      }
    }
  }
  for (auto& [k, v] : args.keyword) d.set(k, v);
  HEFT_TRY(in.charge(d.items.size()));
  return d;
}

Result<Value> g_dict(Interpreter& in, CallArgs& args) { return Value::make_dict(HEFT_TRY(dict_from(in, args, "dict"))); }

Result<Value> g_namespace(Interpreter& in, CallArgs& args) {
  DictData d = HEFT_TRY(dict_from(in, args, "namespace"));
  for (const auto& [k, v] : d.items)
    if (!k.is_string()) return util::fail("namespace keys must be strings");
  Value ns = Value::ns(std::move(d));
  in.track_namespace(ns);
  return ns;
}

class Joiner : public Object {
 public:
  explicit Joiner(std::string sep) : sep_(std::move(sep)) {}
  std::string type_name() const override { return "Joiner"; }
  bool callable() const override { return true; }
  Result<Value> call(Interpreter&, CallArgs& args) override {
    HEFT_TRY(bind("joiner", args, {}));
    if (!used_) {
      used_ = true;
      return Value("");
    }
    return Value(sep_);
  }

 private:
  std::string sep_;
  bool used_ = false;
};

Result<Value> g_joiner(Interpreter& in, CallArgs& args) {
  auto a = HEFT_TRY(bind("joiner", args, {{"sep", Value(", ")}}));
  return Value::object(std::make_shared<Joiner>(HEFT_TRY(in.str(a[0]))));
}

class Cycler : public Object {
 public:
  explicit Cycler(std::vector<Value> items) : items_(std::move(items)) {}
  std::string type_name() const override { return "Cycler"; }
  Value attr(std::string_view name) override {
    if (name == "current") return items_[pos_];
    auto self = std::static_pointer_cast<Cycler>(shared_from_this());  // methods outlive a dropped cycler
    if (name == "next")
      return Value::function("next", [self](Interpreter&, CallArgs& args) -> Result<Value> {
        HEFT_TRY(bind("next", args, {}));
        Value v = self->items_[self->pos_];
        self->pos_ = (self->pos_ + 1) % self->items_.size();
        return v;
      }, Function::Kind::Method);
    if (name == "reset")
      return Value::function("reset", [self](Interpreter&, CallArgs& args) -> Result<Value> {
        HEFT_TRY(bind("reset", args, {}));
        self->pos_ = 0;
        return Value::none();
      }, Function::Kind::Method);
    return Object::attr(name);
  }

 private:
  std::vector<Value> items_;
  size_t pos_ = 0;
};

Result<Value> g_cycler(Interpreter&, CallArgs& args) {
  if (args.positional.empty()) return util::fail("at least one item has to be provided");
  return Value::object(std::make_shared<Cycler>(args.positional));
}

Result<Value> g_raise_exception(Interpreter& in, CallArgs& args) {
  auto a = HEFT_TRY(bind("raise_exception", args, {{"message", std::nullopt}}));
  return util::fail(std::string(kRaisedPrefix) + HEFT_TRY(in.str(a[0])));
}

Result<Value> g_strftime_now(Interpreter& in, CallArgs& args) {
  auto a = HEFT_TRY(bind("strftime_now", args, {{"format", std::nullopt}}));
  std::string fmt = HEFT_TRY(str_arg("strftime_now", "format", a[0]));
  if (fmt.size() > 4096) return util::fail("strftime_now(): format too long");
  std::tm tm = in.now();
  std::string buf(fmt.size() * 64 + 64, '\0');
  // Python keeps unknown directives; C strftime may print nothing for an empty result.
  size_t n = fmt.empty() ? 0 : std::strftime(buf.data(), buf.size(), fmt.c_str(), &tm);
  buf.resize(n);
  return Value(std::move(buf));
}

}  // namespace

void add_globals(Vars& g) {
  g.emplace_back("range", Value::function("range", g_range));
  g.emplace_back("dict", Value::function("dict", g_dict));
  g.emplace_back("namespace", Value::function("namespace", g_namespace));
  g.emplace_back("joiner", Value::function("joiner", g_joiner));
  g.emplace_back("cycler", Value::function("cycler", g_cycler));
  g.emplace_back("raise_exception", Value::function("raise_exception", g_raise_exception));
  g.emplace_back("strftime_now", Value::function("strftime_now", g_strftime_now));
}

}  // namespace heft::jinja
