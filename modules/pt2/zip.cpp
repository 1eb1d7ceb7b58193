// modules/pt2/zip.cpp — the zip reader: end records (Zip64 included), central and local headers,
// stored views and bounded inflation (zlib), each size and offset checked before it is used.
module;
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>
#include "runtime/large_buffer.hpp"

module aotkit.pt2;

import aotkit.runtime;

namespace aotkit::pt2 {

namespace {

constexpr std::uint32_t local_sig = 0x04034b50, central_sig = 0x02014b50, end_sig = 0x06054b50,
                        zip64_end_sig = 0x06064b50, zip64_locator_sig = 0x07064b50;
constexpr std::size_t local_size = 30, central_size = 46, end_size = 22, zip64_end_size = 56, zip64_locator_size = 20;
// deflate cannot expand a byte by more than this (its best case: 258-byte matches in ~2 bits)
constexpr std::uint64_t max_deflate_ratio = 1032;

std::string hex_offset(std::uint64_t offset) { return "offset " + std::to_string(offset); }

[[noreturn]] void fail(std::string_view record, std::uint64_t offset, const std::string& detail) {
  throw input_error(std::string(record) + " at " + hex_offset(offset), detail);
}

// Little-endian fields of a record that was checked to lie inside the bytes.
struct fields {
  std::string_view b;
  std::uint64_t at;
  std::uint64_t u(std::size_t off, std::size_t n) const noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{static_cast<unsigned char>(b[at + off + i])} << (8 * i);
    return v;
  }
  std::uint16_t u16(std::size_t off) const noexcept { return static_cast<std::uint16_t>(u(off, 2)); }
  std::uint32_t u32(std::size_t off) const noexcept { return static_cast<std::uint32_t>(u(off, 4)); }
  std::uint64_t u64(std::size_t off) const noexcept { return u(off, 8); }
};

// Names torch writes are relative paths of plain parts; anything that could escape a folder or
// alias another member is refused (an extractor, or a lookup by normalised name, would be fooled).
const char* name_problem(std::string_view name) noexcept {
  if (name.empty()) return "an empty member name";
  if (name.front() == '/') return "an absolute member name";
  if (name.find('\\') != std::string_view::npos) return "a member name with a backslash";
  if (name.find('\0') != std::string_view::npos) return "a member name with a NUL byte";
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t slash = name.find('/', start);
    std::string_view part = name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") return "a member name with a '..' part";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return nullptr;
}

}  // namespace

namespace {
// an error in the archive, prefixed with the file it is in
template <class F>
zip_archive located(const std::filesystem::path& path, F&& make) {
  try {
    return make();
  } catch (const input_error& e) {
    throw input_error(path.string() + ": " + e.where(), e.detail());
  }
}
}  // namespace

struct zip_archive::inflated {
  std::mutex mutex;
  std::vector<std::unique_ptr<std::string>> by_entry;
};

zip_archive::zip_archive(std::shared_ptr<const void> owned, std::string_view bytes, zip_limits limits)
    : owned_(std::move(owned)), bytes_(bytes), limits_(limits), inflated_(std::make_shared<inflated>()) {
  parse();
  inflated_->by_entry.resize(entries_.size());
}

zip_archive zip_archive::open(const std::filesystem::path& path, zip_limits limits) {
  std::error_code ec;
  std::uintmax_t size = std::filesystem::is_regular_file(path, ec) ? std::filesystem::file_size(path, ec) : 0;
  if (ec || size == 0 || size >= std::numeric_limits<std::size_t>::max() / 2) {  // a pipe, say: read as a stream
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error(path.string(), "cannot open the file");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw input_error(path.string(), "cannot read the file");
    return located(path, [&] { return from_bytes(std::move(bytes), limits); });
  }
  // a regular file: one read into a buffer nothing initialises first (archives run to gigabytes)
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw input_error(path.string(), "cannot open the file");
  std::shared_ptr<char> buffer = runtime::detail::make_large_buffer(static_cast<std::size_t>(size) + 1);
  std::size_t got = std::fread(buffer.get(), 1, static_cast<std::size_t>(size) + 1, f.get());
  if (std::ferror(f.get())) throw input_error(path.string(), "cannot read the file");
  if (got != size) throw input_error(path.string(), "the file changed size while it was read");
  std::string_view view(buffer.get(), got);
  std::shared_ptr<const void> owner = std::move(buffer);
  return located(path, [&] { return zip_archive(std::move(owner), view, limits); });
}

