// tests/pt2/zip.test.cpp — the zip reader and layout detection on torch 2.6's own archives, on the
// containers tools/make_zip_fixtures.py builds (deflate, Zip64, data descriptors, 2.8/2.9 layouts),
// and on hostile bytes: truncations, lying sizes and counts, bombs, bad names, corrupt data.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../data_files.hpp"

import aotkit.runtime;
import aotkit.pt2;

using namespace aotkit::pt2;
using aotkit_testing::slurp;

namespace {

const std::filesystem::path data_dir = "tests/pt2/data";

std::vector<std::filesystem::path> torch26_archives() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(data_dir / "torch26"))
    if (e.path().extension() == ".pt2") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void put32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
}
void put16(std::string& b, std::size_t at, std::uint16_t v) {
  for (int i = 0; i < 2; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
}
std::uint32_t get32(const std::string& b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
  return v;
}
std::uint16_t get16(const std::string& b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1]) << 8);
}
// The k-th central header of an archive without Zip64 records (nested zips of stored members hold
// signatures of their own, so this walks from the end record rather than searching).
std::size_t central_of(const std::string& b, std::size_t k = 0) {
  std::size_t at = get32(b, b.rfind("PK\x05\x06") + 16);
  for (std::size_t i = 0; i < k; ++i) at += 46 + get16(b, at + 28) + get16(b, at + 30) + get16(b, at + 32);
  return at;
}

// The manifest's name of a layout.
std::string layout_key(pt2_layout l) {
  switch (l) {
    case pt2_layout::legacy_zip: return "legacy_zip";
    case pt2_layout::pt2_archive: return "pt2_archive";
    case pt2_layout::pt2_archive_raw: return "pt2_archive_raw";
    case pt2_layout::aoti_package: return "aoti_package";
    case pt2_layout::torchscript: return "torchscript";
    case pt2_layout::torch_save: return "torch_save";
    case pt2_layout::unknown: return "unknown";
  }
  return "?";
}

// Reads everything an archive holds; the outcome is success or aotkit::input_error, nothing else.
void read_all(std::string_view bytes) {
  zip_archive a = zip_archive::view(bytes);
  for (const zip_entry& e : a.entries()) (void)a.read(e);
  (void)inspect(a);
}

