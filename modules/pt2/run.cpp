// modules/pt2/run.cpp — calling an exported program as torch's unlifted module does
// (torch/export/_unlift.py, torch/_export/utils.py::_check_input_constraints_for_graph).
module;
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>
module aotkit.pt2;

import aotkit.runtime;
import aotkit.pytree;
import aotkit.rewrite;
import aotkit.graph;

namespace aotkit::pt2 {

using runtime::Value;
using runtime::value_list;
using tree = pytree::Tree<Value>;

runtime::Value to_value(const saved_tensor& t) {
  runtime::ScalarType dt = rewrite::parse_dtype(t.dtype);
  std::size_t w = rewrite::itemsize(dt);
  if (!t.data) throw input_error("", "tensor without a storage");
  if (t.shape.size() != t.stride.size()) throw input_error(t.data->key, "a tensor's shape and strides differ in length");
  std::size_t n = rewrite::numel_of(t.shape);
  if (fit_of(t) != view_fit::fits || static_cast<std::uint64_t>(t.data->numel) * w > t.data->bytes.size())
    throw input_error(t.data->key, "a view past its storage");
  std::vector<std::byte> out(n * w);
  std::size_t rank = t.shape.size();
  std::vector<std::int64_t> counter(rank, 0);
  std::int64_t pos = t.storage_offset;
  const char* src = t.data->bytes.data();
  for (std::size_t i = 0; i < n; ++i) {
    std::memcpy(out.data() + i * w, src + static_cast<std::size_t>(pos) * w, w);
    for (std::size_t k = rank; k-- > 0;) {
      pos += t.stride[k];
      if (++counter[k] < t.shape[k]) break;
      pos -= t.stride[k] * t.shape[k];
      counter[k] = 0;
    }
  }
  return rewrite::make_tensor_bytes(t.shape, dt, std::move(out));
}

// saved values nest at most unpickle_limits::max_depth deep, so this recursion is bounded.
tree to_tree(const saved_value& v) {
  using kind = saved_value::kind;
  switch (v.type) {
    case kind::none: return tree::none();
    case kind::boolean: return tree(Value(v.b));
    case kind::integer: return tree(Value(v.i));
    case kind::floating: return tree(Value(v.d));
    case kind::string:
    case kind::bytes: return tree(Value(v.s));
    case kind::tensor: return tree(to_value(*v.t));
    case kind::list:
    case kind::tuple: {
      std::vector<tree> items;
      for (const saved_value& x : v.items) items.push_back(to_tree(x));
      return v.type == kind::list ? tree::list(std::move(items)) : tree::tuple(std::move(items));
    }
    case kind::dict: {
      std::vector<pytree::key> keys;
      std::vector<tree> items;
      for (std::size_t i = 0; i < v.keys.size(); ++i) {
        const saved_value& k = v.keys[i];
        if (k.type == kind::string) keys.emplace_back(k.s);
        else if (k.type == kind::integer) keys.emplace_back(k.i);
        else throw input_error("", "a dict key that is neither str nor int");
        items.push_back(to_tree(v.items[i]));
      }
      return tree::dict(std::move(keys), std::move(items));
    }
  }
  throw input_error("", "unknown saved value");
}

ExportedProgram::ExportedProgram(exported_program program, std::vector<named_value> state_dict, std::vector<named_value> constants,
                                 std::optional<tree> example_inputs)
    : program_(std::move(program)),
      state_dict_(std::move(state_dict)),
      constants_(std::move(constants)),
      example_inputs_(std::move(example_inputs)) {}

ExportedProgram ExportedProgram::load(const zip_archive& archive, std::string_view model) {
  pt2_info info = inspect(archive);
  pt2_records records = program_records(info, model);
  exported_program program = load_exported_program(archive, model);
  std::vector<std::string> frozen;
  std::vector<std::optional<saved_tensor>> saved_state, saved_constants;
  auto tensors = [&](const std::string& record, std::string_view folder, std::vector<std::optional<saved_tensor>>& saved) {
    std::vector<named_value> out;
    if (archive.find_record(record) == nullptr) return out;
    auto loaded = info.layout == pt2_layout::pt2_archive_raw ? load_raw_tensors(archive, record, folder)
                                                             : load_tensor_dict(zip_archive::view(archive.read_record(record)));
    for (auto& [name, t] : loaded) {
      if (t.is_parameter && !t.requires_grad) frozen.push_back(name);
      out.emplace_back(std::move(name), to_value(t));
      saved.emplace_back(std::move(t));
    }
    return out;
  };
  std::vector<named_value> state = tensors(records.state_dict, "data/weights/", saved_state);
  std::vector<named_value> constants = tensors(records.constants, "data/constants/", saved_constants);
  // Only a storage two tensors share needs its view kept for writing (tied weights, a buffer
  // viewing another); the others keep their flags but not their storage, so the weights are not
  // held twice (the dense values above are copies).
  std::unordered_map<const storage*, int> uses;
  for (auto* saved : {&saved_state, &saved_constants})
    for (const auto& t : *saved) ++uses[t->data.get()];
  for (auto* saved : {&saved_state, &saved_constants})
    for (auto& t : *saved)
      if (uses[t->data.get()] < 2) t->data.reset();
  std::optional<tree> example;
  if (!records.example_inputs.empty() && archive.find_record(records.example_inputs) != nullptr) {
    // a torch.save of (args, kwargs) in every layout
    example = to_tree(unpickle_torch_save(zip_archive::view(archive.read_record(records.example_inputs))));
  }
  ExportedProgram ep(std::move(program), std::move(state), std::move(constants), std::move(example));
  ep.frozen_parameters_ = std::move(frozen);
  ep.saved_state_ = std::move(saved_state);
  ep.saved_constants_ = std::move(saved_constants);
  return ep;
}

saved_tensor to_saved_tensor(const Value& tensor) {
  const auto& d = rewrite::as_dense(tensor);
  auto st = std::make_shared<storage>();
  st->dtype = std::string(runtime::to_string(d.dtype()));
  st->device = "cpu";
  st->numel = static_cast<std::int64_t>(d.numel());
  st->bytes.assign(reinterpret_cast<const char*>(d.bytes().data()), d.bytes().size());
  saved_tensor t;
  t.dtype = st->dtype;
  t.shape.assign(d.sizes().begin(), d.sizes().end());
  t.stride.resize(t.shape.size());
  std::int64_t acc = 1;
  for (std::size_t k = t.shape.size(); k-- > 0;) {
    t.stride[k] = acc;
    acc *= std::max<std::int64_t>(t.shape[k], 1);
  }
  t.data = std::move(st);
  return t;
}

saved_value to_saved_value(const tree& t) {
  using kind = saved_value::kind;
  const auto& nodes = t.structure().nodes();
  auto leaves = t.leaves();
  std::size_t next_leaf = 0;
  // Pre-order over the flat spec: each open container waits for `arity` children.
  struct frame {
    saved_value v;
    std::size_t remaining;
  };
  std::vector<frame> stack;
  std::optional<saved_value> root;
  auto finish = [&](saved_value v) {
    while (true) {
      if (stack.empty()) {
        root = std::move(v);
        return;
      }
      frame& parent = stack.back();
      parent.v.items.push_back(std::move(v));
      if (--parent.remaining > 0) return;
      v = std::move(parent.v);
      stack.pop_back();
    }
  };
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const pytree::spec_node& n = nodes[i];
    saved_value v;
    switch (n.kind) {
      case pytree::node_kind::leaf: {
        const Value& x = leaves[next_leaf++];
        if (x.is_tensor()) {
          v.type = kind::tensor;
          v.t = std::make_shared<const saved_tensor>(to_saved_tensor(x));
        } else if (x.is_none()) {
          v.type = kind::none;
        } else if (x.is_bool()) {
          v.type = kind::boolean, v.b = x.to_bool();
        } else if (x.is_int()) {
          v.type = kind::integer, v.i = x.to_int();
        } else if (x.is_double()) {
          v.type = kind::floating, v.d = x.to_double();
        } else if (x.is_string()) {
          v.type = kind::string, v.s = x.to_string();
        } else {
          throw value_error("to_saved_value: a " + x.type_name() + " leaf cannot be saved");
        }
        finish(std::move(v));
        continue;
      }
      case pytree::node_kind::none: v.type = kind::none; break;
      case pytree::node_kind::tuple: v.type = kind::tuple; break;
      case pytree::node_kind::list: v.type = kind::list; break;
      case pytree::node_kind::dict:
      case pytree::node_kind::ordered_dict: {
        v.type = kind::dict;
        for (const pytree::key& k : t.structure().context_of(i).keys) {
          saved_value key;
          if (const auto* s = std::get_if<std::string>(&k)) key.type = kind::string, key.s = *s;
          else key.type = kind::integer, key.i = std::get<std::int64_t>(k);
          v.keys.push_back(std::move(key));
        }
        break;
      }
      default: throw value_error("to_saved_value: a " + std::string(pytree::kind_name(n.kind)) + " node cannot be saved");
    }
    if (n.arity == 0) finish(std::move(v));
    else stack.push_back({std::move(v), n.arity});
  }
  if (!root) throw value_error("to_saved_value: an empty tree");
  return std::move(*root);
}

