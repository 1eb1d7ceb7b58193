# bench/rewrite_peer.py — the peer side of bench/rewrite.bench.cpp. Debian's torch 1.13 has neither
# pass, so this is the Python of docs/semantics.md §A.17–A.19 (copy_fwd_metadata_to_bw_nodes, V2) and
# §B.4 (unlift_tokens, V2) over torch.fx 1.13 on the same graph shapes. Run with /usr/bin/python3:
# `python3 bench/rewrite_peer.py 100000`. Prints ns per node (median of 3).
import copy
import operator
import statistics
import sys
import time

import torch
import torch.fx

aten = torch.ops.aten


def _is_forward_node_with_seq_nr(node):
    return node.meta.get("partitioner_tag") != "is_backward" and "seq_nr" in node.meta


def _is_backward_node_with_seq_nr(node):
    return node.meta.get("partitioner_tag") == "is_backward" and "seq_nr" in node.meta


def _collect_fwd_nodes_from_subgraph(fx_g, fwd_seq_nr_to_node):
    for node in fx_g.graph.nodes:
        if not _is_forward_node_with_seq_nr(node):
            continue
        seq_nr = node.meta["seq_nr"]
        if seq_nr in fwd_seq_nr_to_node:
            continue
        fwd_seq_nr_to_node[seq_nr] = node


def _copy_metadata_to_bw_nodes_in_subgraph(fx_g, fwd_seq_nr_to_node):
    for node in fx_g.graph.nodes:
        if not _is_backward_node_with_seq_nr(node):
            continue
        if node.meta.get("is_gradient_acc", False):
            continue
        seq_nr = node.meta["seq_nr"]
        if seq_nr in fwd_seq_nr_to_node:
            fwd_node = fwd_seq_nr_to_node[seq_nr]
            node.meta["fwd_nn_module_stack"] = fwd_node.meta.get("nn_module_stack")
            node.meta["fwd_source_fn_stack"] = fwd_node.meta.get("source_fn_stack")
            custom = fwd_node.meta.get("custom")
            if custom is not None:
                node.meta["custom"] = copy.deepcopy(custom)


def copy_fwd_metadata_to_bw_nodes(fx_g):
    fwd_seq_nr_to_node = {}
    for submod in fx_g.modules():
        if isinstance(submod, torch.fx.GraphModule):
            _collect_fwd_nodes_from_subgraph(submod, fwd_seq_nr_to_node)
    for submod in fx_g.modules():
        if isinstance(submod, torch.fx.GraphModule):
            _copy_metadata_to_bw_nodes_in_subgraph(submod, fwd_seq_nr_to_node)





def with_effects(token, op, *args):
    return (token, None)


def is_with_effects(node):
    return node.op == "call_function" and node.target is with_effects


def make_token():
    return torch.tensor([])


def sink_tokens(tokens):
    return None


def unlift_tokens_do(module, subgraph, expected_num_erased):
    input_token_nodes = set()
    with_effect_nodes = []
    output_token_nodes = []
    other_output_nodes = []
    input_nodes = []
    for node in module.graph.nodes:
        if node.op == "placeholder":
            input_nodes.append(node)
        elif is_with_effects(node):
            with_effect_nodes.append(node)
            if node.args[0] in input_nodes:
                input_token_nodes.add(node.args[0])
                with module.graph.inserting_before(node):
                    new_token_node = module.graph.call_function(make_token, ())
                    new_token_node.meta["val"] = torch.tensor([])
                    new_token_node.meta["tensor_meta"] = torch.tensor([])
                    args = list(node.args)
                    args[0] = new_token_node
                    node.args = tuple(args)
        elif node.op == "output":
            outs = node.args[0]
            for out in outs:
                if (isinstance(out, torch.fx.node.Node) and out.op == "call_function"
                        and out.target == operator.getitem and out.args[1] == 0
                        and out.args[0] in with_effect_nodes):
                    output_token_nodes.append(out)
                else:
                    other_output_nodes.append(out)
            with module.graph.inserting_before(node):
                module.graph.call_function(sink_tokens, args=(output_token_nodes,))
            node.args = (other_output_nodes,)
    for input_token_node in input_token_nodes:
        module.graph.erase_node(input_token_node)
    assert len(input_token_nodes) == expected_num_erased, subgraph
    assert len(output_token_nodes) == expected_num_erased, subgraph
    module.recompile()


def joint(n):
    g = torch.fx.Graph()
    x = g.placeholder("primals_1")
    prev = x
    stack = {"L__self__": ("layer", torch.nn.Linear)}
    for i in range(n // 2):
        prev = g.create_node("call_function", aten.relu.default, (prev,), name=f"relu_{i}")
        prev.meta.update(seq_nr=i, partitioner_tag="is_forward", nn_module_stack=stack)
    for i in reversed(range(n // 2)):
        prev = g.create_node("call_function", aten.threshold_backward.default, (prev, x, 0), name=f"tb_{i}")
        prev.meta.update(seq_nr=i, partitioner_tag="is_backward")
    g.output((prev,))
    return torch.fx.GraphModule(torch.nn.Module(), g)


def tokens(n):
    g = torch.fx.Graph()
    tok = g.placeholder("token")
    x = g.placeholder("x")
    chain, prev = tok, x
    for i in range(n // 3):
        w = g.create_node("call_function", with_effects, (chain, "aten._print.default", "m"), name=f"with_effects_{i}")
        chain = g.create_node("call_function", operator.getitem, (w, 0), name=f"getitem_{i}")
        prev = g.create_node("call_function", aten.relu.default, (prev,), name=f"relu_{i}")
    g.output((chain, prev))
    return torch.fx.GraphModule(torch.nn.Module(), g)


def timed(fn, setup, repeat=3):
    times = []
    for _ in range(repeat):
        arg = setup()
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    gm = joint(n)
    copy_secs = timed(copy_fwd_metadata_to_bw_nodes, lambda: gm)
    # unlift's recompile() is part of the pass in torch; time with and without it
    unlift_secs = timed(lambda m: unlift_tokens_do(m, "forward", 1), lambda: tokens(n))
    print(f"torch {torch.__version__}, {n} nodes")
    print(f"copy_fwd_metadata_to_bw_nodes {copy_secs * 1e3:10.2f} ms {copy_secs / n * 1e9:10.1f} ns/node")
    print(f"unlift_tokens (with recompile) {unlift_secs * 1e3:10.2f} ms {unlift_secs / n * 1e9:10.1f} ns/node")


if __name__ == "__main__":
    main()
