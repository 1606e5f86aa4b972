#include "services/compute-agent/domain/domain_xml.h"

#include <cctype>
#include <cstdio>
#include <set>
#include <memory>
#include <sstream>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/error/error.h"
#include "common/validate/validate.h"

namespace stratus::compute_agent {
namespace {

bool is_lower_uuid(const std::string& value) {
  if (!validate::is_uuid(value)) return false;
  for (char c : value)
    if (std::isupper(static_cast<unsigned char>(c))) return false;
  return true;
}

bool is_mac(const std::string& mac) {
  if (mac.size() != 17) return false;
  for (size_t i = 0; i < mac.size(); ++i) {
    if (i % 3 == 2) {
      if (mac[i] != ':') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(mac[i]))) {
      return false;
    }
  }
  return true;
}

// Linux device names and OVS bridge names: 1..15 of [A-Za-z0-9_.-].
bool is_device_name(const std::string& name) {
  if (name.empty() || name.size() > 15) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

bool is_absolute_path(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  for (char c : path)
    if (std::iscntrl(static_cast<unsigned char>(c))) return false;
  return true;
}

void check_disk(const DomainDisk& disk, size_t index) {
  const std::string field = "disks[" + std::to_string(index) + "]";
  static const std::set<std::string> formats = {"qcow2", "raw"};
  static const std::set<std::string> buses = {"virtio", "ide", "sata", "scsi"};
  static const std::set<std::string> devices = {"disk", "cdrom"};
  if (!is_absolute_path(disk.path)) throw invalid_argument(field + ".path must be an absolute path");
  if (!formats.count(disk.format)) throw invalid_argument(field + ".format must be qcow2 or raw");
  if (!buses.count(disk.bus)) throw invalid_argument(field + ".bus must be virtio, ide, sata or scsi");
  if (!devices.count(disk.device)) throw invalid_argument(field + ".device must be disk or cdrom");
  const auto& dev = disk.target_dev;
  bool target_ok = dev.size() >= 3 && dev.size() <= 4 && (dev.rfind("vd", 0) == 0 || dev.rfind("hd", 0) == 0 ||
                                                         dev.rfind("sd", 0) == 0);
  for (size_t i = 2; target_ok && i < dev.size(); ++i) target_ok = dev[i] >= 'a' && dev[i] <= 'z';
  if (!target_ok) throw invalid_argument(field + ".target_dev must look like vda, hdc or sdb");
  for (char c : disk.serial)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-'))
      throw invalid_argument(field + ".serial has only letters, digits and '-'");
}

void render_disk(std::ostringstream& out, const DomainDisk& disk) {
  out << "    <disk type='file' device='" << disk.device << "'>\n"
      << "      <driver name='qemu' type='" << disk.format << "' cache='none'/>\n"
      << "      <source file='" << xml_escape(disk.path) << "'/>\n"
      << "      <target dev='" << disk.target_dev << "' bus='" << disk.bus << "'/>\n";
  if (disk.readonly || disk.device == "cdrom") out << "      <readonly/>\n";
  if (!disk.serial.empty()) out << "      <serial>" << disk.serial << "</serial>\n";
  out << "    </disk>\n";
}

void render_nic(std::ostringstream& out, const DomainNic& nic, bool disable_offloads) {
  out << "    <interface type='bridge'>\n"
      << "      <mac address='" << xml_escape(nic.mac) << "'/>\n"
      << "      <source bridge='" << xml_escape(nic.bridge) << "'/>\n"
      // libvirt then sets external_ids:iface-id, attached-mac and vm-id on the OVS
      // interface, which is how the network agent finds the port.
      << "      <virtualport type='openvswitch'>\n"
      << "        <parameters interfaceid='" << xml_escape(nic.port_id) << "'/>\n"
      << "      </virtualport>\n"
      << "      <model type='virtio'/>\n";
  if (nic.mtu) out << "      <mtu size='" << *nic.mtu << "'/>\n";
  if (disable_offloads) {
    out << "      <driver>\n"
        << "        <host csum='off' gso='off' tso4='off' tso6='off' ecn='off' ufo='off'/>\n"
        << "        <guest csum='off' tso4='off' tso6='off' ecn='off' ufo='off'/>\n"
        << "      </driver>\n";
  }
  out << "    </interface>\n";
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&apos;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string xml_unescape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    auto end = text.find(';', i);
    if (end == std::string::npos) {
      out += text.substr(i);
      break;
    }
    std::string entity = text.substr(i + 1, end - i - 1);
    if (entity == "amp") out += '&';
    else if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "apos") out += '\'';
    else if (entity == "quot") out += '"';
    else if (entity.size() > 1 && entity[0] == '#') {
      unsigned long code = entity[1] == 'x' ? std::stoul(entity.substr(2), nullptr, 16) : std::stoul(entity.substr(1));
      if (code < 0x80) out += static_cast<char>(code);  // paths we write are ASCII-escaped only
      else out += text.substr(i, end - i + 1);
    } else {
      out += text.substr(i, end - i + 1);
    }
    i = end;
  }
  return out;
}