zip_archive zip_archive::map(const std::filesystem::path& path, zip_limits limits) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw input_error(path.string(), "cannot open the file");
  struct ::stat st {};
  bool mappable = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
                  static_cast<std::uintmax_t>(st.st_size) < std::numeric_limits<std::size_t>::max() / 2;
  void* at = mappable ? ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0) : MAP_FAILED;
  ::close(fd);  // the mapping keeps the file
  if (at == MAP_FAILED) return open(path, limits);
  std::size_t size = static_cast<std::size_t>(st.st_size);
  std::shared_ptr<const void> owner(at, [size](void* p) { ::munmap(p, size); });
  std::string_view view(static_cast<const char*>(at), size);
  return located(path, [&] { return zip_archive(std::move(owner), view, limits); });
}

zip_archive zip_archive::from_bytes(std::string bytes, zip_limits limits) {
  auto owned = std::make_shared<const std::string>(std::move(bytes));
  std::string_view view = *owned;
  return zip_archive(std::move(owned), view, limits);
}

zip_archive zip_archive::view(std::string_view bytes, zip_limits limits) { return zip_archive(nullptr, bytes, limits); }

void zip_archive::parse() {
  std::string_view b = bytes_;
  // the end record: the last signature within its 22 bytes plus the longest comment, whose
  // comment reaches exactly the end of the file
  if (b.size() < end_size) fail("end of central directory", 0, "not a zip archive: " + std::to_string(b.size()) + " bytes");
  std::uint64_t end_at = b.size();
  for (std::uint64_t at = b.size() - end_size + 1; at-- > 0 && b.size() - at <= end_size + 0xFFFF;) {
    fields f{b, at};
    if (f.u32(0) == end_sig && at + end_size + f.u16(20) == b.size()) {
      end_at = at;
      break;
    }
  }
  if (end_at == b.size()) fail("end of central directory", b.size(), "not a zip archive: no end of central directory record");
  fields end{b, end_at};
  if (end.u16(4) != 0 || end.u16(6) != 0) fail("end of central directory", end_at, "multi-disk archives are not supported");
  std::uint64_t count = end.u16(10), cd_size = end.u32(12), cd_offset = end.u32(16);
  std::uint64_t cd_limit = end_at;  // the directory ends before the end records
  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    if (end_at < zip64_locator_size) fail("zip64 end locator", end_at, "missing (the end record defers to Zip64)");
    std::uint64_t loc_at = end_at - zip64_locator_size;
    fields loc{b, loc_at};
    if (loc.u32(0) != zip64_locator_sig) fail("zip64 end locator", loc_at, "missing (the end record defers to Zip64)");
    std::uint64_t z_at = loc.u64(8);
    if (z_at > loc_at || loc_at - z_at < zip64_end_size) fail("zip64 end record", z_at, "outside the file");
    fields z{b, z_at};
    if (z.u32(0) != zip64_end_sig) fail("zip64 end record", z_at, "bad signature");
    if (z.u32(16) != 0 || z.u32(20) != 0) fail("zip64 end record", z_at, "multi-disk archives are not supported");
    count = z.u64(32);
    cd_size = z.u64(40);
    cd_offset = z.u64(48);
    cd_limit = z_at;
  }
  if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset)
    fail("central directory", cd_offset, std::to_string(cd_size) + " bytes claimed, past the end records");
  if (count > limits_.max_entries) fail("central directory", cd_offset, std::to_string(count) + " entries, over the limit");
  // every header takes at least 46 bytes: a count the directory cannot hold is a lie, found
  // before anything is allocated for it
  if (count > cd_size / central_size)
    fail("central directory", cd_offset, std::to_string(count) + " entries claimed in " + std::to_string(cd_size) + " bytes");
  entries_.reserve(count);
  std::uint64_t at = cd_offset;
  const std::uint64_t cd_end = cd_offset + cd_size;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (cd_end - at < central_size) fail("central directory entry " + std::to_string(i), at, "truncated");
    fields c{b, at};
    if (c.u32(0) != central_sig) fail("central directory entry " + std::to_string(i), at, "bad signature");
    std::uint64_t name_len = c.u16(28), extra_len = c.u16(30), comment_len = c.u16(32);
    if (cd_end - at - central_size < name_len + extra_len + comment_len)
      fail("central directory entry " + std::to_string(i), at, "its name, extra field and comment run past the directory");
    zip_entry e;
    e.name.assign(b.substr(at + central_size, name_len));
    std::string where = "member '" + quote_excerpt(e.name) + "'";
    if (const char* problem = name_problem(e.name)) fail(where, at, problem);
    e.flags = c.u16(8);
    std::uint16_t method = c.u16(10);
    e.crc32 = c.u32(16);
    e.compressed_size = c.u32(20);
    e.size = c.u32(24);
    std::uint16_t disk = c.u16(34);
    e.header_offset = c.u32(42);
    if ((e.flags & 0x1) != 0) fail(where, at, "encrypted members are not supported");
    if (method != 0 && method != 8)
      fail(where, at, "compression method " + std::to_string(method) + " is not supported (stored and deflated are)");
    e.method = static_cast<zip_method>(method);
    // the Zip64 extra field holds, in this order, exactly the fields whose 32-bit slot is full
    bool need_size = e.size == 0xFFFFFFFF, need_csize = e.compressed_size == 0xFFFFFFFF,
         need_offset = e.header_offset == 0xFFFFFFFF, need_disk = disk == 0xFFFF;
    for (std::uint64_t x = at + central_size + name_len, x_end = x + extra_len; x_end - x >= 4;) {
      fields h{b, x};
      std::uint64_t id = h.u16(0), len = h.u16(2);
      if (x_end - x - 4 < len) fail(where, x, "an extra field runs past its header");
      if (id == 0x0001) {
        std::uint64_t p = x + 4, p_end = p + len;
        auto take = [&](bool need, std::uint64_t& field, std::size_t width) {
          if (!need) return;
          if (p_end - p < width) fail(where, x, "the Zip64 extra field is too short for the sizes it must hold");
          field = fields{b, p}.u(0, width);
          p += width;
        };
        std::uint64_t disk64 = disk;
        take(need_size, e.size, 8);
        take(need_csize, e.compressed_size, 8);
        take(need_offset, e.header_offset, 8);
        take(need_disk, disk64, 4);
        need_size = need_csize = need_offset = need_disk = false;
        disk = disk64 == 0 ? 0 : 1;
      }
      x += 4 + len;
    }
    if (need_size || need_csize || need_offset) fail(where, at, "a 32-bit field defers to a Zip64 extra field that is missing");
    if (disk != 0) fail(where, at, "multi-disk archives are not supported");
    // the local header: its own name and extra field lengths place the data
    std::uint64_t h = e.header_offset;
    if (h > cd_offset || cd_offset - h < local_size) fail(where, h, "its local header lies outside the members' area");
    fields l{b, h};
    if (l.u32(0) != local_sig) fail(where, h, "bad local header signature");
    std::uint64_t l_name = l.u16(26), l_extra = l.u16(28);
    if (cd_offset - h - local_size < l_name + l_extra) fail(where, h, "its local header's name and extra field run into the directory");
    if (b.substr(h + local_size, l_name) != e.name) fail(where, h, "the local header names another member");
    e.data_offset = h + local_size + l_name + l_extra;
    if (e.compressed_size > cd_offset - e.data_offset)
      fail(where, e.data_offset, std::to_string(e.compressed_size) + " bytes claimed, past the members' area");
    if (e.method == zip_method::stored && e.compressed_size != e.size)
      fail(where, at, "a stored member whose sizes differ (" + std::to_string(e.compressed_size) + " and " + std::to_string(e.size) + ")");
    if (e.method == zip_method::deflated && e.size > max_deflate_ratio * e.compressed_size + 64)
      fail(where, at, std::to_string(e.size) + " bytes from " + std::to_string(e.compressed_size) + " deflated: more than deflate can expand");
    entries_.push_back(std::move(e));
    at += central_size + name_len + extra_len + comment_len;
  }
  by_name_.resize(entries_.size());
  for (std::uint32_t i = 0; i < by_name_.size(); ++i) by_name_[i] = i;
  std::sort(by_name_.begin(), by_name_.end(), [&](std::uint32_t x, std::uint32_t y) { return entries_[x].name < entries_[y].name; });
  for (std::size_t i = 1; i < by_name_.size(); ++i)
    if (entries_[by_name_[i]].name == entries_[by_name_[i - 1]].name)
      fail("member '" + quote_excerpt(entries_[by_name_[i]].name) + "'", entries_[by_name_[i]].header_offset, "the name is given twice");
  // the common root folder: the first part of every name, when they all have the same one
  if (!entries_.empty()) {
    std::string_view first = entries_.front().name;
    std::size_t slash = first.find('/');
    if (slash != std::string_view::npos) {
      std::string_view root = first.substr(0, slash + 1);
      if (std::all_of(entries_.begin(), entries_.end(), [&](const zip_entry& e) { return e.name.starts_with(root); }))
        root_ = root;
    }
  }
}

