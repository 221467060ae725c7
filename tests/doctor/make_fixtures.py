#!/usr/bin/env python3
"""Writes sriov-doctor's fixture trees: the /sys, /proc and /dev of four small hand-described
hosts, one Intel 82599 PF below one root port on each.

    make_fixtures.py DIR          write DIR/ready, DIR/no-iommu, DIR/no-acs, DIR/sriov-off
    make_fixtures.py --check DIR  exit 1 when DIR differs from what this script writes

The trees are committed (tests/doctor/fixtures) so `sriov-doctor --root` works on them as they
are; this script is their description, and the --check mode (a ctest) keeps the two in step.
Binary `config` files are built here from named register fields; everything else is text as
sysfs and procfs print it. Symbolic links are relative, as the kernel makes them, so a tree
works wherever it is checked out.
"""

import os
import shutil
import struct
import sys
import tempfile

FIXTURES = ("ready", "no-iommu", "no-acs", "sriov-off")

HOST_BRIDGE = "0000:00:00.0"
ROOT_PORT = "0000:00:01.0"
PF = "0000:01:00.0"
# 82599: First VF Offset 0x80, VF Stride 2 -> bus 1, devfn 0x80 and 0x82.
VFS = ("0000:01:10.0", "0000:01:10.2")


# --- configuration space -------------------------------------------------------------------

class Config:
    """4 KiB of configuration space with classic and extended capability lists."""

    def __init__(self, vendor, device, class_code, header_type=0x00):
        self.b = bytearray(4096)
        self.w16(0x00, vendor)
        self.w16(0x02, device)
        self.w32(0x08, class_code << 8 | 0x01)  # revision 1
        self.w8(0x0E, header_type)
        self.last_classic = None
        self.last_ext = None

    def w8(self, at, v):
        self.b[at] = v

    def w16(self, at, v):
        struct.pack_into("<H", self.b, at, v)

    def w32(self, at, v):
        struct.pack_into("<I", self.b, at, v)

    def classic(self, at, cap_id):
        """Appends classic capability `cap_id` at `at` to the list."""
        if self.last_classic is None:
            self.w16(0x06, 0x0010)  # Status: Capabilities List
            self.w8(0x34, at)
        else:
            self.w8(self.last_classic + 1, at)
        self.w8(at, cap_id)
        self.w8(at + 1, 0)
        self.last_classic = at
        return at

    def ext(self, at, cap_id, version=1):
        """Appends extended capability `cap_id` at `at` (the first must be at 0x100)."""
        if self.last_ext is None:
            assert at == 0x100
        else:
            header = struct.unpack_from("<I", self.b, self.last_ext)[0]
            self.w32(self.last_ext, header & 0x000FFFFF | at << 20)
        self.w32(at, version << 16 | cap_id)
        self.last_ext = at
        return at

    def pcie(self, at, port_type, devcap2=0, devctl2=0):
        """PCI Express capability, version 2."""
        self.classic(at, 0x10)
        self.w16(at + 0x02, port_type << 4 | 2)
        self.w32(at + 0x24, devcap2)
        self.w16(at + 0x28, devctl2)


ARI_FWD = 1 << 5  # DevCap2 ARI Forwarding Supported / DevCtl2 ARI Forwarding Enable
ACS_SV, ACS_TB, ACS_RR, ACS_CR, ACS_UF = 1, 2, 4, 8, 16
ROOT_PORT_TYPE, ENDPOINT_TYPE, RC_ENDPOINT_TYPE = 4, 0, 9


def host_bridge_config():
    c = Config(0x8086, 0x2020, 0x060000)
    c.pcie(0x90, RC_ENDPOINT_TYPE)
    return bytes(c.b)


def root_port_config(acs):
    c = Config(0x8086, 0x2030, 0x060400, header_type=0x01)
    c.w8(0x18, 0x00)  # primary bus
    c.w8(0x19, 0x01)  # secondary bus
    c.w8(0x1A, 0x01)  # subordinate bus
    c.pcie(0x40, ROOT_PORT_TYPE, devcap2=ARI_FWD, devctl2=ARI_FWD)
    c.ext(0x100, 0x0001)  # AER
    if acs:
        at = c.ext(0x148, 0x000D)
        c.w16(at + 4, ACS_SV | ACS_TB | ACS_RR | ACS_CR | ACS_UF)  # implemented
        c.w16(at + 6, ACS_SV | ACS_RR | ACS_CR | ACS_UF)  # enabled, as Linux sets it
    return bytes(c.b)


