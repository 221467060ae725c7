// dev PF numvfs: a kernel PF through a fixture sysfs tree, a daemon through its "numvfs" op.

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "sample_pf.hpp"
#include "sriovctl/args.hpp"
#include "sriovctl/run.hpp"
#include "test_env.hpp"

using namespace sriovctl;
using sctest::FakePf;
using sctest::TestEnv;
namespace fs = std::filesystem;

namespace {


struct SysfsFixture {
  fs::path root;
  explicit SysfsFixture(const std::string& pf, bool sriov) {
    char tmpl[] = "/tmp/sriovctl-sysfs-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    root = tmpl;
    const fs::path dev = root / "class/net" / pf / "device";
    fs::create_directories(dev);
    if (sriov) {
      std::ofstream(dev / "sriov_numvfs") << "0\n";
      std::ofstream(dev / "sriov_totalvfs") << "63\n";
    }
  }
  ~SysfsFixture() { fs::remove_all(root); }
  std::string numvfs(const std::string& pf) const {
    std::ifstream in(root / "class/net" / pf / "device/sriov_numvfs");
    std::string s;
    std::getline(in, s);
    return s;
  }
};

}  // namespace

TEST_CASE("numvfs on a kernel PF writes sysfs sriov_numvfs", "[sriovctl][numvfs]") {
  FakePf k(sctest::sample_pf("eth3", 4, 0), true);
  SysfsFixture sys("eth3", true);
  TestEnv te;
  te.kernel = &k;
  te.sysfs_root = sys.root;
  CHECK(run_line(te, {"dev", "eth3", "numvfs", "8"}) == kExitOk);
  CHECK(sys.numvfs("eth3") == "8");
  CHECK(te.err.str().empty());
  CHECK(k.requests.empty());  // sysfs, not rtnetlink
}

TEST_CASE("numvfs on a netdev without SR-IOV says so", "[sriovctl][numvfs]") {
  FakePf k(sctest::sample_pf("eth3", 4, 0), true);
  SysfsFixture sys("eth3", false);
  TestEnv te;
  te.kernel = &k;
  te.sysfs_root = sys.root;
  CHECK(run_line(te, {"dev", "eth3", "numvfs", "8"}) == kExitFailed);
  CHECK(te.err.str() == "sriovctl: eth3: PF has no SR-IOV capability (no sriov_numvfs: " +
                            (sys.root / "class/net/eth3/device/sriov_numvfs").string() + ")\n");
}

TEST_CASE("numvfs on a sriov_numvfs that cannot be written passes the errno on",
          "[sriovctl][numvfs]") {
  FakePf k(sctest::sample_pf("eth3", 4, 0), true);
  SysfsFixture sys("eth3", true);
  // A directory where the file should be: open(O_WRONLY) fails with EISDIR.
  const fs::path f = sys.root / "class/net/eth3/device/sriov_numvfs";
  fs::remove(f);
  fs::create_directory(f);
  TestEnv te;
  te.kernel = &k;
  te.sysfs_root = sys.root;
  CHECK(run_line(te, {"dev", "eth3", "numvfs", "2"}) == kExitFailed);
  CHECK(te.err.str() == "sriovctl: eth3: numvfs 2: Is a directory (EISDIR)\n");
}

TEST_CASE("numvfs on a daemon sends op numvfs and passes EBUSY on with its hint",
          "[sriovctl][numvfs]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  // As the daemon words it, the request's own "numvfs N:" first.
  d.on_request = [](const nlohmann::json& j, const nlmsghdr& h) {
    if (j["numvfs"] == 0) return std::vector<sctest::Datagram>{sctest::ack(h)};
    return std::vector<sctest::Datagram>{
        sctest::ack(h, -EBUSY, "numvfs 2: 4 VFs are enabled; write 0 first")};
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"dev", "sim:pf0", "numvfs", "0"}) == kExitOk);
  CHECK(run_line(te, {"dev", "sim:pf0", "numvfs", "2"}) == kExitFailed);
  REQUIRE(d.json_requests.size() == 2);
  CHECK(d.json_requests[1] == nlohmann::json{{"op", "numvfs"}, {"numvfs", 2}});
  CHECK(te.err.str() ==
        "sriovctl: sim:pf0: numvfs 2: 4 VFs are enabled; write 0 first (EBUSY); VFs are "
        "enabled: set 0 first (sriovctl dev sim:pf0 numvfs 0)\n");
}