const zip_entry* zip_archive::find(std::string_view name) const noexcept {
  auto it = std::lower_bound(by_name_.begin(), by_name_.end(), name,
                             [&](std::uint32_t i, std::string_view n) { return entries_[i].name < n; });
  return it != by_name_.end() && entries_[*it].name == name ? &entries_[*it] : nullptr;
}

const zip_entry* zip_archive::find_record(std::string_view record) const noexcept {
  if (!root_.empty()) {
    std::string full = root_;
    full += record;
    if (const zip_entry* e = find(full)) return e;
  }
  return find(record);
}

std::string_view zip_archive::read(const zip_entry& entry) const {
  if (&entry < entries_.data() || &entry >= entries_.data() + entries_.size())
    throw value_error("zip_archive::read: the entry is not one of this archive's");
  auto index = static_cast<std::size_t>(&entry - entries_.data());
  std::string where = "member '" + quote_excerpt(entry.name) + "'";
  if (entry.size > limits_.max_member_size)
    fail(where, entry.data_offset, std::to_string(entry.size) + " bytes, over the limit of " + std::to_string(limits_.max_member_size));
  std::string_view raw = bytes_.substr(entry.data_offset, entry.compressed_size);
  std::string_view out;
  if (entry.method == zip_method::stored) {
    out = raw;
  } else {
    std::lock_guard lock(inflated_->mutex);
    std::unique_ptr<std::string>& slot = inflated_->by_entry[index];
    if (!slot) {
      auto buf = std::make_unique<std::string>(entry.size, '\0');
      z_stream z{};
      if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw runtime_error("zlib: inflateInit2 failed");
      std::uint64_t in_done = 0, out_done = 0;
      int rc = Z_OK;
      // zlib counts in 32-bit words: feed and drain at most 1 GiB per call
      constexpr std::uint64_t step = std::uint64_t{1} << 30;
      while (rc == Z_OK) {
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data() + in_done));
        z.avail_in = static_cast<uInt>(std::min(step, raw.size() - in_done));
        z.next_out = reinterpret_cast<Bytef*>(buf->data() + out_done);
        z.avail_out = static_cast<uInt>(std::min(step, entry.size - out_done));
        uInt in_before = z.avail_in, out_before = z.avail_out;
        rc = inflate(&z, Z_NO_FLUSH);
        in_done += in_before - z.avail_in;
        out_done += out_before - z.avail_out;
        if (rc == Z_OK && in_before == z.avail_in && out_before == z.avail_out) rc = Z_BUF_ERROR;  // no progress
      }
      inflateEnd(&z);
      if (rc == Z_BUF_ERROR && in_done == raw.size())
        fail(where, entry.data_offset + in_done, "the deflate data ends before its stream does (truncated)");
      if (rc == Z_BUF_ERROR)
        fail(where, entry.data_offset, "inflates to more than the " + std::to_string(entry.size) + " bytes its header gives");
      if (rc != Z_STREAM_END)
        fail(where, entry.data_offset + in_done, std::string("corrupt deflate data") + (z.msg ? std::string(" (") + z.msg + ")" : ""));
      if (out_done != entry.size)
        fail(where, entry.data_offset, "inflates to " + std::to_string(out_done) + " bytes, not the " + std::to_string(entry.size) + " its header gives");
      slot = std::move(buf);
    }
    out = *slot;
  }
  if (limits_.check_crc && crc32_of(out) != entry.crc32) fail(where, entry.data_offset, "CRC-32 mismatch: the bytes are corrupt");
  return out;
}