// What reading everything says about `bytes`: input_error's text, or "no error".
std::string error_of(const std::string& bytes) {
  try {
    read_all(bytes);
  } catch (const aotkit::input_error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("torch 2.6's own .pt2 archives: the legacy layout, schema 8.2, nested torch.save zips", "[pt2][zip]") {
  auto files = torch26_archives();
  REQUIRE(files.size() >= 7);
  for (const auto& path : files) {
    INFO(path);
    zip_archive a = zip_archive::open(path);
    pt2_info info = inspect(a);
    CHECK(info.layout == pt2_layout::legacy_zip);
    CHECK(info.root.empty());
    CHECK(info.schema_version == "8.2");
    CHECK(info.models == std::vector<std::string>{""});
    pt2_records r = program_records(info);
    std::string_view program = a.read_record(r.program);
    CHECK(program.starts_with("{\""));
    CHECK(nlohmann::json::parse(program).contains("graph_module"));
    // the weights are a torch.save zip of their own, stored under the root "archive/"
    for (const std::string& nested : {r.state_dict, r.constants, r.example_inputs}) {
      zip_archive inner = zip_archive::view(a.read_record(nested));
      CHECK(inner.root() == "archive/");
      CHECK(inspect(inner).layout == pt2_layout::torch_save);
      CHECK(inner.read_record("byteorder") == "little");
      for (const zip_entry& e : inner.entries()) CHECK(inner.read(e).size() == e.size);  // CRCs checked
    }
  }
}

TEST_CASE("deflated, Zip64 and data-descriptor containers and the PT2 archive layouts", "[pt2][zip]") {
  auto manifest = nlohmann::json::parse(slurp(data_dir / "manifest.json"));
  REQUIRE(manifest.size() >= 6);
  for (const auto& [file, want] : manifest.items()) {
    INFO(file);
    zip_archive a = zip_archive::open(data_dir / file);
    pt2_info info = inspect(a);
    CHECK(layout_key(info.layout) == want["layout"].get<std::string>());
    CHECK(a.root() == want["root"].get<std::string>());
    REQUIRE(a.entries().size() == want["members"].size());
    for (const zip_entry& e : a.entries()) {
      INFO(e.name);
      const auto& m = want["members"][e.name];
      CHECK(e.size == m["size"].get<std::uint64_t>());
      CHECK(e.crc32 == m["crc32"].get<std::uint32_t>());
      CHECK(a.read(e).size() == e.size);
      if (want["container"] == "deflated" || want["container"] == "descriptors") CHECK(e.method == zip_method::deflated);
      if (want["container"] == "descriptors") CHECK((e.flags & 0x08) != 0);
    }
    if (info.layout == pt2_layout::aoti_package) {
      CHECK_THROWS_WITH(program_records(info), Catch::Contains("AOTInductor package"));
      continue;
    }
    pt2_records r = program_records(info);
    CHECK(nlohmann::json::parse(a.read_record(r.program)).contains("graph_module"));
    CHECK(a.find_record(r.state_dict) != nullptr);
    if (info.layout != pt2_layout::legacy_zip) {
      CHECK(info.archive_version == "0");
      CHECK(info.models == std::vector<std::string>{"model"});
      CHECK_THROWS_AS(program_records(info, "other"), aotkit::key_error);
    }
  }
  pt2_info i28 = inspect(zip_archive::open(data_dir / "archive_28.pt2"));
  CHECK(i28.extra_files == std::vector<std::string>{"notes.txt"});
}

TEST_CASE("every truncation of an archive is a typed error, never a crash", "[pt2][zip][hostile]") {
  for (const char* file : {"legacy_deflated.pt2", "legacy_zip64.pt2", "aoti_package.pt2"}) {
    std::string bytes = slurp(data_dir / file);
    for (std::size_t n = 0; n < bytes.size(); n += (n < 64 || bytes.size() - n < 128 ? 1 : 97)) {
      INFO(file << " cut to " << n);
      CHECK_THROWS_AS(read_all(std::string_view(bytes).substr(0, n)), aotkit::input_error);
    }
  }
}

TEST_CASE("every byte of the directory flipped: the archive reads or says why", "[pt2][zip][hostile]") {
  std::string bytes = slurp(data_dir / "legacy_deflated.pt2");
  std::size_t cd = central_of(bytes);
  for (std::size_t at = cd; at < bytes.size(); ++at) {
    for (unsigned char x : {0x01, 0x80, 0xFF}) {
      std::string b = bytes;
      b[at] = static_cast<char>(b[at] ^ x);
      try {
        read_all(b);
      } catch (const aotkit::input_error&) {
      } catch (const aotkit::value_error&) {  // a flipped archive_format/version text
      }
    }
  }
}

TEST_CASE("lying sizes, counts and offsets name the record and the offset", "[pt2][zip][hostile]") {
  std::string good = slurp(data_dir / "legacy_deflated.pt2");
  std::size_t cd = central_of(good);
  std::string b = good;
  put32(b, cd + 20, 0x7FFFFFFF);  // compressed size past the file
  CHECK_THAT(error_of(b), Catch::Contains("member 'mlp/serialized_exported_program.json' at offset") &&
                              Catch::Contains("bytes claimed, past the members' area"));
  b = good;
  put32(b, cd + 24, 0xFFFFFFF0);  // a zip bomb's claim: 4 GB out of a few KB
  CHECK_THAT(error_of(b), Catch::Contains("more than deflate can expand"));
  b = good;
  put32(b, cd + 42, static_cast<std::uint32_t>(cd - 10));  // a local header inside the directory
  CHECK_THAT(error_of(b), Catch::Contains("local header"));
  b = good;
  std::size_t end = b.rfind("PK\x05\x06");
  put16(b, end + 10, 60000);  // more entries than the directory's bytes can hold
  CHECK_THAT(error_of(b), Catch::Contains("entries claimed in"));
  b = good;
  put32(b, end + 12, 0x7FFFFFF0);  // a directory larger than the file
  CHECK_THAT(error_of(b), Catch::Contains("central directory at offset") && Catch::Contains("past the end records"));
  // the Zip64 fixture's end record defers to a Zip64 record that is not there once its locator goes
  std::string z = slurp(data_dir / "legacy_zip64.pt2");
  std::size_t loc = z.rfind("PK\x06\x07");
  z[loc] = 'X';
  CHECK_THAT(error_of(z), Catch::Contains("zip64 end locator"));
}

TEST_CASE("corrupt member data, bad names and unsupported features are refused", "[pt2][zip][hostile]") {
  std::string good = slurp(data_dir / "torch26" / "mlp_training_ir.pt2");  // stored members
  zip_archive a = zip_archive::view(good);
  const zip_entry& first = a.entries().front();
  std::string b = good;
  b[first.data_offset + 3] ^= 1;
  CHECK_THAT(error_of(b), Catch::Contains("CRC-32 mismatch"));
  zip_limits no_crc;
  no_crc.check_crc = false;
  zip_archive unchecked = zip_archive::view(b, no_crc);
  CHECK_NOTHROW(unchecked.read(unchecked.entries().front()));
  std::size_t cd = central_of(good);
  b = good;
  put16(b, cd + 8, 1);  // encrypted
  CHECK_THAT(error_of(b), Catch::Contains("encrypted"));
  b = good;
  put16(b, cd + 10, 12);  // bzip2
  CHECK_THAT(error_of(b), Catch::Contains("compression method 12 is not supported"));
  // a member named ../x: both headers renamed alike (same length as "serialized_ex")
  b = good;
  for (std::size_t at : {std::size_t{30}, cd + 46}) b.replace(at, 3, "../");
  CHECK_THAT(error_of(b), Catch::Contains("'..' part"));
  // two members under one name
  CHECK_THAT(error_of(slurp(data_dir / "duplicate_names.zip")), Catch::Contains("member 'version'") &&
                                                                    Catch::Contains("the name is given twice"));
  // deflated data cut short inside its stream
  std::string d = slurp(data_dir / "legacy_deflated.pt2");
  zip_archive da = zip_archive::view(d);
  const zip_entry& de = da.entries().front();
  for (std::size_t i = de.data_offset + de.compressed_size / 2; i < de.data_offset + de.compressed_size; ++i) d[i] = 0;
  CHECK_THROWS_AS(read_all(d), aotkit::input_error);
  // a member over the reader's limit
  zip_limits small;
  small.max_member_size = 100;
  zip_archive s = zip_archive::view(good, small);
  CHECK_THROWS_WITH(s.read(s.entries().front()), Catch::Contains("over the limit of 100"));
  CHECK_THROWS_WITH(zip_archive::view("not a zip at all, just some text"), Catch::Contains("not a zip archive"));
  CHECK_THROWS_AS(zip_archive::open(data_dir / "no_such_file.pt2"), aotkit::input_error);
  CHECK_THROWS_AS(a.read_record("no_such_record"), aotkit::key_error);
}

TEST_CASE("copies share inflated members and stay valid on their own", "[pt2][zip]") {
  std::string_view first_bytes;
  std::string copy_of_first;
  {
    zip_archive a = zip_archive::open(data_dir / "legacy_deflated.pt2");
    zip_archive b = a;
    first_bytes = b.read(b.entries().front());
    copy_of_first = std::string(a.read(a.entries().front()));
    CHECK(first_bytes == copy_of_first);
  }
  CHECK(copy_of_first.starts_with("{\""));
}

TEST_CASE("a mapped archive reads as an opened one; what cannot be mapped is read", "[pt2][zip]") {
  for (const char* file : {"torch26/mlp_training_ir.pt2", "legacy_deflated.pt2", "legacy_zip64.pt2", "archive_29.pt2"}) {
    INFO(file);
    zip_archive opened = zip_archive::open(data_dir / file);
    std::optional<zip_archive> copy;
    {
      zip_archive mapped = zip_archive::map(data_dir / file);
      CHECK(mapped.owns_bytes());
      CHECK(mapped.bytes() == opened.bytes());
      REQUIRE(mapped.entries().size() == opened.entries().size());
      for (std::size_t i = 0; i < mapped.entries().size(); ++i) {
        CHECK(mapped.entries()[i].name == opened.entries()[i].name);
        CHECK(mapped.read(mapped.entries()[i]) == opened.read(opened.entries()[i]));
      }
      copy.emplace(mapped);
    }
    // the mapping stays while a copy of the archive lives, after the archive it was copied from
    CHECK(copy->read(copy->entries().front()) == opened.read(opened.entries().front()));
  }
  CHECK_THROWS_AS(zip_archive::map(data_dir / "no_such_file.pt2"), aotkit::input_error);
  // an empty file cannot be mapped: read, and refused as open refuses it
  std::filesystem::path empty = std::filesystem::temp_directory_path() / "aotkit_zip_map_empty.pt2";
  { std::ofstream(empty, std::ios::binary); }
  CHECK_THROWS_WITH(zip_archive::map(empty), Catch::Contains("not a zip archive"));
  std::filesystem::remove(empty);
  // a program loads the same from either
  exported_program a = load_exported_program(zip_archive::open(data_dir / "torch26/mlp_training_ir.pt2"));
  exported_program b = load_exported_program(zip_archive::map(data_dir / "torch26/mlp_training_ir.pt2"));
  CHECK(write_exported_program(a) == write_exported_program(b));
}
