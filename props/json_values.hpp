// props/json_values.hpp — random JSON values for the differential properties of aotkit's JSON
// readers against nlohmann: every kind of value, keys and text that need every escape.
#pragma once

#include <rapidcheck.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace aotkit_props {

using json = nlohmann::ordered_json;

// Strings over a small alphabet that needs every kind of escape, and multi-byte UTF-8.
inline std::string random_text() {
  static const std::vector<std::string> pieces{"a", "Z", "_", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f",
                                               "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "0", "{", "]"};
  std::string s;
  for (std::size_t i : *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, pieces.size())))
    s += pieces[i];
  return s;
}

inline json random_json(int depth) {
  int kind = *rc::gen::inRange(0, depth > 0 ? 8 : 6);
  switch (kind) {
    case 0: return nullptr;
    case 1: return *rc::gen::arbitrary<bool>();
    case 2: return *rc::gen::arbitrary<std::int64_t>();
    case 3: {
      double d = *rc::gen::arbitrary<double>();
      return std::isfinite(d) ? d : 0.5;  // non-finite floats are not JSON (nlohmann writes null)
    }
    case 4: return static_cast<double>(*rc::gen::inRange(-1000, 1000)) / 8;  // floats with few digits: 1.0, -0.125
    case 5: return random_text();
    case 6: {
      json a = json::array();
      for (int i = *rc::gen::inRange(0, 4); i > 0; --i) a.push_back(random_json(depth - 1));
      return a;
    }
    default: {
      json o = json::object();
      std::set<std::string> keys;
      for (int i = *rc::gen::inRange(0, 4); i > 0; --i) {
        std::string k = random_text();
        if (keys.insert(k).second) o[k] = random_json(depth - 1);
      }
      return o;
    }
  }
}

}  // namespace aotkit_props
