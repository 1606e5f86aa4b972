#include <catch2/catch.hpp>

#include "common/error/error.h"
#include "services/compute-agent/domain/domain_xml.h"

using namespace stratus::compute_agent;

namespace {

const std::string kUuid = "8d3c7e2a-1f4b-4c6d-9e8f-0a1b2c3d4e5f";
const std::string kPort = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";

DomainSpec sample_spec() {
  DomainSpec spec;
  spec.instance_uuid = kUuid;
  spec.name = domain_name_for(kUuid);
  spec.display_name = "web & <db>";
  spec.vcpus = 2;
  spec.ram_mib = 512;
  spec.disks.push_back({"/var/lib/stratus/instances/" + kUuid + "/disk", "qcow2", "vda", "virtio", "disk", false, ""});
  spec.disks.push_back({"/var/lib/stratus/instances/" + kUuid + "/disk.config", "raw", "hdc", "ide", "cdrom", true, ""});
  spec.nics.push_back({kPort, "fa:16:3e:12:34:56", "br-int", 1450});
  spec.console_log_path = "/var/lib/stratus/instances/" + kUuid + "/console.log";
  spec.domain_type = "qemu";
  return spec;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("xml_escape escapes the five XML specials and xml_unescape reverses it") {
  CHECK(xml_escape("a&b<c>d'e\"f") == "a&amp;b&lt;c&gt;d&apos;e&quot;f");
  CHECK(xml_unescape(xml_escape("/x/it's <here> & \"there\"")) == "/x/it's <here> & \"there\"");
  CHECK(xml_unescape("a&#47;b&#x2F;c") == "a/b/c");
}

TEST_CASE("the domain XML has the instance's identity, size, and our metadata mark") {
  auto xml = render_domain_xml(sample_spec());
  CHECK(contains(xml, "<domain type='qemu'>"));
  CHECK(contains(xml, "<name>stratus-" + kUuid + "</name>"));
  CHECK(contains(xml, "<uuid>" + kUuid + "</uuid>"));
  CHECK(contains(xml, "<memory unit='MiB'>512</memory>"));
  CHECK(contains(xml, "<vcpu>2</vcpu>"));
  CHECK(contains(xml, "<stratus:instance xmlns:stratus='" + std::string(kMetadataNamespace) + "'>"));
  CHECK(contains(xml, "<stratus:uuid>" + kUuid + "</stratus:uuid>"));
  CHECK(contains(xml, "<stratus:name>web &amp; &lt;db&gt;</stratus:name>"));  // escaped
  CHECK_FALSE(contains(xml, "<db>"));
}

TEST_CASE("the domain powers off on poweroff and crash, restarts on reboot, and has ACPI") {
  auto xml = render_domain_xml(sample_spec());
  CHECK(contains(xml, "<on_poweroff>destroy</on_poweroff>"));
  CHECK(contains(xml, "<on_reboot>restart</on_reboot>"));
  CHECK(contains(xml, "<on_crash>destroy</on_crash>"));
  CHECK(contains(xml, "<features>\n    <acpi/>\n  </features>"));
}

TEST_CASE("disks appear in order with format, target, bus, and read-only for the config drive") {
  auto xml = render_domain_xml(sample_spec());
  auto root = xml.find("<source file='/var/lib/stratus/instances/" + kUuid + "/disk'/>");
  auto config = xml.find("<source file='/var/lib/stratus/instances/" + kUuid + "/disk.config'/>");
  REQUIRE(root != std::string::npos);
  REQUIRE(config != std::string::npos);
  CHECK(root < config);
  CHECK(contains(xml, "<driver name='qemu' type='qcow2' cache='none'/>"));
  CHECK(contains(xml, "<target dev='vda' bus='virtio'/>"));
  CHECK(contains(xml, "<disk type='file' device='cdrom'>"));
  CHECK(contains(xml, "<target dev='hdc' bus='ide'/>\n      <readonly/>"));
  CHECK(contains(xml, "<boot dev='hd'/>"));
}

TEST_CASE("the NIC is an Open vSwitch port on the integration bridge named by the port id") {
  auto xml = render_domain_xml(sample_spec());
  CHECK(contains(xml, "<interface type='bridge'>"));
  CHECK(contains(xml, "<mac address='fa:16:3e:12:34:56'/>"));
  CHECK(contains(xml, "<source bridge='br-int'/>"));
  CHECK(contains(xml, "<virtualport type='openvswitch'>\n        <parameters interfaceid='" + kPort + "'/>"));
  CHECK(contains(xml, "<model type='virtio'/>"));
  CHECK(contains(xml, "<mtu size='1450'/>"));
  CHECK_FALSE(contains(xml, "csum='off'"));
}

TEST_CASE("offloads are switched off on the tap for the userspace datapath") {
  auto spec = sample_spec();
  spec.disable_offloads = true;
  auto xml = render_domain_xml(spec);
  CHECK(contains(xml, "<host csum='off' gso='off' tso4='off' tso6='off' ecn='off' ufo='off'/>"));
  CHECK(contains(xml, "<guest csum='off' tso4='off' tso6='off' ecn='off' ufo='off'/>"));
}

TEST_CASE("the serial console is logged to the instance's file and is the console") {
  auto xml = render_domain_xml(sample_spec());
  CHECK(contains(xml, "<serial type='pty'>\n      <log file='/var/lib/stratus/instances/" + kUuid +
                          "/console.log' append='on'/>"));
  CHECK(contains(xml, "<console type='pty'>\n      <target type='serial' port='0'/>"));
}

TEST_CASE("direct kernel boot names kernel, initrd and command line instead of booting a disk") {
  auto spec = sample_spec();
  spec.kernel_boot = KernelBoot{"/cache/kernel", "/cache/ramdisk", "console=ttyS0 panic=-1 x='1'"};
  auto xml = render_domain_xml(spec);
  CHECK(contains(xml, "<kernel>/cache/kernel</kernel>"));
  CHECK(contains(xml, "<initrd>/cache/ramdisk</initrd>"));
  CHECK(contains(xml, "<cmdline>console=ttyS0 panic=-1 x=&apos;1&apos;</cmdline>"));
  CHECK_FALSE(contains(xml, "<boot dev="));
}

TEST_CASE("kvm domains pass the host CPU through; qemu (TCG) ones keep QEMU's model") {
  auto spec = sample_spec();
  CHECK_FALSE(contains(render_domain_xml(spec), "<cpu"));
  spec.domain_type = "kvm";
  auto xml = render_domain_xml(spec);
  CHECK(contains(xml, "<domain type='kvm'>"));
  CHECK(contains(xml, "<cpu mode='host-passthrough'/>"));
}

TEST_CASE("bad specs are refused with the field named") {
  auto refused = [](DomainSpec spec, const std::string& needle) {
    try {
      render_domain_xml(spec);
    } catch (const stratus::Error& e) {
      CHECK(e.code() == stratus::ErrorCode::InvalidArgument);
      CHECK_THAT(e.what(), Catch::Contains(needle));
      return;
    }
    FAIL("accepted a spec that should be refused for: " << needle);
  };
  auto spec = sample_spec();
  spec.instance_uuid = "8D3C7E2A-1F4B-4C6D-9E8F-0A1B2C3D4E5F";
  refused(spec, "lower-case UUID");
  spec = sample_spec();
  spec.instance_uuid = "not-a-uuid";
  refused(spec, "UUID");
  spec = sample_spec();
  spec.ram_mib = 0;
  refused(spec, "ram_mib");
  spec = sample_spec();
  spec.vcpus = 0;
  refused(spec, "vcpus");
  spec = sample_spec();
  spec.domain_type = "xen";
  refused(spec, "domain type");
  spec = sample_spec();
  spec.disks[0].format = "vmdk";
  refused(spec, "disks[0].format");
  spec = sample_spec();
  spec.disks[0].path = "relative/disk";
  refused(spec, "disks[0].path");
  spec = sample_spec();
  spec.disks[1].target_dev = "vda";
  refused(spec, "used twice");
  spec = sample_spec();
  spec.disks[1].target_dev = "vd'/><x";
  refused(spec, "target_dev");
  spec = sample_spec();
  spec.nics[0].mac = "fa:16:3e:12:34";
  refused(spec, "nics[0].mac");
  spec = sample_spec();
  spec.nics[0].port_id = "port-1";
  refused(spec, "nics[0].port_id");
  spec = sample_spec();
  spec.nics[0].bridge = "br-int'/><x";
  refused(spec, "nics[0].bridge");
  spec = sample_spec();
  spec.console_log_path = "";
  refused(spec, "console log");
  spec = sample_spec();
  spec.disks.clear();
  refused(spec, "root disk or a kernel");
}

TEST_CASE("a volume's disk carries its id as the serial, and is found again in a domain's XML") {
  DomainDisk volume;
  volume.path = "/var/lib/stratus/volumes/volume-6f1c4a52-5a4e-4d3c-9b8a-0e7f2d1c3b4a.qcow2";
  volume.target_dev = "vdb";
  volume.serial = "6f1c4a52-5a4e-4d3c-9b8a-0e7f2d1c3b4a";
  const std::string disk = render_disk_xml(volume);
  CHECK(disk.find("<serial>6f1c4a52-5a4e-4d3c-9b8a-0e7f2d1c3b4a</serial>") != std::string::npos);
  CHECK(disk.find("<target dev='vdb' bus='virtio'/>") != std::string::npos);

  DomainSpec spec = sample_spec();
  spec.disks.push_back(volume);
  const auto found = volume_disks_in(render_domain_xml(spec));
  REQUIRE(found.size() == 1);  // the root disk and config drive have no serial: not volumes
  CHECK(found[0].volume_id == volume.serial);
  CHECK(found[0].target_dev == "vdb");
  CHECK(found[0].path == volume.path);

  CHECK(volume_disks_in("<domain type='qemu'><devices/></domain>").empty());
  CHECK_THROWS(volume_disks_in("<domain"));
  volume.serial = "x'/><disk";
  CHECK_THROWS(render_disk_xml(volume));
}
