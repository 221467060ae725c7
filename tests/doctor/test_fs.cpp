// The rooted filesystem view: links resolve inside the root, never outside it.

#include <catch2/catch.hpp>

#include "doctor/fs.hpp"
#include "fixture_tree.hpp"

using doctor_test::ScratchTree;

TEST_CASE("Fs follows relative links the way sysfs lays them out", "[doctor][fs]") {
  ScratchTree t;
  t.write("/sys/devices/pci0000:00/0000:00:01.0/vendor", "0x8086\n");
  t.link("/sys/bus/pci/devices/0000:00:01.0", "../../../devices/pci0000:00/0000:00:01.0");
  const doctor::Fs fs(t.root());
  CHECK(fs.resolve("/sys/bus/pci/devices/0000:00:01.0").value() ==
        "/sys/devices/pci0000:00/0000:00:01.0");
  CHECK(fs.read_line("/sys/bus/pci/devices/0000:00:01.0/vendor").value() == "0x8086");
  CHECK(fs.link_name("/sys/bus/pci/devices/0000:00:01.0").value() == "0000:00:01.0");
}

TEST_CASE("Fs starts an absolute link target again at its root", "[doctor][fs]") {
  ScratchTree t;
  t.write("/proc/cmdline", "inside\n");
  t.link("/sys/cmdline", "/proc/cmdline");
  const doctor::Fs fs(t.root());
  CHECK(fs.read_line("/sys/cmdline").value() == "inside");
}

TEST_CASE("Fs stops .. at its root", "[doctor][fs]") {
  ScratchTree t;
  t.write("/etc/hostname", "fixture\n");
  t.link("/sys/escape", "../../../../../../../etc/hostname");
  const doctor::Fs fs(t.root());
  CHECK(fs.resolve("/sys/escape").value() == "/etc/hostname");
  CHECK(fs.read_line("/sys/escape").value() == "fixture");
  CHECK(fs.read_line("/../../etc/hostname").value() == "fixture");
}

TEST_CASE("Fs gives up on a link loop instead of hanging", "[doctor][fs]") {
  ScratchTree t;
  t.link("/sys/a", "b");
  t.link("/sys/b", "a");
  t.link("/sys/self", "self/x");
  const doctor::Fs fs(t.root());
  CHECK_FALSE(fs.resolve("/sys/a").has_value());
  CHECK_FALSE(fs.read_text("/sys/self").has_value());
  CHECK(fs.link_name("/sys/a").value() == "b");
}

TEST_CASE("Fs reads integers as sysfs prints them", "[doctor][fs]") {
  ScratchTree t;
  t.write("/dec", "63\n");
  t.write("/hex", "0x020000\n");
  t.write("/neg", "-1\n");
  t.write("/junk", "12abc\n");
  t.write("/empty", "");
  const doctor::Fs fs(t.root());
  CHECK(fs.read_int("/dec").value() == 63);
  CHECK(fs.read_int("/hex").value() == 0x020000);
  CHECK(fs.read_int("/neg").value() == -1);
  CHECK_FALSE(fs.read_int("/junk").has_value());
  CHECK_FALSE(fs.read_int("/empty").has_value());
  CHECK_FALSE(fs.read_int("/missing").has_value());
}

TEST_CASE("Fs lists a directory sorted and a missing one as empty", "[doctor][fs]") {
  ScratchTree t;
  t.write("/d/b", "");
  t.write("/d/a", "");
  t.write("/d/c/x", "");
  const doctor::Fs fs(t.root());
  CHECK(fs.list("/d") == std::vector<std::string>{"a", "b", "c"});
  CHECK(fs.list("/nowhere").empty());
  CHECK(fs.is_dir("/d/c"));
  CHECK_FALSE(fs.is_dir("/d/a"));
}

TEST_CASE("Fs reads binary files up to a limit", "[doctor][fs]") {
  ScratchTree t;
  t.write("/config", std::string("\x86\x80\xfb\x10\0\0", 6));
  const doctor::Fs fs(t.root());
  CHECK(fs.read_bytes("/config", 4096).value() ==
        std::vector<uint8_t>{0x86, 0x80, 0xfb, 0x10, 0, 0});
  CHECK(fs.read_bytes("/config", 2).value().size() == 2);
}
