// tests/pt2/weights.test.cpp — the restricted unpickler: torch 2.6's state dicts, constants and
// example inputs against torch's own values, views sharing storages, and hostile pickles.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../data_files.hpp"

import aotkit.runtime;
import aotkit.pt2;

using namespace aotkit::pt2;
using aotkit_testing::slurp;

namespace {

const std::filesystem::path data_dir = "tests/pt2/data";

// The leaves of a saved value in pytree order (dict values in insertion order).
void leaves(const saved_value& v, std::vector<const saved_value*>& out) {
  if (v.type == saved_value::kind::list || v.type == saved_value::kind::tuple || v.type == saved_value::kind::dict) {
    for (const saved_value& c : v.items) leaves(c, out);
  } else {
    out.push_back(&v);
  }
}

void check_values(const std::vector<double>& got, const nlohmann::json& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == want[i].get<double>());  // exact: float32 -> double
}

}  // namespace

TEST_CASE("torch 2.6 archives: state dict, constants and example inputs as torch read them", "[pt2][weights]") {
  std::size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir / "torch26")) {
    if (entry.path().extension() != ".pt2") continue;
    INFO(entry.path());
    // torch.export.load's reading (tools/capture_pt2_loaded.py)
    auto oracle = nlohmann::json::parse(slurp(std::filesystem::path(entry.path()).replace_extension(".loaded.json")));
    zip_archive a = zip_archive::open(entry.path());
    pt2_records r = program_records(inspect(a));
    auto state = load_tensor_dict(zip_archive::view(a.read_record(r.state_dict)));
    std::map<std::string, const saved_tensor*> by_name;
    for (const auto& [name, t] : state) by_name[name] = &t;
    REQUIRE(by_name.size() == oracle["state_dict"].size());
    for (const auto& [name, want] : oracle["state_dict"].items()) {
      INFO(name);
      REQUIRE(by_name.count(name) == 1);
      const saved_tensor& t = *by_name[name];
      CHECK(t.shape == want["shape"].get<std::vector<std::int64_t>>());
      CHECK(t.dtype == want["dtype"].get<std::string>());
      check_values(t.values(4), want["first"]);
    }
    auto constants = load_tensor_dict(zip_archive::view(a.read_record(r.constants)));
    std::set<std::string> constant_names;
    for (const auto& [name, t] : constants) constant_names.insert(name);
    CHECK(constant_names == oracle["constants"].get<std::set<std::string>>());
    // example inputs: torch.save((args, kwargs)), flattened as torch.export.load's were
    const auto& loaded = oracle;
    saved_value inputs = unpickle_torch_save(zip_archive::view(a.read_record(r.example_inputs)));
    CHECK(inputs.type == saved_value::kind::tuple);
    std::vector<const saved_value*> flat;
    leaves(inputs, flat);
    REQUIRE(flat.size() == loaded["example_inputs"].size());
    for (std::size_t i = 0; i < flat.size(); ++i) {
      const auto& want = loaded["example_inputs"][i];
      if (want.is_object()) {
        REQUIRE(flat[i]->type == saved_value::kind::tensor);
        CHECK(flat[i]->t->shape == want["shape"].get<std::vector<std::int64_t>>());
        check_values(flat[i]->t->values(), want["values"]);
      } else {
        REQUIRE(flat[i]->type == saved_value::kind::floating);
        CHECK(flat[i]->d == want.get<double>());
      }
    }
    ++checked;
  }
  CHECK(checked == 7);
}

TEST_CASE("views of one storage share it; strides, offsets, dtypes and parameters as torch.load reads them",
          "[pt2][weights]") {
  auto oracle = nlohmann::json::parse(slurp(data_dir / "torch26" / "views.oracle.json"));
  auto tensors = load_tensor_dict(zip_archive::open(data_dir / "torch26" / "views.pt"));
  REQUIRE(tensors.size() == oracle["tensors"].size());
  std::map<std::string, const saved_tensor*> by_name;
  for (const auto& [name, t] : tensors) by_name[name] = &t;
  for (const auto& [name, want] : oracle["tensors"].items()) {
    INFO(name);
    const saved_tensor& t = *by_name.at(name);
    CHECK(t.shape == want["shape"].get<std::vector<std::int64_t>>());
    CHECK(t.stride == want["stride"].get<std::vector<std::int64_t>>());
    CHECK(t.storage_offset == want["storage_offset"].get<std::int64_t>());
    CHECK(t.dtype == want["dtype"].get<std::string>());
    CHECK(t.requires_grad == want["requires_grad"].get<bool>());
    CHECK(t.is_parameter == want["is_parameter"].get<bool>());
    check_values(t.values(), want["values"]);
  }
  for (const auto& group : oracle["shared"]) {
    const saved_tensor* first = by_name.at(group[0].get<std::string>());
    for (const auto& k : group) CHECK(by_name.at(k.get<std::string>())->data == first->data);
  }
  CHECK(by_name.at("param")->data != by_name.at("base")->data);
}

