// tools/aotkit/demo_command.cpp — `aotkit demo`: what aotkit is for, on real artifacts bundled in
// data/ (resnet18's joint graph from torch, a torch.export-style input spec, an effect-token graph).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"

import aotkit;

namespace aotkit::cli {

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw aotkit::input_error(p.string(), "cannot read the bundled artifact");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The data directory: --data, $AOTKIT_DATA, <prefix>/share/aotkit next to this executable's
// <prefix>/bin (an install moved to another prefix still finds its data), the configured install
// dir, or the source tree's data/.
std::filesystem::path data_dir(const invocation& inv) {
  if (inv.has("data")) return inv.options.find("data")->second;
  if (const char* env = std::getenv("AOTKIT_DATA")) return env;
  std::vector<std::filesystem::path> candidates;
  std::error_code ec;
  if (auto self = std::filesystem::read_symlink("/proc/self/exe", ec); !ec)
    candidates.push_back(self.parent_path().parent_path() / "share" / "aotkit");
  candidates.emplace_back(AOTKIT_INSTALLED_DATA_DIR);
  candidates.emplace_back(AOTKIT_SOURCE_DATA_DIR);
  for (const auto& dir : candidates)
    if (std::filesystem::exists(dir / "graphs" / "aot_resnet18_joint.json", ec)) return dir;
  return AOTKIT_SOURCE_DATA_DIR;
}

// The report's own step times, also handed to the run's tracker for `--time`.
struct step_timer {
  run_tracker* tracker;
  std::vector<std::pair<std::string, double>> steps;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  void done(std::string name) {
    auto now = std::chrono::steady_clock::now();
    double ms = std::chrono::duration<double, std::milli>(now - t0).count();
    if (tracker) tracker->record(name, ms / 1000);
    steps.emplace_back(std::move(name), ms);
    t0 = now;
  }
};

// python_code's text without its leading blank lines and trailing indent, indented for the report.
std::string indented(const std::string& code) {
  std::string s = code.substr(code.find_first_not_of('\n'));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
  std::string out = "     ";
  for (char c : s) {
    out += c;
    if (c == '\n') out += "     ";
  }
  return out;
}

std::string ms(double v) {
  std::ostringstream s;
  s.precision(v < 10 ? 2 : 0);
  s << std::fixed << v << " ms";
  return s.str();
}

}  // namespace