std::string ExportedProgram::save() const { return save(pt2_layout::legacy_zip); }

std::string ExportedProgram::save(pt2_layout layout, std::string_view root) const {
  if (layout != pt2_layout::legacy_zip && layout != pt2_layout::pt2_archive && layout != pt2_layout::pt2_archive_raw)
    throw value_error("ExportedProgram::save: a program is written as a legacy zip or a PT2 archive, not as " +
                      std::string(to_string(layout)));
  if (layout != pt2_layout::legacy_zip &&
      (root.empty() || root == "." || root == ".." || root.find_first_of("/\\:") != std::string_view::npos ||
       root.find('\0') != std::string_view::npos))
    throw value_error("ExportedProgram::save: the root folder '" + std::string(root) + "' is not one plain folder name");
  std::string program = write_exported_program(program_);
  std::vector<std::string> params;
  for (const input_spec& s : program_.inputs)
    if (s.kind == input_kind::parameter && s.target) params.push_back(*s.target);
  auto dict = [&](const std::vector<named_value>& values, const std::vector<std::optional<saved_tensor>>& saved) {
    std::vector<std::pair<std::string, saved_tensor>> out;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto& [name, v] = values[i];
      // a tensor still as loaded is written as the view it was, over its shared storage
      const bool as_loaded = i < saved.size() && saved[i] && saved[i]->data && rewrite::same_value(to_value(*saved[i]), v);
      saved_tensor t = as_loaded ? *saved[i] : to_saved_tensor(v);
      if (i < saved.size() && saved[i]) {
        // Parameter-ness as the archive had it: a tied weight's second name is a Parameter that no
        // input spec names (torch 2.6 points both placeholders at one of the names)
        t.is_parameter = saved[i]->is_parameter;
        t.requires_grad = saved[i]->requires_grad;
      } else {
        t.is_parameter = std::find(params.begin(), params.end(), name) != params.end();
        t.requires_grad = t.is_parameter && std::find(frozen_parameters_.begin(), frozen_parameters_.end(), name) == frozen_parameters_.end();
      }
      out.emplace_back(name, std::move(t));
    }
    return out;
  };
  saved_value examples;
  if (example_inputs_) {
    examples = to_saved_value(*example_inputs_);
  } else {
    examples.type = saved_value::kind::none;
  }
  zip_writer z;
  if (layout == pt2_layout::legacy_zip) {
    z.add("serialized_exported_program.json", program);
    z.add("serialized_state_dict.pt", save_tensor_dict(dict(state_dict_, saved_state_)));
    z.add("serialized_constants.pt", save_tensor_dict(dict(constants_, saved_constants_)));
    z.add("serialized_example_inputs.pt", torch_save(examples));
    z.add("version", std::to_string(program_.schema_major) + "." + std::to_string(program_.schema_minor));
    return z.finish();
  }
  // the records in the order torch's PT2ArchiveWriter makes them (package_pt2, then its exit and
  // PyTorchFileWriter's end of file); a nested torch.save's own root folder is "archive" there too
  const std::string at = std::string(root) + "/";
  std::vector<std::pair<std::string, std::string>> records;  // name under the root, bytes
  records.emplace_back("byteorder", "little");
  if (layout == pt2_layout::pt2_archive) {
    records.emplace_back("data/weights/model.pt", save_tensor_dict(dict(state_dict_, saved_state_)));
    records.emplace_back("data/constants/model.pt", save_tensor_dict(dict(constants_, saved_constants_)));
  } else {
    for (auto [values, saved, folder, prefix, config] :
         {std::tuple{&state_dict_, &saved_state_, "data/weights/", "weight_", "data/weights/model_weights_config.json"},
          std::tuple{&constants_, &saved_constants_, "data/constants/", "tensor_", "data/constants/model_constants_config.json"}}) {
      raw_tensor_records raw = save_raw_tensors(dict(*values, *saved), prefix);
      for (auto& [path, bytes] : raw.records) records.emplace_back(folder + path, std::move(bytes));
      records.emplace_back(config, std::move(raw.config));
    }
  }
  records.emplace_back("models/model.json", std::move(program));
  records.emplace_back("data/sample_inputs/model.pt", torch_save(examples));
  records.emplace_back("archive_format", "pt2");
  records.emplace_back("archive_version", "0");
  records.emplace_back(".data/version", "6\n");
  // torch's is a per-write id; this one is the records' own (names, sizes and CRCs), so writing a
  // program twice gives the same bytes
  std::uint64_t id = 0xcbf29ce484222325ull, total = 0;
  for (const auto& [name, bytes] : records) {
    for (char c : name) id = (id ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    id = (id ^ crc32_of(bytes)) * 0x100000001b3ull;
    total += bytes.size();
  }
  std::string serial = std::to_string(id), size = std::to_string(total);
  records.emplace_back(".data/serialization_id", std::string(20 - serial.size(), '0') + serial + std::string(20 - std::min<std::size_t>(20, size.size()), '0') + size);
  for (const auto& [name, bytes] : records) z.add(at + name, bytes);
  return z.finish();
}