def pf_config(total_vfs, num_vfs):
    c = Config(0x8086, 0x10FB, 0x020000)
    c.pcie(0x40, ENDPOINT_TYPE)
    c.ext(0x100, 0x0001)  # AER
    c.ext(0x140, 0x0003)  # device serial number
    c.ext(0x150, 0x000E)  # ARI
    at = c.ext(0x160, 0x0010)  # SR-IOV
    vfe, mse, ari = 1 << 0, 1 << 3, 1 << 4
    c.w16(at + 0x08, (vfe | mse if num_vfs else 0) | ari)
    c.w16(at + 0x0C, total_vfs)  # InitialVFs
    c.w16(at + 0x0E, total_vfs)  # TotalVFs
    c.w16(at + 0x10, num_vfs)
    c.w16(at + 0x14, 0x80 if total_vfs else 0)  # First VF Offset
    c.w16(at + 0x16, 2 if total_vfs else 0)  # VF Stride
    c.w16(at + 0x1A, 0x10ED)  # VF Device ID
    c.w32(at + 0x1C, 0x553)  # supported page sizes
    c.w32(at + 0x20, 0x1)  # system page size 4 KiB
    if total_vfs:
        c.w32(at + 0x24, 0x9000000C)  # VF BAR0, 64-bit prefetchable
        c.w32(at + 0x30, 0x9010000C)  # VF BAR3
    return bytes(c.b)


def vf_config():
    # A VF's Vendor and Device ID read as all ones; sysfs `vendor`/`device` come from the PF.
    c = Config(0xFFFF, 0xFFFF, 0x020000)
    c.pcie(0x40, ENDPOINT_TYPE)
    c.ext(0x100, 0x000E)  # ARI
    return bytes(c.b)


# --- text attributes --------------------------------------------------------------------------

def resource_lines(bars):
    """`resource`: BAR0-5, ROM, VF BAR0-5; `bars` maps line index to (start, end, flags)."""
    lines = []
    for i in range(13):
        start, end, flags = bars.get(i, (0, 0, 0))
        lines.append("0x%016x 0x%016x 0x%016x" % (start, end, flags))
    return "\n".join(lines) + "\n"


MEM64_PREF = 0x14220C
MEM64 = 0x140204
PF_BARS = {0: (0x91C00000, 0x91DFFFFF, MEM64), 2: (0x3020, 0x303F, 0x40101),
           4: (0x91E04000, 0x91E07FFF, MEM64)}
PF_VF_BARS = {7: (0x90000000, 0x900FFFFF, MEM64_PREF), 10: (0x90100000, 0x901FFFFF, MEM64_PREF)}

CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 85
model name\t: Intel(R) Xeon(R) Silver 4110 CPU @ 2.10GHz
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc vmx smx est tm2 ssse3 fma cx16 x2apic popcnt aes xsave avx f16c rdrand avx2 avx512f

