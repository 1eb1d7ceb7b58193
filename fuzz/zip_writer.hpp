// fuzz/zip_writer.hpp — a small zip writer for the tests, properties and fuzz harnesses of
// aotkit.pt2 (aotkit writes no zips yet): stored or deflated members, optional Zip64 records and
// data descriptors, so the reader meets every form the real producers use.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aotkit_testing {

struct zip_member {
  std::string name;
  std::string data;
  bool deflate = false;
};

struct zip_options {
  bool zip64 = false;        ///< sizes and offsets in Zip64 extra fields, Zip64 end records
  bool descriptors = false;  ///< flag 0x08, zero sizes in the local headers, a data descriptor after each member
  bool crc = true;           ///< false: CRC fields left 0 (read with check_crc off)
};

namespace detail {
inline void put(std::string& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b += static_cast<char>(v >> (8 * i));
}
inline std::string raw_deflate(std::string_view in) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}
}  // namespace detail

inline std::string zip_of(const std::vector<zip_member>& members, zip_options o = {}) {
  using detail::put;
  std::string out, central;
  for (const zip_member& m : members) {
    std::string body = m.deflate ? detail::raw_deflate(m.data) : m.data;
    std::uint32_t crc = o.crc ? static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(m.data.data()),
                                                                  static_cast<uInt>(m.data.size())))
                              : 0;
    std::uint16_t flags = o.descriptors ? 0x08 : 0, method = m.deflate ? 8 : 0;
    std::uint64_t offset = out.size();
    std::string local_extra;
    if (o.zip64) {
      put(local_extra, 1, 2), put(local_extra, 16, 2), put(local_extra, o.descriptors ? 0 : m.data.size(), 8),
          put(local_extra, o.descriptors ? 0 : body.size(), 8);
    }
    put(out, 0x04034b50, 4), put(out, 45, 2), put(out, flags, 2), put(out, method, 2), put(out, 0, 4);
    put(out, o.descriptors ? 0 : crc, 4);
    put(out, o.zip64 ? 0xFFFFFFFF : (o.descriptors ? 0 : body.size()), 4);
    put(out, o.zip64 ? 0xFFFFFFFF : (o.descriptors ? 0 : m.data.size()), 4);
    put(out, m.name.size(), 2), put(out, local_extra.size(), 2);
    out += m.name + local_extra + body;
    if (o.descriptors) {
      put(out, 0x08074b50, 4), put(out, crc, 4);
      put(out, body.size(), o.zip64 ? 8 : 4), put(out, m.data.size(), o.zip64 ? 8 : 4);
    }
    std::string extra;
    if (o.zip64) put(extra, 1, 2), put(extra, 24, 2), put(extra, m.data.size(), 8), put(extra, body.size(), 8), put(extra, offset, 8);
    put(central, 0x02014b50, 4), put(central, 45, 2), put(central, 45, 2), put(central, flags, 2), put(central, method, 2);
    put(central, 0, 4), put(central, crc, 4);
    put(central, o.zip64 ? 0xFFFFFFFF : body.size(), 4), put(central, o.zip64 ? 0xFFFFFFFF : m.data.size(), 4);
    put(central, m.name.size(), 2), put(central, extra.size(), 2), put(central, 0, 2), put(central, 0, 2), put(central, 0, 2);
    put(central, 0, 4), put(central, o.zip64 ? 0xFFFFFFFF : offset, 4);
    central += m.name + extra;
  }
  std::uint64_t cd = out.size();
  out += central;
  if (o.zip64) {
    std::uint64_t z64 = out.size();
    put(out, 0x06064b50, 4), put(out, 44, 8), put(out, 45, 2), put(out, 45, 2), put(out, 0, 4), put(out, 0, 4);
    put(out, members.size(), 8), put(out, members.size(), 8), put(out, central.size(), 8), put(out, cd, 8);
    put(out, 0x07064b50, 4), put(out, 0, 4), put(out, z64, 8), put(out, 1, 4);
  }
  put(out, 0x06054b50, 4), put(out, 0, 2), put(out, 0, 2);
  put(out, o.zip64 ? 0xFFFF : members.size(), 2), put(out, o.zip64 ? 0xFFFF : members.size(), 2);
  put(out, o.zip64 ? 0xFFFFFFFF : central.size(), 4), put(out, o.zip64 ? 0xFFFFFFFF : cd, 4), put(out, 0, 2);
  return out;
}

}  // namespace aotkit_testing