namespace {

std::string key_repr(const pytree::key& k) {
  if (const auto* s = std::get_if<std::string>(&k)) return runtime::Value(*s).repr();
  return std::to_string(std::get<std::int64_t>(k));
}

std::string keys_repr(const std::vector<pytree::key>& keys) {
  std::string s = "[";
  for (std::size_t i = 0; i < keys.size(); ++i) s += (i ? ", " : "") + key_repr(keys[i]);
  return s + "]";
}

// torch's get_keystr: "*args[0]['a']" for positional inputs, "name[0]" for keyword ones.
std::string input_keystr(const pytree::KeyPath& path) {
  if (path.empty()) return "*args";
  const auto* top = std::get_if<pytree::SequenceKey>(&path[0]);
  if (top && top->idx == 0) return "*args" + pytree::keystr(pytree::KeyPath(path.begin() + 1, path.end()));
  if (path.size() >= 2)
    if (const auto* m = std::get_if<pytree::MappingKey>(&path[1])) {
      std::string name = std::holds_alternative<std::string>(m->k) ? std::get<std::string>(m->k) : std::to_string(std::get<std::int64_t>(m->k));
      return name + pytree::keystr(pytree::KeyPath(path.begin() + 2, path.end()));
    }
  return pytree::keystr(path);
}

std::string shape_repr(std::span<const std::int64_t> s) {
  std::string out = "torch.Size([";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "])";
}

std::string meta_shape_repr(const tensor_meta& m) {
  std::string out = "torch.Size([";
  for (std::size_t i = 0; i < m.sizes().size(); ++i) {
    const sym_size& s = m.sizes()[i];
    out += i ? ", " : "";
    if (auto value = s.value()) out += std::to_string(*value);
    else out += !s.symbol().empty() ? s.symbol() : s.expr();
  }
  return out + "])";
}

Value lookup(const std::vector<named_value>& values, const std::string& name, std::string_view what) {
  for (const auto& [n, v] : values)
    if (n == name) return v;
  throw key_error("the program's " + std::string(what) + " has no '" + name + "'");
}

void store(std::vector<named_value>& values, const std::string& name, Value v) {
  for (auto& [n, old] : values)
    if (n == name) {
      old = std::move(v);
      return;
    }
  values.emplace_back(name, std::move(v));
}

bool in(const std::vector<named_value>& values, const std::string& name) {
  for (const auto& [n, v] : values)
    if (n == name) return true;
  return false;
}

}  // namespace

