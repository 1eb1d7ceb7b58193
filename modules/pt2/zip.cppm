// modules/pt2/zip.cppm — a zip reader for the archives torch writes (stored and deflated members,
// Zip64, data descriptors, a root folder): every size and offset checked against the bytes.
module;
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>
export module aotkit.pt2:zip;

export namespace aotkit::pt2 {

/// Compression methods a member may use.
enum class zip_method : std::uint16_t { stored = 0, deflated = 8 };

/// One member, as the central directory describes it (Zip64 fields resolved) and its local
/// header places it.
struct zip_entry {
  std::string name;              ///< the full name, root folder included
  zip_method method = zip_method::stored;
  std::uint16_t flags = 0;       ///< general purpose bits (0x08: a data descriptor follows the data)
  std::uint32_t crc32 = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t size = 0;        ///< uncompressed
  std::uint64_t header_offset = 0;  ///< of the local header
  std::uint64_t data_offset = 0;    ///< of the member's bytes
};

/// Bounds on what reading an archive may cost, whatever its records claim.
struct zip_limits {
  std::uint64_t max_entries = 1'000'000;
  std::uint64_t max_member_size = std::uint64_t{16} << 30;  ///< uncompressed bytes of one member read
  bool check_crc = true;
};

/// A zip archive over bytes it owns or views. Opening parses and checks the whole directory:
/// the end records (Zip64 too), every central header, every local header, and that each member's
/// bytes lie inside the file before the directory. Anything else is aotkit::input_error whose
/// `where()` names the record (or member) and the byte offset; nothing is read out of bounds and
/// no allocation follows a size the bytes cannot back.
class zip_archive {
 public:
  /// Reads the file at `path` (aotkit::input_error naming it when it cannot be read).
  static zip_archive open(const std::filesystem::path& path, zip_limits limits = {});
  /// Maps the file at `path` read-only instead of reading it (torch.load's mmap=True): no copy and
  /// no fresh memory for the archive's bytes, which the page cache already holds; stored members
  /// (the program, weights written by torch.save) are views of the mapping. The file must not
  /// shrink while the archive (or anything viewing it) lives: reading a page past its new end is
  /// SIGBUS, as for every mapped file. Where the file cannot be mapped (a pipe, an empty file) it
  /// is read as `open` reads it.
  static zip_archive map(const std::filesystem::path& path, zip_limits limits = {});
  /// Takes the bytes.
  static zip_archive from_bytes(std::string bytes, zip_limits limits = {});
  /// Views bytes the caller keeps alive and unchanged while the archive is used.
  static zip_archive view(std::string_view bytes, zip_limits limits = {});

  /// The members, in central directory order.
  [[nodiscard]] std::span<const zip_entry> entries() const noexcept { return entries_; }
  /// The member named exactly `name`, or null.
  [[nodiscard]] const zip_entry* find(std::string_view name) const noexcept;
  /// The folder every member is in ("archive/", "model/"), or "" when they do not share one.
  [[nodiscard]] const std::string& root() const noexcept { return root_; }
  /// The member `root() + record`, else `record` itself, or null (torch looks records up under
  /// the archive's root folder; older archives have none).
  [[nodiscard]] const zip_entry* find_record(std::string_view record) const noexcept;
  /// A member's bytes: a view for a stored one (valid while the archive lives), inflated into a
  /// buffer owned by the archive for a deflated one. Checks the CRC-32 unless the limits say not.
  [[nodiscard]] std::string_view read(const zip_entry& entry) const;
  /// `read` of the member `root() + record` (aotkit::key_error naming it when absent).
  [[nodiscard]] std::string_view read_record(std::string_view record) const;
  /// True when the archive owns its bytes (open, from_bytes), false for a view of the caller's.
  [[nodiscard]] bool owns_bytes() const noexcept { return owned_ != nullptr; }
  /// The archive's bytes.
  [[nodiscard]] std::string_view bytes() const noexcept { return bytes_; }
  /// What reading it may cost (also what bounds memory made from no bytes: an empty raw weight
  /// record is zeros of its tensor's size).
  [[nodiscard]] const zip_limits& limits() const noexcept { return limits_; }

 private:
  zip_archive(std::shared_ptr<const void> owned, std::string_view bytes, zip_limits limits);
  void parse();
  std::shared_ptr<const void> owned_;  // what holds bytes_ (a string, a buffer read from a file, a mapping)
  std::string_view bytes_;
  zip_limits limits_;
  std::vector<zip_entry> entries_;
  std::vector<std::uint32_t> by_name_;  // entry indices sorted by name
  std::string root_;
  struct inflated;  // deflated members read so far, by entry (shared by copies, thread-safe)
  std::shared_ptr<inflated> inflated_;
};

/// Writes a zip archive in memory, as torch's PyTorchStreamWriter does: members stored (not
/// compressed), each member's bytes starting at a multiple of `alignment` (padded with an extra
/// field, so the bytes can be mapped in place), Zip64 records where a size or offset needs them.
class zip_writer {
 public:
  explicit zip_writer(std::size_t alignment = 64);
  /// Appends member `name` holding `bytes`. aotkit::value_error for an empty name, one given
  /// twice, or one longer than 65535 bytes.
  void add(std::string_view name, std::string_view bytes);
  /// The archive: the members, the central directory, the end records. The writer is empty after.
  [[nodiscard]] std::string finish();

 private:
  struct member {
    std::string name;
    std::uint64_t offset = 0, size = 0;
    std::uint32_t crc = 0;
  };
  std::size_t alignment_;
  std::string out_;
  std::vector<member> members_;
};

/// The CRC-32 of `bytes` (zlib's).
[[nodiscard]] std::uint32_t crc32_of(std::string_view bytes) noexcept;

}  // namespace aotkit::pt2
