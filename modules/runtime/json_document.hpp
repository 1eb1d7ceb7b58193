// modules/runtime/json_document.hpp — nlohmann DOM helpers shared by the JSON readers of aotkit's
// implementation units and tool (not installed): duplicate keys rejected, iterative writing.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace aotkit::runtime::detail {

/// Thrown by parse_json_unique_keys for an object with a repeated key: the runtime Value reader
/// rejects those, and so does every other reader (one rule for all). Callers turn it into their
/// typed error (aotkit::input_error at `pointer`).
struct duplicate_json_key : std::runtime_error {
  duplicate_json_key(std::string pointer_, std::string key_)
      : std::runtime_error("duplicate key '" + key_ + "'"), pointer(std::move(pointer_)), key(std::move(key_)) {}
  std::string pointer;  ///< JSON pointer of the object holding the key twice ("/" for the root)
  std::string key;
};

/// nlohmann's parse (iterative, any depth) with a callback that tracks the open containers and
/// throws duplicate_json_key on a repeated key. nlohmann's own exceptions pass through.
template <class Json>
Json parse_json_unique_keys(std::string_view text) {
  struct frame {
    bool object;
    std::size_t index = 0;  // arrays: the next element's index
    std::string key;        // objects: the current member's key
    std::unordered_set<std::string> keys;
  };
  std::vector<frame> open;
  auto pointer = [&] {
    std::string p;
    for (std::size_t i = 0; i + 1 < open.size(); ++i) {
      p += '/';
      if (open[i].object) {
        for (char c : open[i].key) p += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
      } else {
        p += std::to_string(open[i].index - 1);
      }
    }
    return p.empty() ? std::string("/") : p;
  };
  // an element of an array is about to start: count it
  auto element = [&] {
    if (!open.empty() && !open.back().object) ++open.back().index;
  };
  using event = typename Json::parse_event_t;
  typename Json::parser_callback_t cb = [&](int, event ev, Json& parsed) {
    switch (ev) {
      case event::object_start:
        element();
        open.push_back({true, 0, {}, {}});
        break;
      case event::array_start:
        element();
        open.push_back({false, 0, {}, {}});
        break;
      case event::object_end:
      case event::array_end: open.pop_back(); break;
      case event::key: {
        const auto& k = parsed.template get_ref<const typename Json::string_t&>();
        if (!open.back().keys.insert(k).second) throw duplicate_json_key(pointer(), k);
        open.back().key = k;
        break;
      }
      case event::value: element(); break;
    }
    return true;
  };
  return Json::parse(text.begin(), text.end(), cb);
}

/// Python's `json.dumps(j)` without recursion (nlohmann's serializer recurses once per level: a
/// value nested 100k deep overflows the stack): ", " and ": " separators; strings (keys included)
/// written by `put_string(out, text)` and floats by `put_float(out, d)`, the caller's writers
/// (runtime::json_string, python::append_float_repr: module functions this header cannot name).
template <class Json, class PutString, class PutFloat>
std::string dump_iterative(const Json& root, PutString put_string, PutFloat put_float) {
  std::string out;
  auto put_scalar = [&](const Json& j) {
    if (j.is_string()) {
      put_string(out, j.template get_ref<const typename Json::string_t&>());
    } else if (j.is_number_float()) {
      put_float(out, j.template get<double>());
    } else {
      out += j.dump();  // null, booleans, integers: no nesting
    }
  };
  struct frame {
    const Json* j;
    typename Json::const_iterator it;
    bool first;
  };
  std::vector<frame> stack;
  auto open = [&](const Json& j) {
    if (!j.is_structured()) {
      put_scalar(j);
      return;
    }
    out += j.is_object() ? '{' : '[';
    stack.push_back({&j, j.cbegin(), true});
  };
  open(root);
  while (!stack.empty()) {
    frame& f = stack.back();
    if (f.it == f.j->cend()) {
      out += f.j->is_object() ? '}' : ']';
      stack.pop_back();
      continue;
    }
    if (!f.first) out += ", ";
    f.first = false;
    if (f.j->is_object()) {
      put_string(out, f.it.key());
      out += ": ";
    }
    const Json& child = *f.it;
    ++f.it;
    open(child);  // may push: `f` is not used after this
  }
  return out;
}

}  // namespace aotkit::runtime::detail
