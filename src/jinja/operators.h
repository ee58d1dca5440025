#pragma once
// Python's arithmetic, concatenation and membership on template values.
// `str + list` (or a number, bool or dict) is a TypeError in Python; in the
// JS-compatible mode (interpreter.h) it concatenates as @huggingface/jinja does.
#include <string_view>

#include "jinja/value.h"

namespace heft::jinja {

class Interpreter;

// op is one of + - * / // % ** ~
util::Result<Value> binary_op(Interpreter& in, std::string_view op, const Value& a, const Value& b);
util::Result<Value> negate(const Value& v);
util::Result<Value> unary_plus(const Value& v);
// `item in container`
util::Result<bool> contains(const Value& container, const Value& item);
// The error for using an Undefined where a value is needed.
util::Error undefined_error(const Value& v);

// Python slicing: container[start:stop:step] on a str, list or tuple.
util::Result<Value> slice(const Value& v, const Value& start, const Value& stop, const Value& step);

}  // namespace heft::jinja
