// tools/aotkit/rewrite_commands.cpp — `aotkit rewrite ...`: the AOT rewrites on fx-json/1 files,
// fx-json/1 on stdout and a one-line summary on stderr.
#include <cstddef>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"

import aotkit;

#include "fx_io.hpp"  // after the import: it uses aotkit.graph

namespace aotkit::cli {

void add_rewrite_commands(registry& reg) {
  reg.groups.push_back({"rewrite", "AOT graph rewrites on fx-json/1: copy-fwd-metadata, unlift-tokens, dce"});
  reg.commands.push_back({
      .group = "rewrite",
      .name = "copy-fwd-metadata",
      .summary = "copy_fwd_metadata_to_bw_nodes over the whole module tree",
      .description = "Gives every backward node the nn_module_stack and source_fn_stack of the first forward\n"
                     "node with its seq_nr (as fwd_nn_module_stack / fwd_source_fn_stack). --torch latest\n"
                     "(default): backward = partitioner_tag \"is_backward\", over the whole module tree,\n"
                     "gradient-accumulation nodes skipped, custom meta copied. --torch 2.6: backward = a\n"
                     "seq_nr without nn_module_stack, root graph only. Writes fx-json/1;\n"
                     "stderr: 'matched M, gradient_acc G, unmatched U, forward F'.",
      .options = {torch_option},
      .run =
          [](const invocation& inv, const io& io) {
            auto doc = read_graph(inv, io);
            rewrite::metadata_copy_report r;
            {
              auto copying = phase(io, "copy_fwd_metadata_to_bw_nodes");
              r = rewrite::copy_fwd_metadata_to_bw_nodes(doc.module, profile_of(inv));
            }
            write_graph(doc, io);
            io.err << "matched " << r.matched << ", gradient_acc " << r.gradient_acc << ", unmatched " << r.unmatched
                   << ", forward " << r.forward << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "rewrite",
      .name = "unlift-tokens",
      .summary = "unlift_tokens: token inputs become _make_token, token outputs one _sink_tokens",
      .description = "Treats the file as the forward module with --tokens N effect tokens (or, with\n"
                     "--backward-tokens M, as the backward module with M), rewrites it as unlift_tokens\n"
                     "does with its count checks (exit 3 with the assertion text on a mismatch). --torch\n"
                     "latest (default): one _make_token per token input, tuple outputs, submodules too;\n"
                     "--torch 2.6: one _make_token per with_effects use, list outputs, root only.\n"
                     "Writes fx-json/1; stderr: 'inputs removed I, outputs removed O'.",
      .options = {{"tokens", "N", "forward effect tokens (len(fw_metadata.tokens))"},
                  {"backward-tokens", "M", "treat the graph as the backward module with M tokens"},
                  torch_option},
      .run =
          [](const invocation& inv, const io& io) {
            if (inv.has("tokens") && inv.has("backward-tokens"))
              throw usage_failure("--tokens and --backward-tokens: give one (the graph is the forward or the backward module)");
            std::uint64_t count = inv.has("backward-tokens") ? option_u64(inv, "backward-tokens", 0) : option_u64(inv, "tokens", 0);
            auto doc = read_graph(inv, io);
            // Each token is a placeholder (and an output) of the graph: a count above the graph's
            // size cannot match, and building N token keys for it would cost memory for nothing.
            if (count > doc.module.graph().size())
              throw aotkit::input_error(input_name(inv), "--" + std::string(inv.has("backward-tokens") ? "backward-tokens" : "tokens") + " " +
                                                         std::to_string(count) + ": more tokens than the graph has nodes (" +
                                                         std::to_string(doc.module.graph().size()) + ")");
            rewrite::token_metadata meta;
            rewrite::unlift_report r;
            auto unlifting = phase(io, "unlift_tokens");
            try {
              if (inv.has("backward-tokens")) {
                meta.num_backward_tokens = static_cast<std::size_t>(count);
                graph::GraphModule empty;
                r = rewrite::unlift_tokens(empty, meta, &doc.module, profile_of(inv));
              } else {
                meta.tokens.assign(static_cast<std::size_t>(count), "ordered");
                r = rewrite::unlift_tokens(doc.module, meta, nullptr, profile_of(inv));
              }
            } catch (const aotkit::assertion_error& e) {
              throw aotkit::input_error(input_name(inv), e.what());
            }
            write_graph(doc, io);
            io.err << "inputs removed " << r.inputs_removed << ", outputs removed " << r.outputs_removed << '\n';
            return int{ok};
          },
  });
  reg.commands.push_back({
      .group = "rewrite",
      .name = "dce",
      .summary = "eliminate_dead_code over every graph",
      .description = "As 'aotkit graph dce' (FX's rules under --torch): fx-json/1 on stdout; stderr:\n"
                     "'removed R nodes'.",
      .options = {torch_option},
      .run = [](const invocation& inv, const io& io) { return run_dce(inv, io, dce_report::count); },
  });
}

}  // namespace aotkit::cli
