// props/pytree/spec.prop.cpp — laws of TreeSpec: JSON and compact round trips, equal specs hash
// equal, a spec is its kind and context over its children, counts add up.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cstdint>
#include <array>
#include <map>
#include <span>
#include <optional>
#include <tuple>
#include <string>
#include <variant>
#include <vector>

import aotkit.pytree;

using namespace aotkit::pytree;

namespace {

rc::Gen<key> gen_key() {
  return rc::gen::oneOf(rc::gen::map(rc::gen::arbitrary<std::int64_t>(), [](std::int64_t i) { return key(i); }),
                        rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange<char>(' ', '~' + 1)),
                                     [](std::string s) { return key(std::move(s)); }));
}

std::vector<key> unique_keys(std::size_t n) {
  auto keys = *rc::gen::unique<std::vector<key>>(n, gen_key());
  return keys;
}

// Specs of every serializable kind, `depth` levels deep at most; `compact_only` keeps to the kinds
// the compact format has.
TreeSpec gen_spec(int depth, bool compact_only) {
  int kinds = compact_only ? 4 : 8;
  int k = depth == 0 ? 0 : *rc::gen::inRange(0, kinds);
  if (k == 0) return TreeSpec::leaf();
  auto n = *rc::gen::inRange<std::size_t>(0, 4);
  std::vector<TreeSpec> children;
  for (std::size_t i = 0; i < n; ++i) children.push_back(gen_spec(depth - 1, compact_only));
  switch (k) {
    case 1: return TreeSpec::list(children);
    case 2: return TreeSpec::tuple(children);
    case 3: return TreeSpec::dict(unique_keys(n), children);
    case 4: return TreeSpec::ordered_dict(unique_keys(n), children);
    case 5: return TreeSpec::default_dict("builtins", *rc::gen::element<std::string>("list", "int", "dict"), unique_keys(n), children);
    case 6: return TreeSpec::deque(children, *rc::gen::element<std::optional<std::int64_t>>(std::nullopt, 0, 7));
    default: {
      std::vector<std::string> fields;
      for (std::size_t i = 0; i < n; ++i) fields.push_back("f" + std::to_string(i));
      // Registered below under one name per arity.
      return TreeSpec::namedtuple("props.NT" + std::to_string(n), fields, children);
    }
  }
}

void register_namedtuples() {
  static const bool once = [] {
    for (int n = 0; n < 4; ++n) {
      std::vector<std::string> fields;
      for (int i = 0; i < n; ++i) fields.push_back("f" + std::to_string(i));
      register_namedtuple("props.NT" + std::to_string(n), fields, "props.NT" + std::to_string(n));
    }
    return true;
  }();
  (void)once;
}

}  // namespace

TEST_CASE("TreeSpec laws", "[pytree]") {
  register_namedtuples();
  rc::prop("treespec_loads(treespec_dumps(s)) == s, and dumps is stable", [] {
    TreeSpec s = gen_spec(4, false);
    std::string j = treespec_dumps(s);
    TreeSpec back = treespec_loads(j);
    RC_ASSERT(back == s);
    RC_ASSERT(treespec_dumps(back) == j);
  });
  rc::prop("treespec_from_compact(treespec_to_compact(s)) == s", [] {
    TreeSpec s = gen_spec(5, true);
    RC_ASSERT(treespec_from_compact(treespec_to_compact(s)) == s);
  });
  rc::prop("a spec equals its rebuild from its children, and equal specs hash equal", [] {
    TreeSpec s = gen_spec(4, false);
    RC_PRE(!s.is_leaf());
    spec_builder b;
    b.open(s.kind(), s.num_children(), s.context());
    for (const auto& c : s.children()) b.append(c);
    TreeSpec rebuilt = std::move(b).finish();
    RC_ASSERT(rebuilt == s);
    RC_ASSERT(rebuilt.hash() == s.hash());
  });
  rc::prop("counts add up over the children", [] {
    TreeSpec s = gen_spec(4, false);
    std::size_t leaves = s.is_leaf() ? 1 : 0, nodes = 1;
    for (const auto& c : s.children()) {
      leaves += c.num_leaves();
      nodes += c.num_nodes();
    }
    RC_ASSERT(leaves == s.num_leaves());
    RC_ASSERT(nodes == s.num_nodes());
    RC_ASSERT(s.nodes().size() == s.num_nodes());
  });
}

TEST_CASE("static pytree laws", "[pytree][static]") {
  rc::prop("static flatten agrees with the dynamic spec, and unflatten inverts flatten",
           [](const std::vector<std::tuple<int, double>>& rows, const std::map<std::string, int>& named) {
             std::tuple<std::vector<std::tuple<int, double>>, std::map<std::string, int>> v{rows, named};
             TreeSpec spec = tree_structure_of(v);
             RC_ASSERT(spec.num_leaves() == 2 * rows.size() + named.size());
             RC_ASSERT(spec.child(0).num_children() == rows.size());
             RC_ASSERT(spec.child(1).context().keys.size() == named.size());
             std::array<double, 3> buf{};
             std::tuple<int, std::pair<double, float>> small{rows.empty() ? 0 : std::get<0>(rows[0]), {0.5, 2.0f}};
             flatten_into<double>(small, std::span<double>(buf));
             auto back = static_unflatten<std::tuple<int, std::pair<double, float>>, double>(buf);
             RC_ASSERT(back == small);
           });
}