std::string domain_name_for(const std::string& instance_uuid) { return "stratus-" + instance_uuid; }

const char* domain_power_name(DomainPower power) {
  switch (power) {
    case DomainPower::Missing: return "missing";
    case DomainPower::Running: return "running";
    case DomainPower::Paused: return "paused";
    case DomainPower::Shutoff: return "shutoff";
    case DomainPower::Crashed: return "crashed";
    case DomainPower::Other: return "other";
  }
  return "other";
}

std::string metadata_element(const DomainSpec& spec) {
  std::ostringstream out;
  out << "<" << kMetadataPrefix << ":instance xmlns:" << kMetadataPrefix << "='" << kMetadataNamespace << "'>"
      << "<" << kMetadataPrefix << ":uuid>" << xml_escape(spec.instance_uuid) << "</" << kMetadataPrefix << ":uuid>"
      << "<" << kMetadataPrefix << ":name>" << xml_escape(spec.display_name) << "</" << kMetadataPrefix << ":name>"
      << "</" << kMetadataPrefix << ":instance>";
  return out.str();
}

void validate_domain_spec(const DomainSpec& spec) {
  if (!is_lower_uuid(spec.instance_uuid))
    throw invalid_argument("instance uuid '" + spec.instance_uuid + "' is not a lower-case UUID");
  if (spec.name.empty() || spec.name.size() > 100 || spec.name.find('/') != std::string::npos)
    throw invalid_argument("domain name must be 1..100 characters without '/'");
  for (char c : spec.name + spec.display_name)
    if (std::iscntrl(static_cast<unsigned char>(c))) throw invalid_argument("names must not contain control characters");
  if (spec.vcpus < 1 || spec.vcpus > 256) throw invalid_argument("vcpus must be 1..256");
  if (spec.ram_mib < 16 || spec.ram_mib > (4u << 20)) throw invalid_argument("ram_mib must be 16..4194304");
  if (spec.domain_type != "qemu" && spec.domain_type != "kvm") throw invalid_argument("domain type must be qemu or kvm");
  if (spec.disks.empty() && !spec.kernel_boot) throw invalid_argument("a domain needs a root disk or a kernel to boot");
  std::set<std::string> targets;
  for (size_t i = 0; i < spec.disks.size(); ++i) {
    check_disk(spec.disks[i], i);
    if (!targets.insert(spec.disks[i].target_dev).second)
      throw invalid_argument("disk target " + spec.disks[i].target_dev + " is used twice");
  }
  if (spec.kernel_boot) {
    if (!is_absolute_path(spec.kernel_boot->kernel_path)) throw invalid_argument("kernel path must be absolute");
    if (!spec.kernel_boot->initrd_path.empty() && !is_absolute_path(spec.kernel_boot->initrd_path))
      throw invalid_argument("initrd path must be absolute");
    for (char c : spec.kernel_boot->cmdline)
      if (std::iscntrl(static_cast<unsigned char>(c))) throw invalid_argument("kernel cmdline has control characters");
  }
  for (size_t i = 0; i < spec.nics.size(); ++i) {
    const auto& nic = spec.nics[i];
    const std::string field = "nics[" + std::to_string(i) + "]";
    if (!validate::is_uuid(nic.port_id)) throw invalid_argument(field + ".port_id must be a UUID");
    if (!is_mac(nic.mac)) throw invalid_argument(field + ".mac '" + nic.mac + "' is not a MAC address");
    if (!is_device_name(nic.bridge)) throw invalid_argument(field + ".bridge '" + nic.bridge + "' is not a bridge name");
    if (nic.mtu && (*nic.mtu < 576 || *nic.mtu > 9216)) throw invalid_argument(field + ".mtu must be 576..9216");
  }
  if (!is_absolute_path(spec.console_log_path)) throw invalid_argument("console log path must be absolute");
}