TEST_CASE("hostile pickles: a command, a cycle, deep nesting, lying storages, truncations", "[pt2][weights][hostile]") {
  auto error_of = [](const std::string& bytes) -> std::string {
    try {
      (void)unpickle_torch_save(zip_archive::view(bytes));
    } catch (const aotkit::input_error& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error_of(slurp(data_dir / "hostile_global.pt")),
             Catch::Contains("archive/data.pkl at offset") && Catch::Contains("global 'posix.system' is not allowed"));
  CHECK_THAT(error_of(slurp(data_dir / "hostile_cycle.pt")), Catch::Contains("nest deeper than 100 levels"));
  CHECK_THAT(error_of(slurp(data_dir / "hostile_deep.pt")), Catch::Contains("nest deeper than 100 levels"));
  // a storage whose record is shorter than its numel claims: the numel byte of the first pid
  std::string views = slurp(data_dir / "torch26" / "views.pt");
  zip_archive va = zip_archive::view(views);
  std::string pickle(va.read_record("data.pkl"));
  auto rebuilt = [&](const std::string& pkl) {
    // the same archive with data.pkl replaced: stored, so the bytes can be swapped in place
    std::string b = views;
    const zip_entry* e = va.find_record("data.pkl");
    b.replace(e->data_offset, pkl.size(), pkl);
    return b;
  };
  std::size_t cpu = pickle.find("cpu");
  REQUIRE(cpu != std::string::npos);
  // after 'cpu' comes q <memo> then the numel (K n, M n n or J n n n n): make it huge
  std::string lying = pickle;
  std::size_t numel_op = cpu + 3 + 2;
  if (lying[numel_op] == 'K') lying[numel_op + 1] = static_cast<char>(0xFF);
  else if (lying[numel_op] == 'M') lying[numel_op + 2] = static_cast<char>(0x7F);
  std::string err = error_of(rebuilt(lying));
  CHECK_THAT(err, Catch::Contains("fewer than its") || Catch::Contains("CRC-32"));
  zip_limits no_crc;
  no_crc.check_crc = false;
  try {
    (void)unpickle_torch_save(zip_archive::view(rebuilt(lying), no_crc));
    FAIL("a storage shorter than its numel was accepted");
  } catch (const aotkit::input_error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("fewer than its"));
  }
  // every truncation of the pickle is a typed error
  for (std::size_t n = 0; n < pickle.size(); ++n) {
    std::string cut = pickle.substr(0, n);
    cut.resize(pickle.size(), '.');  // same length (the member keeps its size), a STOP-filled tail
    std::string b = rebuilt(cut);
    try {
      (void)unpickle_torch_save(zip_archive::view(b, no_crc));
    } catch (const aotkit::input_error&) {
    }
  }
  CHECK_THROWS_AS(load_tensor_dict(zip_archive::open(data_dir / "hostile_cycle.pt")), aotkit::input_error);
}

TEST_CASE("torch 2.9+ raw weight records: views by TensorMeta, one record shared; 2.8's pickled weights", "[pt2][weights]") {
  auto manifest = nlohmann::json::parse(slurp(data_dir / "manifest.json"));
  const auto& want = manifest["archive_29.pt2"];
  zip_archive a = zip_archive::open(data_dir / "archive_29.pt2");
  pt2_records r = program_records(inspect(a));
  auto weights = load_raw_tensors(a, r.state_dict, "data/weights/");
  REQUIRE(weights.size() == want["weights"].size());
  for (const auto& [name, t] : weights) {
    INFO(name);
    const auto& w = want["weights"][name];
    CHECK(t.shape == w["shape"].get<std::vector<std::int64_t>>());
    CHECK(t.dtype == w["dtype"].get<std::string>());
    CHECK(t.is_parameter);
    CHECK(t.requires_grad);
    check_values(t.values(), w["values"]);
  }
  CHECK(weights[0].second.data == weights[1].second.data);  // both view weight_0
  auto constants = load_raw_tensors(a, r.constants, "data/constants/");
  REQUIRE(constants.size() == 1);
  CHECK(constants[0].first == "table");
  check_values(constants[0].second.values(), want["constants"]["table"]["values"]);
  // a view past its record
  std::string bytes = slurp(data_dir / "archive_29.pt2");
  std::size_t at = bytes.find("\"storage_offset\": {\"as_int\": 8}");
  REQUIRE(at != std::string::npos);
  bytes[at + 29] = '9';  // offset 9: the bias's last element lands past the 12 floats
  zip_limits no_crc;
  no_crc.check_crc = false;
  CHECK_THROWS_WITH(load_raw_tensors(zip_archive::view(bytes, no_crc), r.state_dict, "data/weights/"),
                    Catch::Contains("/config/linear.bias") && Catch::Contains("reaches past record"));
  // torch 2.8's layout keeps the nested torch.save of 2.6 under data/weights/model.pt
  zip_archive a28 = zip_archive::open(data_dir / "archive_28.pt2");
  pt2_records r28 = program_records(inspect(a28));
  CHECK(r28.state_dict == "data/weights/model.pt");
  CHECK(load_tensor_dict(zip_archive::view(a28.read_record(r28.state_dict))).size() == 4);
}

