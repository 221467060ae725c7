#include "sriovctl/pcapng_writer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sriovctl::pcapng {
namespace {

// Option codes (pcapng spec, "Options" of each block).
constexpr uint16_t kOptEnd = 0;
constexpr uint16_t kShbUserAppl = 4;
constexpr uint16_t kIfName = 2;
constexpr uint16_t kIfDescription = 3;
constexpr uint16_t kIfTsresol = 9;
constexpr uint16_t kEpbFlags = 2;
constexpr uint8_t kTsresolNanoseconds = 9;  // 10^-9 s per unit

class BlockBuilder {
 public:
  explicit BlockBuilder(uint32_t type) {
    put32(type);
    put32(0);  // total length, patched by finish()
  }
  void put16(uint16_t v) { put(&v, sizeof v); }
  void put32(uint32_t v) { put(&v, sizeof v); }
  void put64(uint64_t v) { put(&v, sizeof v); }
  void put(const void* p, size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  /// Zeros up to the next 32-bit boundary: every field and option value is padded so.
  void pad() { bytes_.resize((bytes_.size() + 3) & ~size_t{3}, std::byte{0}); }
  void option(uint16_t code, const void* value, uint16_t len) {
    put16(code);
    put16(len);
    put(value, len);
    pad();
    has_options_ = true;
  }
  void option(uint16_t code, std::string_view text) {
    // An option's length is 16 bits; a longer text is cut rather than wrapped.
    const auto len = static_cast<uint16_t>(std::min<size_t>(text.size(), 0xFFFC));
    option(code, text.data(), len);
  }
  std::vector<std::byte> finish() {
    if (has_options_) option_end();
    const auto total = static_cast<uint32_t>(bytes_.size() + sizeof(uint32_t));
    put32(total);
    std::memcpy(bytes_.data() + sizeof(uint32_t), &total, sizeof total);
    return std::move(bytes_);
  }

 private:
  void option_end() {
    put16(kOptEnd);
    put16(0);
  }
  std::vector<std::byte> bytes_;
  bool has_options_ = false;
};

}  // namespace

std::vector<std::byte> section_header_block(std::string_view user_application) {
  BlockBuilder b(kSectionHeaderBlock);
  b.put32(kByteOrderMagic);
  b.put16(1);             // major version
  b.put16(0);             // minor version
  b.put64(~uint64_t{0});  // section length: not given (-1), the file is written as it goes
  if (!user_application.empty()) b.option(kShbUserAppl, user_application);
  return b.finish();
}

std::vector<std::byte> interface_description_block(const Interface& itf) {
  BlockBuilder b(kInterfaceDescriptionBlock);
  b.put16(itf.linktype);
  b.put16(0);  // reserved
  b.put32(itf.snaplen);
  if (!itf.name.empty()) b.option(kIfName, itf.name);
  if (!itf.description.empty()) b.option(kIfDescription, itf.description);
  b.option(kIfTsresol, &kTsresolNanoseconds, 1);
  return b.finish();
}

std::vector<std::byte> enhanced_packet_block(uint32_t interface_id, uint32_t snaplen,
                                             const Packet& p) {
  const auto caplen = static_cast<uint32_t>(std::min<size_t>(p.data.size(), snaplen));
  BlockBuilder b(kEnhancedPacketBlock);
  b.put32(interface_id);
  b.put32(static_cast<uint32_t>(p.time_ns >> 32));
  b.put32(static_cast<uint32_t>(p.time_ns));
  b.put32(caplen);
  b.put32(std::max(p.orig_len, caplen));  // a frame is never shorter than what was captured
  b.put(p.data.data(), caplen);
  b.pad();
  if (p.direction != Direction::kUnknown) {
    const uint32_t flags = static_cast<uint32_t>(p.direction);
    b.option(kEpbFlags, &flags, sizeof flags);
  }
  return b.finish();
}

std::expected<Writer, std::string> Writer::open(const std::string& path, const Interface& itf,
                                                std::string_view user_application) {
  // Standard output is duplicated so the Writer owns (and closes) only its own descriptor.
  const int fd = path == "-" ? ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0)
                             : ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(fmt::format("{}: {}", path, std::strerror(errno)));
  Writer w(ctl::UniqueFd(fd), path == "-" ? "standard output" : path, itf.snaplen);
  if (auto ok = w.write_all(section_header_block(user_application)); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = w.write_all(interface_description_block(itf)); !ok) {
    return std::unexpected(ok.error());
  }
  return w;
}

std::expected<void, std::string> Writer::write(const Packet& p) {
  if (auto ok = write_all(enhanced_packet_block(0, snaplen_, p)); !ok) return ok;
  ++packets_;
  return {};
}

std::expected<void, std::string> Writer::write_all(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(fmt::format("{}: {}", path_, std::strerror(errno)));
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace sriovctl::pcapng