std::string_view zip_archive::read_record(std::string_view record) const {
  const zip_entry* e = find_record(record);
  if (e == nullptr) throw key_error("the archive has no record '" + std::string(record) + "'" +
                                    (root_.empty() ? std::string() : " (under '" + root_ + "' or at the top)"));
  return read(*e);
}

// ---- writing ----

namespace {

std::uint32_t crc32_zlib(std::uint32_t crc, const char* data, std::size_t size) noexcept {
  uLong c = crc;
  for (std::size_t done = 0; done < size;) {
    std::size_t n = std::min<std::size_t>(size - done, std::size_t{1} << 30);
    c = crc32(c, reinterpret_cast<const Bytef*>(data + done), static_cast<uInt>(n));
    done += n;
  }
  return static_cast<std::uint32_t>(c);
}

#if defined(__x86_64__)
// CRC-32 by carry-less multiplication (Intel, "Fast CRC Computation for Generic Polynomials Using
// PCLMULQDQ", 2009; the folding constants of the bit-reflected gzip polynomial as Linux and
// Chromium's zlib use them): four 16-byte lanes folded 64 bytes at a time, then to one lane, then
// Barrett-reduced. zlib 1.2's tables run at about 4 GB/s, and a 100k-node program is 80 MB that
// every load checks. Takes and returns the CRC without zlib's pre/post inversion; `size` is a
// multiple of 16, at least 64.
// (helpers, not lambdas: a lambda does not take its function's target features)
__attribute__((target("pclmul,sse4.1"), always_inline)) inline __m128i load(const char* p) noexcept {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
// x carried 128 bits forward (the constant pair k says how far) and added to the next 16 bytes
__attribute__((target("pclmul,sse4.1"), always_inline)) inline __m128i fold(__m128i x, __m128i k, __m128i next) noexcept {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x11), _mm_clmulepi64_si128(x, k, 0x00)), next);
}
__attribute__((target("pclmul,sse4.1"))) std::uint32_t crc32_folded(std::uint32_t crc, const char* buf, std::size_t size) noexcept {
  alignas(16) static constexpr std::uint64_t k1k2[] = {0x0154442bd4, 0x01c6e41596};
  alignas(16) static constexpr std::uint64_t k3k4[] = {0x01751997d0, 0x00ccaa009e};
  alignas(16) static constexpr std::uint64_t k5k0[] = {0x0163cd6124, 0x0000000000};
  alignas(16) static constexpr std::uint64_t poly[] = {0x01db710641, 0x01f7011641};
  __m128i x1 = _mm_xor_si128(load(buf), _mm_cvtsi32_si128(static_cast<int>(crc)));
  __m128i x2 = load(buf + 16), x3 = load(buf + 32), x4 = load(buf + 48);
  buf += 64;
  size -= 64;
  __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(k1k2));
  for (; size >= 64; buf += 64, size -= 64) {
    x1 = fold(x1, k, load(buf));
    x2 = fold(x2, k, load(buf + 16));
    x3 = fold(x3, k, load(buf + 32));
    x4 = fold(x4, k, load(buf + 48));
  }
  k = _mm_load_si128(reinterpret_cast<const __m128i*>(k3k4));
  x1 = fold(x1, k, x2);
  x1 = fold(x1, k, x3);
  x1 = fold(x1, k, x4);
  for (; size >= 16; buf += 16, size -= 16) x1 = fold(x1, k, load(buf));
  // 128 bits to 64, then Barrett's reduction to 32
  __m128i mask = _mm_setr_epi32(~0, 0, ~0, 0);
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), _mm_clmulepi64_si128(x1, k, 0x10));
  k = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(k5k0));
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask), k, 0x00), _mm_srli_si128(x1, 4));
  k = _mm_load_si128(reinterpret_cast<const __m128i*>(poly));
  __m128i x2r = _mm_clmulepi64_si128(_mm_and_si128(x1, mask), k, 0x10);
  x2r = _mm_clmulepi64_si128(_mm_and_si128(x2r, mask), k, 0x00);
  return static_cast<std::uint32_t>(_mm_extract_epi32(_mm_xor_si128(x1, x2r), 1));
}
const bool has_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
#endif

}  // namespace

