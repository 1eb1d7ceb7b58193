// examples/flatten_inputs/main.cpp — flatten a structured C++ input (static pytree: tuples, vectors,
// maps) by the spec torch.export wrote for the model, then unflatten flat outputs into a struct.
#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

import aotkit;

using namespace aotkit::pytree;

// The model's output, as a registered struct (a namedtuple node in specs).
struct detection {
  std::array<double, 4> box;
  double score;
};
template <>
constexpr auto aotkit::pytree::struct_fields<detection> = fields("demo.Detection", &detection::box, "box", &detection::score, "score");

static_assert(num_leaves<detection> == 5);  // known at compile time

int main() {
  std::ifstream in(std::string(AOTKIT_DATA) + "/treespec_detection_inputs.json");
  std::stringstream text;
  text << in.rdbuf();
  TreeSpec exported = treespec_loads(text.str());  // ((images, [targets...]), {"scale": ...})

  // The same structure in C++ types: a tuple of (args, kwargs); dicts are maps (sorted keys equal
  // the spec's insertion order here).
  using target = std::map<std::string, double>;
  using inputs = std::tuple<std::tuple<double, std::vector<target>>, std::map<std::string, double>>;
  inputs x{{0.5, {{{"boxes", 1.0}, {"labels", 2.0}}, {{"boxes", 3.0}, {"labels", 4.0}}}}, {{"scale", 0.25}}};

  TreeSpec mine = tree_structure_of(x);
  if (!(mine == exported)) {
    std::printf("structure differs:\n%s\n%s\n", mine.repr().c_str(), exported.repr().c_str());
    return 1;
  }
  std::vector<double> flat(exported.num_leaves());
  flatten_into<double>(x, std::span<double>(flat));  // no allocation
  std::printf("spec %s: %zu leaves:", treespec_pprint(exported).c_str(), flat.size());
  for (double v : flat) std::printf(" %g", v);

  std::array<double, 5> outputs{10, 20, 30, 40, 0.9};  // what a compiled model returned, flat
  auto d = static_unflatten<detection, double>(std::span<const double>(outputs));
  std::printf("\ndetection box=[%g %g %g %g] score=%g\n", d.box[0], d.box[1], d.box[2], d.box[3], d.score);
  return flat == std::vector<double>{0.5, 1, 2, 3, 4, 0.25} && d.score == 0.9 ? 0 : 1;
}