TEST_CASE("raw weight records: an empty one is zeros of the tensor's sizes, as torch loads it", "[pt2][weights][hostile]") {
  // a payload config over records the test writes: torch's _build_file_map reads an empty record
  // as torch.zeros(sizes), a record that is not whole elements is an error
  auto archive = [](const std::string& meta, std::string_view record_bytes, zip_limits limits = {}) {
    zip_writer z;
    z.add("archive/data/weights/weight_0", record_bytes);
    z.add("archive/data/weights/model_weights_config.json",
          R"({"config": {"w": {"path_name": "weight_0", "is_param": true, "use_pickle": false, "tensor_meta": )" + meta + "}}}");
    std::string bytes = z.finish();
    return load_raw_tensors(zip_archive::from_bytes(std::move(bytes), limits), "data/weights/model_weights_config.json", "data/weights/");
  };
  auto meta = [](std::string_view sizes, std::string_view strides, int offset = 0) {
    return R"({"dtype": 7, "sizes": )" + std::string(sizes) + R"(, "requires_grad": true, "device": {"type": "cpu"}, "strides": )" +
           std::string(strides) + R"(, "storage_offset": {"as_int": )" + std::to_string(offset) + R"(}, "layout": 7})";
  };
  auto zeros = archive(meta(R"([{"as_int": 2}, {"as_int": 3}])", R"([{"as_int": 3}, {"as_int": 1}])"), "");
  REQUIRE(zeros.size() == 1);
  CHECK(zeros[0].second.shape == std::vector<std::int64_t>{2, 3});
  CHECK(zeros[0].second.data->numel == 6);
  CHECK(zeros[0].second.values() == std::vector<double>(6, 0.0));
  CHECK(zeros[0].second.is_parameter);
  // an empty tensor from an empty record, as before
  auto empty = archive(meta(R"([{"as_int": 0}, {"as_int": 3}])", R"([{"as_int": 3}, {"as_int": 1}])"), "");
  CHECK(empty[0].second.numel() == 0);
  // the zeros are the sizes' count: a view past them (an offset) is refused as for any record
  CHECK_THROWS_WITH(archive(meta(R"([{"as_int": 2}, {"as_int": 3}])", R"([{"as_int": 3}, {"as_int": 1}])", 1), ""),
                    Catch::Contains("/config/w") && Catch::Contains("reaches past record"));
  // so much memory from no bytes is bounded as an inflated member is
  zip_limits small;
  small.max_member_size = 1000;
  CHECK_THROWS_WITH(archive(meta(R"([{"as_int": 1000}])", R"([{"as_int": 1}])"), "", small),
                    Catch::Contains("/config/w") && Catch::Contains("over the limit of 1000 bytes"));
  CHECK_THROWS_WITH(archive(meta(R"([{"as_int": 4611686018427387904}, {"as_int": 4611686018427387904}])", R"([{"as_int": 1}, {"as_int": 1}])"), ""),
                    Catch::Contains("over the limit"));
  CHECK(archive(meta(R"([{"as_int": 250}])", R"([{"as_int": 1}])"), "", small)[0].second.data->bytes.size() == 1000);
  // flags are JSON booleans (a number there was an uncaught nlohmann error: found by fuzz:pt2_raw_weights)
  std::string numbered = meta(R"([{"as_int": 1}])", R"([{"as_int": 1}])");
  numbered.replace(numbered.find("\"requires_grad\": true"), 21, "\"requires_grad\": 1");
  CHECK_THROWS_WITH(archive(numbered, "abcd"), Catch::Contains("/config/w/tensor_meta/requires_grad: expected true or false"));
  // a record that is not whole elements
  CHECK_THROWS_WITH(archive(meta(R"([{"as_int": 1}])", R"([{"as_int": 1}])"), "abcdef"),
                    Catch::Contains("size 6 is not a multiple of element size 4 for dtype torch.float32"));
}
