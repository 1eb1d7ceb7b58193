// modules/runtime/json_document.hpp — nlohmann DOM helpers shared by the JSON readers of aotkit's
// implementation units and tool (not installed): duplicate keys rejected, iterative writing.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
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

/// Appends "/" and `token` escaped as a JSON pointer reference token (RFC 6901: ~0, ~1).
inline void append_pointer_token(std::string& out, std::string_view token) {
  out += '/';
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
}

/// An object's key with its hash, as repeated_key sorts them.
using hashed_key = std::pair<std::size_t, std::string_view>;
inline hashed_key hash_key(std::string_view k) noexcept { return {std::hash<std::string_view>{}(k), k}; }

/// A key `keys` holds twice, if any (the keys are sorted in place): the check of a long object's
/// keys when it closes, by sorting them, without a hash table a hostile document could flood.
/// They are sorted by their hash first (keys such as "getitem_123" share long prefixes, which a
/// text comparison reads again and again); keys of equal hash compare as text, so colliding
/// hashes cost comparisons, never a wrong answer.
inline std::optional<std::string_view> repeated_key(std::vector<hashed_key>& keys) {
  std::sort(keys.begin(), keys.end());
  auto repeated = std::adjacent_find(keys.begin(), keys.end());
  if (repeated == keys.end()) return std::nullopt;
  return repeated->second;
}

/// Builds a DOM from nlohmann's SAX events, rejecting repeated keys. nlohmann's own DOM builders
/// are quadratic on the documents aotkit reads: the callback parser scans the parent container for
/// a discarded value at every object's end, and an ordered_json object finds each new key by a
/// linear search. Here a member is appended; its key is checked against the others by a scan
/// while the object is short, and the keys of a longer one are sorted when it closes (no hash
/// a hostile document could flood), so a build is O(n log n) at worst.
template <class Json>
class unique_key_dom_builder {
  using string_t = typename Json::string_t;
  using object_t = typename Json::object_t;
  using array_t = typename Json::array_t;
  using member_vector = std::vector<typename object_t::value_type, typename object_t::allocator_type>;
  // ordered_json's object is a vector of members (ordered_map derives from it)
  static constexpr bool ordered = std::is_base_of_v<member_vector, object_t>;
  static constexpr std::size_t linear_limit = 16;

  struct frame {
    Json* j;
    const string_t* key = nullptr;  // objects: the member being read (stable until the next key)
    Json* slot = nullptr;           // objects: its value
  };

 public:
  explicit unique_key_dom_builder(Json& root) : root_(root) {}

  bool null() { return put(Json(nullptr)); }
  bool boolean(bool v) { return put(Json(v)); }
  bool number_integer(typename Json::number_integer_t v) { return put(Json(v)); }
  bool number_unsigned(typename Json::number_unsigned_t v) { return put(Json(v)); }
  bool number_float(typename Json::number_float_t v, const string_t&) { return put(Json(v)); }
  bool string(string_t& v) { return put(Json(std::move(v))); }  // the lexer clears its buffer next
  bool binary(typename Json::binary_t& v) {
    return put(Json::binary(std::move(static_cast<typename Json::binary_t::container_type&>(v))));
  }
  bool start_object(std::size_t) {
    stack_.push_back(frame{place(Json(nlohmann::detail::value_t::object)), nullptr, nullptr});
    return true;
  }
  bool start_array(std::size_t) {
    stack_.push_back(frame{place(Json(nlohmann::detail::value_t::array)), nullptr, nullptr});
    return true;
  }
  bool end_object() {
    if constexpr (ordered) {
      const member_vector& members = stack_.back().j->template get_ref<object_t&>();
      if (members.size() > linear_limit) {
        std::vector<hashed_key> keys;
        keys.reserve(members.size());
        for (const auto& m : members) keys.push_back(hash_key(m.first));
        if (auto k = repeated_key(keys)) duplicate(string_t(*k));
      }
    }
    stack_.pop_back();
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool key(string_t& k) {
    frame& f = stack_.back();
    object_t& obj = f.j->template get_ref<object_t&>();
    if constexpr (ordered) {
      member_vector& members = obj;
      if (members.size() < linear_limit) {
        for (const auto& m : members)
          if (m.first == k) duplicate(k);
      }
      members.emplace_back(std::move(k), Json());
      f.key = &members.back().first;
      f.slot = &members.back().second;
    } else {
      auto [it, fresh] = obj.try_emplace(std::move(k));  // try_emplace leaves `k` alone when it is there
      if (!fresh) duplicate(k);
      f.key = &it->first;
      f.slot = &it->second;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const typename Json::exception& ex) {
    switch ((ex.id / 100) % 100) {  // rethrown as the type nlohmann's DOM parser throws
      case 4: throw *static_cast<const typename Json::out_of_range*>(&ex);
      case 2: throw *static_cast<const typename Json::invalid_iterator*>(&ex);
      case 3: throw *static_cast<const typename Json::type_error*>(&ex);
      case 5: throw *static_cast<const typename Json::other_error*>(&ex);
      default: throw *static_cast<const typename Json::parse_error*>(&ex);
    }
  }

 private:
  // where a new value goes: the root, the end of the open array, or the open object's member
  Json* place(Json v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    frame& f = stack_.back();
    if (f.j->is_array()) {
      array_t& a = f.j->template get_ref<array_t&>();
      a.push_back(std::move(v));
      return &a.back();
    }
    *f.slot = std::move(v);
    return f.slot;
  }
  bool put(Json v) {
    place(std::move(v));
    return true;
  }
  // the JSON pointer of the innermost open object ("/" for the root)
  [[noreturn]] void duplicate(const string_t& k) const {
    std::string p;
    for (std::size_t i = 0; i + 1 < stack_.size(); ++i) {
      if (stack_[i].j->is_object()) append_pointer_token(p, *stack_[i].key);
      else append_pointer_token(p, std::to_string(stack_[i].j->size() - 1));  // the open element is the array's last
    }
    throw duplicate_json_key(p.empty() ? std::string("/") : p, k);
  }

  Json& root_;
  std::vector<frame> stack_;
};

/// nlohmann's parse (iterative, any depth, linear time) into a DOM; throws duplicate_json_key on a
/// repeated key. nlohmann's own exceptions pass through.
template <class Json>
Json parse_json_unique_keys(std::string_view text) {
  Json root;
  unique_key_dom_builder<Json> builder(root);
  Json::sax_parse(text.begin(), text.end(), &builder);
  return root;
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