std::uint32_t crc32_of(std::string_view bytes) noexcept {
  const char* data = bytes.data();
  std::size_t size = bytes.size();
  std::uint32_t crc = 0;
#if defined(__x86_64__)
  if (has_clmul && size >= 64) {
    std::size_t whole = size & ~std::size_t{15};
    crc = ~crc32_folded(~crc, data, whole);
    data += whole;
    size -= whole;
  }
#endif
  return crc32_zlib(crc, data, size);
}

namespace {

void put16(std::string& out, std::uint64_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}
void put32(std::string& out, std::uint64_t v) {
  put16(out, v & 0xffff);
  put16(out, (v >> 16) & 0xffff);
}
void put64(std::string& out, std::uint64_t v) {
  put32(out, v & 0xffffffffu);
  put32(out, v >> 32);
}

constexpr std::uint64_t zip32_max = 0xffffffffu;

}  // namespace

zip_writer::zip_writer(std::size_t alignment) : alignment_(alignment == 0 ? 1 : alignment) {}

void zip_writer::add(std::string_view name, std::string_view bytes) {
  if (name.empty() || name.size() > 0xffff) throw value_error("zip_writer: a member name must have 1 to 65535 bytes");
  for (const member& m : members_)
    if (m.name == name) throw value_error("zip_writer: member '" + std::string(name) + "' added twice");
  member m;
  m.name = std::string(name);
  m.offset = out_.size();
  m.size = bytes.size();
  m.crc = crc32_of(bytes);
  bool zip64 = m.size >= zip32_max;
  // local header: signature, version 4.5 when Zip64 else 2.0, no flags, stored, no time/date
  std::size_t fixed = 30 + m.name.size() + (zip64 ? 20 : 0);
  std::size_t pad = (alignment_ - (out_.size() + fixed + 4) % alignment_) % alignment_;
  put32(out_, 0x04034b50);
  put16(out_, zip64 ? 45 : 20);
  put16(out_, 0);
  put16(out_, 0);
  put32(out_, 0);  // time, date
  put32(out_, m.crc);
  put32(out_, zip64 ? zip32_max : m.size);
  put32(out_, zip64 ? zip32_max : m.size);
  put16(out_, m.name.size());
  put16(out_, (zip64 ? 20 : 0) + 4 + pad);
  out_ += m.name;
  if (zip64) {
    put16(out_, 0x0001);
    put16(out_, 16);
    put64(out_, m.size);
    put64(out_, m.size);
  }
  // torch's padding field ('FB'), so the bytes start aligned
  put16(out_, 0x4246);
  put16(out_, pad);
  out_.append(pad, 'Z');
  out_.append(bytes);
  members_.push_back(std::move(m));
}

