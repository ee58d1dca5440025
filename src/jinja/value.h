#pragma once
// The values a template computes with, modelled on the Python objects Jinja2
// sees: Undefined, None, bool, int, float, str (plain or Markup), list, tuple,
// dict, Namespace, callables, and a few built-in objects (loop, joiner).
// Copies are cheap: strings and containers are shared. Lists are shared
// *mutable* objects because Python's sandbox still lets `list.pop()` change a
// list every alias sees; dicts cannot be changed by a sandboxed template.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "util/error.h"

namespace heft::jinja {

class Value;
class Interpreter;

// 'text' in single quotes, as Python error messages name things.
inline std::string quoted(std::string_view s) {
  std::string r = "'";
  r += s;
  r += "'";
  return r;
}

// What a list-kind value is in Python. Filters like map() and select() return
// generators: always true, no len(), no [i], consumed by one pass, not JSON.
// reversed() gives an iterator with the same traits; dict.keys()/values()/items()
// give views (len() and repeated passes work, [i] and JSON do not).
enum class Flavor : uint8_t { List, Generator, Iterator, DictKeys, DictValues, DictItems };

struct ListData {
  std::vector<Value> items;
  bool group = false;  // a groupby() result: (grouper, list) also readable as .grouper and .list
  Flavor flavor = Flavor::List;
  const char* origin = "";  // the generator function, for printing
};

// Insertion-ordered mapping with Python key equality (1 == 1.0 == True).
struct DictData {
  std::vector<std::pair<Value, Value>> items;

  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  void set(Value key, Value value);        // replaces an equal key in place
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

using NativeFn = std::function<util::Result<Value>(Interpreter&, CallArgs&)>;

struct Function {
  enum class Kind : uint8_t { Builtin, Macro, Method };
  std::string name;
  Kind kind = Kind::Builtin;
  NativeFn fn;
};

// A built-in object whose attributes are computed (loop, joiner, cycler).
class Object : public std::enable_shared_from_this<Object> {
 public:
  virtual ~Object() = default;
  virtual std::string type_name() const = 0;
  virtual std::string repr() const { return std::string("<").append(type_name()).append(" object>"); }
  virtual Value attr(std::string_view name);  // Undefined when there is none
  virtual bool callable() const { return false; }
  virtual util::Result<Value> call(Interpreter& in, CallArgs& args);
};

class Value {
 public:
  enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Tuple, Dict, Namespace, Function, Object };

  Value() = default;  // Undefined
  Value(std::nullptr_t) : v_(nullptr) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(int64_t{i}) {}
  Value(int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(Str{std::make_shared<const std::string>(std::move(s)), false}) {}
  Value(std::string_view s) : Value(std::string(s)) {}
  Value(const char* s) : Value(std::string(s)) {}

  // An Undefined that says why when it is used ("'x' is undefined").
  static Value undefined(std::string reason);
  static Value none() { return Value(nullptr); }
  static Value markup(std::string s);  // a `|safe` string
  static Value list(std::vector<Value> items = {});
  static Value tuple(std::vector<Value> items);
  // groupby()'s (grouper, list) pair, a tuple whose items are also attributes.
  static Value group(Value grouper, Value list);
  // A generator, iterator or dict view holding `items` (see Flavor).
  static Value lazy(std::vector<Value> items, Flavor flavor, const char* origin = "");
  static Value make_dict(DictData d = {});
  static Value ns(DictData attrs = {});
  static Value function(std::string name, NativeFn fn, Function::Kind kind = Function::Kind::Builtin);
  static Value object(std::shared_ptr<Object> o);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::Undefined; }
  bool is_none() const { return kind() == Kind::None; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_int() const { return kind() == Kind::Int; }
  bool is_float() const { return kind() == Kind::Float; }
  bool is_string() const { return kind() == Kind::String; }
  bool is_list() const { return kind() == Kind::List; }
  bool is_tuple() const { return kind() == Kind::Tuple; }
  bool is_sequence() const { return is_list() || is_tuple(); }  // any list flavor, or tuple
  bool is_group() const;
  Flavor flavor() const;  // Flavor::List for plain lists and everything else
  const char* origin() const;  // a generator's function name
  bool is_plain_sequence() const { return is_tuple() || (is_list() && flavor() == Flavor::List); }
  // A generator or iterator: single pass, always true, no len().
  bool is_lazy() const { return flavor() == Flavor::Generator || flavor() == Flavor::Iterator; }
  bool is_dict() const { return kind() == Kind::Dict; }
  bool is_namespace() const { return kind() == Kind::Namespace; }
  bool is_function() const { return kind() == Kind::Function; }
  bool is_object() const { return kind() == Kind::Object; }
  // Python's numbers.Number: int, float and bool.
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_integral() const { return is_int() || is_bool(); }
  bool is_callable() const;

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const;    // Int or Bool
  double as_float() const;   // any number
  const std::string& str() const { return *std::get<Str>(v_).s; }
  bool is_safe() const { return is_string() && std::get<Str>(v_).safe; }
  std::vector<Value>& items() const;  // list or tuple (shared with every copy)
  const DictData& dict() const;        // dict
  DictData& ns_attrs() const;          // namespace (shared, mutable)
  const Function& function() const { return *std::get<FnRef>(v_).p; }
  Object& object() const { return *std::get<ObjRef>(v_).p; }
  std::shared_ptr<Object> object_ptr() const { return std::get<ObjRef>(v_).p; }
  const std::string& undefined_reason() const;

  // Python truthiness (Undefined is false, a namespace or function is true).
  bool truthy() const;
  // Same container object (Python `is` for lists/dicts/namespaces).
  bool same_object(const Value& other) const;

 private:
  struct Undef { std::shared_ptr<const std::string> reason; };
  struct Str { std::shared_ptr<const std::string> s; bool safe = false; };
  struct ListRef { std::shared_ptr<ListData> p; };
  struct TupleRef { std::shared_ptr<ListData> p; };
  struct DictRef { std::shared_ptr<const DictData> p; };
  struct NsRef { std::shared_ptr<DictData> p; };
  struct FnRef { std::shared_ptr<const Function> p; };
  struct ObjRef { std::shared_ptr<Object> p; };
  // Order must match Kind.
  std::variant<Undef, std::nullptr_t, bool, int64_t, double, Str, ListRef, TupleRef, DictRef, NsRef, FnRef, ObjRef> v_;
};

// A copy whose lists, tuples, dicts and namespaces are new objects (all the way down).
Value deep_copy(const Value& v);

// Python `==` (numbers by value across int/float/bool, lists and tuples never equal).
bool equals(const Value& a, const Value& b);
// Python ordering for <, <=, >, >=: -1, 0 or 1, or an error for unorderable types.
util::Result<int> compare(const Value& a, const Value& b);
// Python's name for the type, as error messages show it ("str", "NoneType", "list").
std::string type_name(const Value& v);

}  // namespace heft::jinja