std::string render_domain_xml(const DomainSpec& spec) {
  validate_domain_spec(spec);
  std::ostringstream out;
  out << "<domain type='" << spec.domain_type << "'>\n"
      << "  <name>" << xml_escape(spec.name) << "</name>\n"
      << "  <uuid>" << spec.instance_uuid << "</uuid>\n"
      << "  <metadata>\n    " << metadata_element(spec) << "\n  </metadata>\n"
      << "  <memory unit='MiB'>" << spec.ram_mib << "</memory>\n"
      << "  <vcpu>" << spec.vcpus << "</vcpu>\n"
      << "  <os>\n"
      << "    <type arch='x86_64' machine='pc'>hvm</type>\n";
  if (spec.kernel_boot) {
    out << "    <kernel>" << xml_escape(spec.kernel_boot->kernel_path) << "</kernel>\n";
    if (!spec.kernel_boot->initrd_path.empty())
      out << "    <initrd>" << xml_escape(spec.kernel_boot->initrd_path) << "</initrd>\n";
    out << "    <cmdline>" << xml_escape(spec.kernel_boot->cmdline) << "</cmdline>\n";
  } else {
    out << "    <boot dev='hd'/>\n";
  }
  out << "  </os>\n"
      // Without ACPI a guest's poweroff only halts it, and the domain stays "running".
      << "  <features>\n    <acpi/>\n  </features>\n"
      << (spec.domain_type == "kvm" ? "  <cpu mode='host-passthrough'/>\n" : "")  // TCG: QEMU's default model
      << "  <clock offset='utc'/>\n"
      << "  <on_poweroff>destroy</on_poweroff>\n"
      << "  <on_reboot>restart</on_reboot>\n"
      << "  <on_crash>destroy</on_crash>\n"
      << "  <devices>\n";
  for (const auto& disk : spec.disks) render_disk(out, disk);
  for (const auto& nic : spec.nics) render_nic(out, nic, spec.disable_offloads);
  out << "    <serial type='pty'>\n"
      << "      <log file='" << xml_escape(spec.console_log_path) << "' append='on'/>\n"
      << "      <target port='0'/>\n"
      << "    </serial>\n"
      << "    <console type='pty'>\n"
      << "      <target type='serial' port='0'/>\n"
      << "    </console>\n"
      // Guests seed their RNG from it; under TCG, SSH host-key generation waits seconds without.
      << "    <rng model='virtio'>\n"
      << "      <backend model='random'>/dev/urandom</backend>\n"
      << "    </rng>\n"
      << "    <memballoon model='none'/>\n"
      << "  </devices>\n"
      << "</domain>\n";
  return out.str();
}

std::string render_disk_xml(const DomainDisk& disk) {
  check_disk(disk, 0);
  std::ostringstream out;
  render_disk(out, disk);
  return out.str();
}

namespace {

std::string attribute(xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) return {};
  std::string text(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return text;
}

bool named(xmlNode* node, const char* name) {
  return node->type == XML_ELEMENT_NODE && xmlStrcmp(node->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

std::string text_of(xmlNode* node) {
  xmlChar* content = xmlNodeGetContent(node);
  if (content == nullptr) return {};
  std::string text(reinterpret_cast<const char*>(content));
  xmlFree(content);
  return text;
}

}  // namespace

std::vector<VolumeOnDomain> volume_disks_in(const std::string& domain_xml) {
  std::unique_ptr<xmlDoc, void (*)(xmlDoc*)> doc(
      xmlReadMemory(domain_xml.data(), static_cast<int>(domain_xml.size()), "domain.xml", nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
      xmlFreeDoc);
  if (!doc) throw Error(ErrorCode::Internal, "libvirt answered a domain XML that does not parse");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  std::vector<VolumeOnDomain> out;
  if (root == nullptr || !named(root, "domain")) return out;
  for (xmlNode* devices = root->children; devices; devices = devices->next) {
    if (!named(devices, "devices")) continue;
    for (xmlNode* disk = devices->children; disk; disk = disk->next) {
      if (!named(disk, "disk")) continue;
      VolumeOnDomain v;
      for (xmlNode* child = disk->children; child; child = child->next) {
        if (named(child, "serial")) v.volume_id = text_of(child);
        if (named(child, "target")) v.target_dev = attribute(child, "dev");
        if (named(child, "source")) v.path = attribute(child, "file");
      }
      if (!v.volume_id.empty()) out.push_back(v);
    }
  }
  return out;
}

}  // namespace stratus::compute_agent