std::string zip_writer::finish() {
  std::uint64_t dir_offset = out_.size();
  for (const member& m : members_) {
    bool big_size = m.size >= zip32_max, big_offset = m.offset >= zip32_max;
    std::size_t extra = (big_size || big_offset) ? 4 + (big_size ? 16 : 0) + (big_offset ? 8 : 0) : 0;
    put32(out_, 0x02014b50);
    put16(out_, extra ? 45 : 20);
    put16(out_, extra ? 45 : 20);
    put16(out_, 0);
    put16(out_, 0);
    put32(out_, 0);
    put32(out_, m.crc);
    put32(out_, big_size ? zip32_max : m.size);
    put32(out_, big_size ? zip32_max : m.size);
    put16(out_, m.name.size());
    put16(out_, extra);
    put16(out_, 0);  // comment
    put16(out_, 0);  // disk
    put16(out_, 0);  // internal attributes
    put32(out_, 0);  // external attributes
    put32(out_, big_offset ? zip32_max : m.offset);
    out_ += m.name;
    if (extra) {
      put16(out_, 0x0001);
      put16(out_, extra - 4);
      if (big_size) {
        put64(out_, m.size);
        put64(out_, m.size);
      }
      if (big_offset) put64(out_, m.offset);
    }
  }
  std::uint64_t dir_size = out_.size() - dir_offset, count = members_.size();
  if (count >= 0xffff || dir_offset >= zip32_max || dir_size >= zip32_max) {
    std::uint64_t eocd64 = out_.size();
    put32(out_, 0x06064b50);
    put64(out_, 44);
    put16(out_, 45);
    put16(out_, 45);
    put32(out_, 0);
    put32(out_, 0);
    put64(out_, count);
    put64(out_, count);
    put64(out_, dir_size);
    put64(out_, dir_offset);
    put32(out_, 0x07064b50);  // locator
    put32(out_, 0);
    put64(out_, eocd64);
    put32(out_, 1);
  }
  put32(out_, 0x06054b50);
  put16(out_, 0);
  put16(out_, 0);
  put16(out_, std::min<std::uint64_t>(count, 0xffff));
  put16(out_, std::min<std::uint64_t>(count, 0xffff));
  put32(out_, std::min(dir_size, zip32_max));
  put32(out_, std::min(dir_offset, zip32_max));
  put16(out_, 0);
  members_.clear();
  return std::move(out_);
}

}  // namespace aotkit::pt2
