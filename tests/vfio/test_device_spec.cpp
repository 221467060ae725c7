#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "hal/vfio/device_spec.hpp"

using hal::vfio::DeviceKind;
using hal::vfio::parse_device_spec;

TEST_CASE("Device spec: --device sim is the simulated 82599, with no address", "[device_spec]") {
  auto d = parse_device_spec("sim");
  REQUIRE(d);
  CHECK(d->kind == DeviceKind::kSim);
  CHECK(d->sim());
  CHECK(d->bdfs.empty());
  CHECK(d->str() == "sim");
}

TEST_CASE("Device spec: --device vfio:ADDR names one function, canonical", "[device_spec]") {
  auto d = parse_device_spec("vfio:0000:03:00.0");
  REQUIRE(d);
  CHECK(d->kind == DeviceKind::kVfio);
  CHECK_FALSE(d->sim());
  CHECK(d->bdfs == std::vector<std::string>{"0000:03:00.0"});
  CHECK(d->str() == "vfio:0000:03:00.0");
}

TEST_CASE("Device spec: --device vfio: upper-case hex is written lower-case as sysfs spells it",
          "[device_spec]") {
  auto d = parse_device_spec("vfio:0000:0A:1F.7");
  REQUIRE(d);
  CHECK(d->bdfs == std::vector<std::string>{"0000:0a:1f.7"});
}

TEST_CASE("Device spec: --device vfio: a list of VFs keeps its order", "[device_spec]") {
  auto d = parse_device_spec("vfio:0000:03:10.2,0000:03:10.0,0000:03:10.4");
  REQUIRE(d);
  CHECK(d->bdfs == std::vector<std::string>{"0000:03:10.2", "0000:03:10.0", "0000:03:10.4"});
  CHECK(d->str() == "vfio:0000:03:10.2,0000:03:10.0,0000:03:10.4");
}

TEST_CASE("Device spec: --device vfio: the short BB:DD.F form means domain 0000", "[device_spec]") {
  auto d = parse_device_spec("vfio:03:10.1,0001:03:10.1");
  REQUIRE(d);
  CHECK(d->bdfs == std::vector<std::string>{"0000:03:10.1", "0001:03:10.1"});
}

TEST_CASE("Device spec: --device: a word that is neither sim nor vfio: is refused by name", "[device_spec]") {
  for (const char* bad : {"bogus", "", "SIM", "vfio", "pci:0000:03:00.0", "sim,vfio:0000:03:00.0"}) {
    INFO(bad);
    auto d = parse_device_spec(bad);
    REQUIRE_FALSE(d);
    CHECK(d.error().find(fmt::format("\"{}\"", bad)) != std::string::npos);
    CHECK(d.error().find("vfio:DDDD:BB:DD.F") != std::string::npos);
    CHECK(d.error().find('\n') == std::string::npos);
  }
}

TEST_CASE("Device spec: --device vfio: a bad address is refused naming that token", "[device_spec]") {
  struct Case {
    const char* spec;
    const char* token;
  };
  for (const Case c : {Case{"vfio:0000:03:00.x", "0000:03:00.x"},
                       Case{"vfio:0000:03:20.0", "0000:03:20.0"},  // device 0x20 > 31
                       Case{"vfio:0000:03:00.8", "0000:03:00.8"},  // function 8 > 7
                       Case{"vfio:3:00.0", "3:00.0"},
                       Case{"vfio:0:03:00.0", "0:03:00.0"},
                       Case{"vfio:0000:03:10.0,bogus", "bogus"},
                       Case{"vfio:0000:03:10.0,", ""},
                       Case{"vfio:0000:03:00.0 ", "0000:03:00.0 "}}) {
    INFO(c.spec);
    auto d = parse_device_spec(c.spec);
    REQUIRE_FALSE(d);
    CHECK(d.error().find(fmt::format("\"{}\" in \"{}\" is not a PCI address", c.token, c.spec)) !=
          std::string::npos);
    CHECK(d.error().find('\n') == std::string::npos);
  }
}

TEST_CASE("Device spec: --device vfio: with no address is refused", "[device_spec]") {
  auto d = parse_device_spec("vfio:");
  REQUIRE_FALSE(d);
  CHECK(d.error().find("names no PCI address") != std::string::npos);
}

TEST_CASE("Device spec: --device vfio: the same function twice is refused", "[device_spec]") {
  // Also when spelled differently: the check is on the canonical form.
  auto d = parse_device_spec("vfio:0000:03:10.0,03:10.0");
  REQUIRE_FALSE(d);
  CHECK(d.error() == "\"03:10.0\" is given twice in \"vfio:0000:03:10.0,03:10.0\"");
}