void add_demo_command(registry& reg) {
  reg.default_group = "demo";  // `aotkit` alone shows what it is for
  reg.groups.push_back({"demo", "what aotkit is for, on bundled PyTorch artifacts (run: aotkit demo)", "report"});
  reg.commands.push_back({
      .group = "demo",
      .name = "report",
      .summary = "the default report (aotkit demo)",
      .description = "Runs aotkit's main jobs on artifacts captured from PyTorch (data/): a torch.export-style\n"
                     "input spec, resnet18's joint forward+backward graph, an effect-token graph, and\n"
                     "PyTorch's CUDA generator, and prints what each step found and how long it took.",
      .options = {{"json", "", "one JSON object instead of text"}, {"data", "DIR", "where the artifacts are"}},
      .takes_input = false,
      .run =
          [](const invocation& inv, const io& io) {
            using namespace aotkit;
            const bool json = inv.has("json");
            std::filesystem::path data = data_dir(inv);
            step_timer timer{io.tracker, {}};
            std::string js = "{";

            // 1. pytree: a spec as torch.export writes it, and a structured input flattened by it
            pytree::TreeSpec spec = pytree::treespec_loads(slurp(data / "treespec_detection_inputs.json"));
            std::vector<runtime::Value> leaves;
            for (std::size_t i = 0; i < spec.num_leaves(); ++i)
              leaves.emplace_back(runtime::empty_meta({2, static_cast<std::int64_t>(i) + 3}));
            auto inputs = pytree::tree_unflatten(leaves, spec);
            auto [paths, again] = pytree::tree_flatten_with_path(inputs);
            timer.done("pytree");

            // 2. the joint graph: size, lint, op histogram
            auto joint_doc = graph::read_fx_json(slurp(data / "graphs" / "aot_resnet18_joint.json"));
            graph::Graph& joint = joint_doc.module.graph();
            timer.done("load joint graph");
            auto problems = graph::lint_problems(joint);
            std::map<std::string, std::size_t> ops;
            for (graph::node_id n = joint.first(); n != graph::no_node; n = joint.node(n).next())
              if (joint.node(n).op() == graph::node_op::call_function) ++ops[joint.node(n).target()];
            std::vector<std::pair<std::size_t, std::string>> hist;
            for (const auto& [k, v] : ops) hist.emplace_back(v, k);
            std::sort(hist.rbegin(), hist.rend());
            timer.done("lint + histogram");

            // 3. forward metadata onto backward nodes
            auto copied = rewrite::copy_fwd_metadata_to_bw_nodes(joint_doc.module);
            std::vector<std::string> pairs;
            {
              rewrite::fwd_seq_nr_map first;
              rewrite::_collect_fwd_nodes_from_subgraph(joint, first);
              for (graph::node_id n = joint.first(); n != graph::no_node && pairs.size() < 3; n = joint.node(n).next()) {
                const graph::Node& node = joint.node(n);
                if (!rewrite::_is_backward_node_with_seq_nr(node) || !node.meta().fwd_nn_module_stack) continue;
                if (node.target() != "aten.convolution_backward.default" && node.target() != "aten.threshold_backward.default" &&
                    node.target() != "aten.native_batch_norm_backward.default")
                  continue;
                // a crafted --data graph may carry fwd_nn_module_stack of its own with no forward node
                // behind its seq_nr, or a stack of any shape: the report takes only what is there
                const auto* f = first.find(*node.meta().seq_nr);
                if (f == nullptr) continue;
                std::string stack;
                const graph::arg& s = *node.meta().fwd_nn_module_stack;
                if (s.is_sequence() && !s.items().empty()) {
                  const graph::arg& last = s.items().back();
                  if (last.is_sequence() && last.items().size() == 2 && last.items()[1].is_sequence() &&
                      !last.items()[1].items().empty() && last.items()[1].items()[0].kind() == graph::arg_kind::string)
                    stack = last.items()[1].items()[0].text();
                }
                pairs.push_back(node.name() + " <- " + f->graph->node(f->node).name() + (stack.empty() ? "" : " (" + stack + ")"));
              }
            }
            timer.done("copy_fwd_metadata_to_bw_nodes");

            // 4. effect tokens
            auto fx = graph::read_fx_json(slurp(data / "graphs" / "effects_print.json"));
            std::string before = graph::python_code(fx.module.graph());
            rewrite::token_metadata meta{{"ordered"}, 0};
            rewrite::unlift_tokens(fx.module, meta);
            std::string after = graph::python_code(fx.module.graph());
            timer.done("unlift_tokens");

            // 5. torch.rand on a CUDA generator, seed 0
            random::CUDAGenerator gen(0);
            auto cpu = random::torch_rand(gen, 4);
            std::vector<float> gpu;
            if (random::cuda_device_count() > 0) {
              gpu.resize(4);
              random::gpu_torch_cuda_fill(gpu, random::torch_distribution::uniform, 0, 0, random::cuda_device_props());
            }
            timer.done("torch.rand (seed 0)");

            if (json) {
              auto str = [](const std::string& s) { return runtime::json_string(s); };
              js += "\"spec\": {\"repr\": " + str(spec.repr()) + ", \"num_leaves\": " + std::to_string(spec.num_leaves()) + ", \"leaves\": [";
              for (std::size_t i = 0; i < paths.size(); ++i)
                js += (i ? ", " : "") + str(pytree::keystr(paths[i].first) + " = " + paths[i].second.repr());
              js += "]}, \"joint\": {\"nodes\": " + std::to_string(joint.size()) + ", \"lint_ok\": " + (problems.empty() ? "true" : "false") + ", \"ops\": {";
              for (std::size_t i = 0; i < hist.size(); ++i) js += (i ? ", " : "") + str(hist[i].second) + ": " + std::to_string(hist[i].first);
              js += "}}, \"copy_fwd_metadata\": {\"matched\": " + std::to_string(copied.matched) + ", \"gradient_acc\": " +
                    std::to_string(copied.gradient_acc) + ", \"unmatched\": " + std::to_string(copied.unmatched) + ", \"examples\": [";
              for (std::size_t i = 0; i < pairs.size(); ++i) js += (i ? ", " : "") + str(pairs[i]);
              js += "]}, \"unlift_tokens\": {\"before\": " + str(before) + ", \"after\": " + str(after) + "}, \"torch_rand_seed0\": {\"cpu\": [";
              for (std::size_t i = 0; i < cpu.size(); ++i) js += (i ? ", " : "") + python::float_repr(cpu[i]);
              js += "], \"gpu\": ";
              if (gpu.empty()) {
                js += "null";
              } else {
                js += "[";
                for (std::size_t i = 0; i < gpu.size(); ++i) js += (i ? ", " : "") + python::float_repr(gpu[i]);
                js += "]";
              }
              js += "}, \"ms\": {";
              for (std::size_t i = 0; i < timer.steps.size(); ++i)
                js += (i ? ", " : "") + str(timer.steps[i].first) + ": " + python::float_repr(timer.steps[i].second);
              io.out << js << "}}\n";
              return int{ok};
            }
            auto& o = io.out;
            o << "aotkit " << "— PyTorch's AOT Autograd toolbox in C++20 (artifacts: " << data.string() << ")\n\n";
            o << "1. A structured input flattened by the spec torch.export wrote (treespec_loads)\n"
              << "   spec: " << pytree::treespec_pprint(spec) << "  (" << spec.num_leaves() << " leaves)\n";
            for (const auto& [path, leaf] : paths) o << "   " << pytree::keystr(path) << " = " << leaf.repr() << '\n';
            o << "\n2. resnet18's joint forward+backward graph (captured by functorch, fx-json/1)\n"
              << "   " << joint.size() << " nodes, lint " << (problems.empty() ? "clean" : problems.front()) << "\n   ops:";
            for (std::size_t i = 0; i < std::min<std::size_t>(hist.size(), 6); ++i)
              o << (i ? ", " : " ") << hist[i].second << " ×" << hist[i].first;
            o << "\n\n3. copy_fwd_metadata_to_bw_nodes: " << copied.matched << " backward nodes got their forward node's module stack ("
              << copied.gradient_acc << " gradient accumulations skipped, " << copied.unmatched << " unmatched)\n";
            for (const auto& p : pairs) o << "   " << p << '\n';
            o << "\n4. unlift_tokens on an effect-token graph (docs/semantics.md §B.6)\n   before:\n" << indented(before)
              << "\n   after:\n" << indented(after) << '\n';
            o << "\n5. torch.manual_seed(0); torch.rand(4, device='cuda'), computed by aotkit on the CPU:\n   ";
            for (float v : cpu) o << python::float_repr(v) << "  ";
            o << "\n   on the GPU: ";
            if (gpu.empty()) {
              o << "no GPU here";
            } else {
              for (float v : gpu) o << python::float_repr(v) << "  ";
            }
            o << "\n\ntimes:";
            for (const auto& [name, t] : timer.steps) o << "  " << name << " " << ms(t) << ';';
            o << '\n';
            return int{ok};
          },
  });
}

}  // namespace aotkit::cli