"""

INTERRUPTS_HEAD = "           CPU0       CPU1       CPU2       CPU3       \n"


def interrupts(remapped):
    ir = "IR-" if remapped else ""
    rows = [
        ("0", "35 0 0 0", ir + "IO-APIC", "2-edge", "timer"),
        ("8", "0 0 0 1", ir + "IO-APIC", "8-edge", "rtc0"),
        ("9", "0 4 0 0", ir + "IO-APIC", "9-fasteoi", "acpi"),
    ]
    if remapped:
        rows.append(("24", "0 0 0 0", "DMAR-MSI", "0-edge", "dmar0"))
    rows += [
        ("40", "1 0 0 0", ir + "PCI-MSIX-" + PF, "0-edge", "enp1s0"),
        ("41", "102345 0 0 0", ir + "PCI-MSIX-" + PF, "1-edge", "enp1s0-TxRx-0"),
        ("50", "0 0 812 0", ir + "PCI-MSIX-" + VFS[1], "0-edge", "enp1s16f2-TxRx-0"),
    ]
    out = INTERRUPTS_HEAD
    for irq, counts, chip, hw, name in rows:
        cols = "".join("%11s" % c for c in counts.split())
        out += "%4s:%s  %-28s %-10s %s\n" % (irq, cols, chip, hw, name)
    out += " NMI:%s   Non-maskable interrupts\n" % ("%11s" % 0 * 4)
    out += " LOC:%s   Local timer interrupts\n" % ("%11s" % 12345 * 4)
    return out


CMDLINE_BASE = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=4f1c2a3e-0b5d-4c6e-9a7f-2d8e1b3c5a70 ro quiet"
KERNEL = "6.1.0-18-amd64"


# --- a host ------------------------------------------------------------------------------------

class Tree:
    """Files (text or bytes) and symbolic links, by absolute path inside the host."""

    def __init__(self):
        self.files = {}
        self.links = {}

    def file(self, path, content):
        self.files[path] = content

    def link(self, path, target):
        self.links[path] = target

    def write(self, root):
        for path, content in sorted(self.files.items()):
            dest = os.path.join(root, path.lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(dest, mode) as f:
                f.write(content)
        for path, target in sorted(self.links.items()):
            dest = os.path.join(root, path.lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            # Relative, as sysfs links are, so the tree can live anywhere.
            os.symlink(os.path.relpath(target, os.path.dirname(path)), dest)


def device_dir(bdf):
    if bdf in (HOST_BRIDGE, ROOT_PORT):
        return "/sys/devices/pci0000:00/" + bdf
    return "/sys/devices/pci0000:00/%s/%s" % (ROOT_PORT, bdf)


def add_function(t, bdf, vendor, device, class_code, config, driver, group, ari_enabled,
                 resource=None):
    d = device_dir(bdf)
    t.link("/sys/bus/pci/devices/" + bdf, d)
    t.file(d + "/vendor", "0x%04x\n" % vendor)
    t.file(d + "/device", "0x%04x\n" % device)
    t.file(d + "/class", "0x%06x\n" % class_code)
    t.file(d + "/config", config)
    t.file(d + "/numa_node", "0\n")
    t.file(d + "/local_cpulist", "0-7\n")
    t.file(d + "/ari_enabled", "%d\n" % ari_enabled)
    t.file(d + "/resource", resource or resource_lines({}))
    if driver:
        t.link(d + "/driver", "/sys/bus/pci/drivers/" + driver)
        t.file("/sys/bus/pci/drivers/%s/bind" % driver, "")
    if group is not None:
        t.link(d + "/iommu_group", "/sys/kernel/iommu_groups/%d" % group)
        t.link("/sys/kernel/iommu_groups/%d/devices/%s" % (group, bdf), d)


def build(name):
    iommu = name != "no-iommu"
    acs = name != "no-acs"
    sriov_on = name != "sriov-off"
    num_vfs = 2 if sriov_on else 0

    # IOMMU groups: each function alone, except below a root port without ACS, where the
    # kernel puts everything under the port into the port's group.
    if not iommu:
        groups = {HOST_BRIDGE: None, ROOT_PORT: None, PF: None, VFS[0]: None, VFS[1]: None}
    elif acs:
        groups = {HOST_BRIDGE: 0, ROOT_PORT: 7, PF: 15, VFS[0]: 40, VFS[1]: 41}
    else:
        groups = {HOST_BRIDGE: 0, ROOT_PORT: 7, PF: 7, VFS[0]: 7, VFS[1]: 7}

    t = Tree()
    t.file("/proc/cmdline", CMDLINE_BASE + (" intel_iommu=on iommu=pt" if iommu else "") + "\n")
    t.file("/proc/cpuinfo", CPUINFO)
    t.file("/proc/interrupts", interrupts(remapped=iommu))
    t.file("/proc/sys/kernel/osrelease", KERNEL + "\n")

    if iommu:
        unit = "/sys/devices/virtual/iommu/dmar0"
        t.link("/sys/class/iommu/dmar0", unit)
        t.file(unit + "/intel-iommu/version", "1:0\n")
        t.file(unit + "/intel-iommu/cap", "d2008c40660462\n")
        t.file(unit + "/intel-iommu/ecap", "f050da\n")  # bit 3: interrupt remapping

    add_function(t, HOST_BRIDGE, 0x8086, 0x2020, 0x060000, host_bridge_config(), None,
                 groups[HOST_BRIDGE], 0)
    add_function(t, ROOT_PORT, 0x8086, 0x2030, 0x060400, root_port_config(acs), "pcieport",
                 groups[ROOT_PORT], 0)
    pf_bars = dict(PF_BARS)
    if sriov_on:
        pf_bars.update(PF_VF_BARS)
    add_function(t, PF, 0x8086, 0x10FB, 0x020000,
                 pf_config(total_vfs=64 if sriov_on else 0, num_vfs=num_vfs), "ixgbe",
                 groups[PF], 1, resource_lines(pf_bars))
    pf_dir = device_dir(PF)
    if sriov_on:
        # ixgbe offers 63 of the 82599's 64 pools as VFs.
        t.file(pf_dir + "/sriov_totalvfs", "63\n")
        t.file(pf_dir + "/sriov_numvfs", "%d\n" % num_vfs)
        t.file(pf_dir + "/sriov_offset", "128\n")
        t.file(pf_dir + "/sriov_stride", "2\n")
        t.file(pf_dir + "/sriov_vf_device", "10ed\n")
        t.file(pf_dir + "/sriov_drivers_autoprobe", "1\n")
        # Without an IOMMU vfio-pci cannot take a VF, so both run ixgbevf there.
        vf_drivers = ("vfio-pci", "ixgbevf") if iommu else ("ixgbevf", "ixgbevf")
        for i, (vf, drv) in enumerate(zip(VFS, vf_drivers)):
            add_function(t, vf, 0x8086, 0x10ED, 0x020000, vf_config(), drv, groups[vf], 1)
            t.link(pf_dir + "/virtfn%d" % i, device_dir(vf))
            t.link(device_dir(vf) + "/physfn", pf_dir)

    t.file("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n")
    t.file("/sys/module/vfio_pci/parameters/enable_sriov", "N\n")
    t.file("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "N\n")
    t.file("/dev/vfio/vfio", "")  # a character device in life; its presence is what counts

    hp = "/sys/kernel/mm/hugepages"
    t.file(hp + "/hugepages-2048kB/nr_hugepages", "1024\n")
    t.file(hp + "/hugepages-2048kB/free_hugepages", "1024\n")
    t.file(hp + "/hugepages-1048576kB/nr_hugepages", "0\n")
    t.file(hp + "/hugepages-1048576kB/free_hugepages", "0\n")
    node = "/sys/devices/system/node"
    t.file(node + "/online", "0-1\n")
    t.file(node + "/node0/cpulist", "0-7\n")
    t.file(node + "/node0/hugepages/hugepages-2048kB/nr_hugepages", "1024\n")
    t.file(node + "/node1/cpulist", "8-15\n")
    t.file(node + "/node1/hugepages/hugepages-2048kB/nr_hugepages", "0\n")
    return t


# --- writing and checking -------------------------------------------------------------------

def write_all(out):
    for name in FIXTURES:
        dest = os.path.join(out, name)
        if os.path.lexists(dest):
            shutil.rmtree(dest)
        build(name).write(dest)


def snapshot(root):
    """{relative path: ("link", target) | ("file", bytes)} for everything below `root`."""
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            full = os.path.join(dirpath, n)
            rel = os.path.relpath(full, root)
            if os.path.islink(full):
                entries[rel] = ("link", os.readlink(full))
            elif os.path.isfile(full):
                with open(full, "rb") as f:
                    entries[rel] = ("file", f.read())
    return entries


def check(committed):
    with tempfile.TemporaryDirectory() as tmp:
        write_all(tmp)
        fresh = snapshot(tmp)
    have = {}
    for name in FIXTURES:
        for rel, v in snapshot(os.path.join(committed, name)).items():
            have[os.path.join(name, rel)] = v
    differ = sorted(p for p in set(fresh) | set(have) if fresh.get(p) != have.get(p))
    for p in differ:
        print("differs from make_fixtures.py: " + p)
    return 1 if differ else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--check":
        return check(argv[2])
    if len(argv) == 2 and not argv[1].startswith("-"):
        write_all(argv[1])
        return 0
    print("usage: make_fixtures.py DIR | --check DIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