tree ExportedProgram::call(std::vector<tree> args, std::vector<std::pair<std::string, tree>> kwargs) {
  std::vector<pytree::key> keys;
  std::vector<tree> values;
  for (auto& [k, v] : kwargs) {
    keys.emplace_back(k);
    values.push_back(std::move(v));
  }
  return (*this)(tree::tuple({tree::tuple(std::move(args)), tree::dict(std::move(keys), std::move(values))}));
}

tree ExportedProgram::operator()(const tree& args_kwargs) {
  pytree::TreeSpec in_spec = program_.in_spec();
  // reorder_kwargs: the kwargs in the exported order
  tree inputs = args_kwargs;
  if (in_spec.kind() == pytree::node_kind::tuple && in_spec.num_children() == 2 &&
      args_kwargs.kind() == pytree::node_kind::tuple && args_kwargs.num_children() == 2) {
    pytree::TreeSpec kw_spec = in_spec.child(1);
    tree given = args_kwargs.child(1);
    if (kw_spec.kind() == pytree::node_kind::dict && given.kind() == pytree::node_kind::dict) {
      const auto& want = kw_spec.context().keys;
      const auto& have = given.structure().context().keys;
      bool same = want.size() == have.size();
      for (const auto& k : have) same = same && std::find(want.begin(), want.end(), k) != want.end();
      if (!same)
        throw value_error("Ran into a kwarg keyword mismatch: Got the following keywords " + keys_repr(have) + " but expected " +
                          keys_repr(want));
      std::vector<tree> ordered;
      for (const auto& k : want)
        ordered.push_back(given.child(static_cast<std::size_t>(std::find(have.begin(), have.end(), k) - have.begin())));
      inputs = tree::tuple({args_kwargs.child(0), tree::dict(want, std::move(ordered))});
    }
  }
  auto [flat, received] = pytree::tree_flatten_with_path(inputs);
  if (received != in_spec)
    throw value_error("Trying to flatten user inputs with exported input tree spec: \n" + in_spec.repr() +
                      "\nbut actually got inputs with tree spec of: \n" + received.repr() +
                      ".\nPlease check that the inputs have the same number of args and kwargs as the ones you used when tracing.");

  // _check_input_constraints_for_graph over the user inputs
  std::size_t users = 0;
  for (const input_spec& s : program_.inputs) users += s.kind == input_kind::user_input ? 1 : 0;
  if (flat.size() != users)
    throw runtime_error("Unexpected number of inputs (expected " + std::to_string(users) + ", got " + std::to_string(flat.size()) + ")");
  std::map<std::string, std::int64_t, std::less<>> unified;
  std::size_t u = 0;
  for (const input_spec& s : program_.inputs) {
    if (s.kind != input_kind::user_input) continue;
    const auto& [path, value] = flat[u++];
    const tensor_meta* meta = program_.find_tensor_meta(s.arg);
    std::string where = input_keystr(path);
    if (meta) {
      if (!value.is_tensor()) throw runtime_error("Expected input at " + where + " to be a tensor, but got " + value.type_repr());
      auto sizes = value.to_tensor().impl()->sizes();
      if (sizes.size() != meta->sizes().size())
        throw runtime_error("Unexpected number of dimensions in input at " + where + ".shape (expected " + meta_shape_repr(*meta) +
                            ", got " + shape_repr(sizes) + ")");
      for (std::size_t j = 0; j < sizes.size(); ++j) {
        const sym_size& d = meta->sizes()[j];
        std::string at = where + ".shape[" + std::to_string(j) + "]";
        if (auto value = d.value()) {
          if (sizes[j] != *value)
            throw runtime_error("Expected input at " + at + " to be equal to " + std::to_string(*value) + ", but got " + std::to_string(sizes[j]));
          continue;
        }
        std::string_view symbol = d.symbol();
        if (symbol.empty()) continue;  // an expression of a symbol: torch defers it to a runtime assert
        if (auto it = unified.find(symbol); it != unified.end()) {
          if (sizes[j] != it->second)
            throw runtime_error("Expected input at " + at + " to be equal to " + std::to_string(it->second) + ", but got " + std::to_string(sizes[j]));
        } else {
          unified.emplace(std::string(symbol), sizes[j]);
        }
        for (const range_constraint& r : program_.range_constraints) {
          if (r.symbol != symbol) continue;
          // torch allows 0 and 1 at run time whatever the exported minimum (the 0/1 specialization)
          if (r.min && *r.min > 2 && sizes[j] < *r.min)
            throw runtime_error("Expected input at " + at + " to be >= " + std::to_string(*r.min) + ", but got " + std::to_string(sizes[j]));
          if (r.max && sizes[j] > *r.max)
            throw runtime_error("Expected input at " + at + " to be <= " + std::to_string(*r.max) + ", but got " + std::to_string(sizes[j]));
        }
      }
    } else if (s.value) {
      // a constant input (int, float, str, bool, None): must be passed as exported
      Value want;
      switch (s.value->kind()) {
        case graph::arg_kind::integer: want = Value(s.value->to_int()); break;
        case graph::arg_kind::floating: want = Value(s.value->to_double()); break;
        case graph::arg_kind::boolean: want = Value(s.value->to_bool()); break;
        case graph::arg_kind::string: want = Value(s.value->text()); break;
        default: break;
      }
      if (!want.is_none() && !(want == value))
        throw runtime_error("Expected input at " + where + " to be equal to " + want.repr() + ", but got " + value.repr());
    }
  }

  // the graph's inputs in signature order: state by target, user inputs in flat order
  std::vector<Value> graph_inputs;
  graph_inputs.reserve(program_.inputs.size());
  u = 0;
  for (const input_spec& s : program_.inputs) {
    switch (s.kind) {
      case input_kind::user_input: graph_inputs.push_back(flat[u++].second); break;
      case input_kind::parameter: graph_inputs.push_back(lookup(state_dict_, *s.target, "state dict")); break;
      case input_kind::buffer:
        if (s.persistent.value_or(true) || !in(constants_, *s.target)) graph_inputs.push_back(lookup(state_dict_, *s.target, "state dict"));
        else graph_inputs.push_back(lookup(constants_, *s.target, "constants"));
        break;
      case input_kind::tensor_constant: graph_inputs.push_back(lookup(constants_, *s.target, "constants")); break;
      case input_kind::custom_obj:
        throw not_implemented_error("running a program with a custom object input ('" + s.arg + "', a TorchBind class)");
      case input_kind::token: graph_inputs.push_back(rewrite::make_tensor({0}, {})); break;
    }
  }

  rewrite::interpreter interp(program_.module);
  Value result = interp.run(graph_inputs);
  effect_log_ = interp.effect_log();
  value_list outs = result.is_sequence() ? result.items() : value_list{result};
  if (outs.size() != program_.outputs.size())
    throw runtime_error("the graph returned " + std::to_string(outs.size()) + " values for " + std::to_string(program_.outputs.size()) +
                        " output specs");
  mutated_inputs_.clear();
  std::vector<Value> user;
  for (std::size_t i = 0; i < outs.size(); ++i) {
    const output_spec& s = program_.outputs[i];
    switch (s.kind) {
      case output_kind::user_output:
      case output_kind::loss_output: user.push_back(std::move(outs[i])); break;
      case output_kind::buffer_mutation:
      case output_kind::parameter_mutation:
        if (!s.target) throw input_error("", "a mutation output without a target");
        if (in(state_dict_, *s.target)) store(state_dict_, *s.target, std::move(outs[i]));
        else store(constants_, *s.target, std::move(outs[i]));
        break;
      case output_kind::user_input_mutation: mutated_inputs_.emplace_back(s.target.value_or(s.arg), std::move(outs[i])); break;
      case output_kind::token: break;
      case output_kind::gradient_to_parameter:
      case output_kind::gradient_to_user_input: user.push_back(std::move(outs[i])); break;
    }
  }
  pytree::TreeSpec out_spec = program_.out_spec();
  if (user.size() != out_spec.num_leaves())
    throw runtime_error("the program returns " + std::to_string(user.size()) + " user outputs, its out_spec has " +
                        std::to_string(out_spec.num_leaves()) + " leaves");
  return pytree::tree_unflatten(std::move(user), out_spec);
}

}  // namespace aotkit::pt2
