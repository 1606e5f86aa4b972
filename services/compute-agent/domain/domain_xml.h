#pragma once
// The libvirt domain XML of an instance, built from a DomainSpec. Pure (no libvirt), so
// what the agent asks libvirt for is unit-tested byte by byte.
#include <string>
#include <vector>

#include "services/compute-agent/drivers/hypervisor.h"

namespace stratus::compute_agent {

// The XML namespace of our <metadata> element: a domain carrying it was made by the compute
// agent, and only such domains are ever listed, stopped or removed by it.
inline constexpr const char* kMetadataNamespace = "https://stratus.cloud/xmlns/compute-agent/1";
inline constexpr const char* kMetadataPrefix = "stratus";

// Escapes &, <, >, ' and " for use in XML text and attribute values.
std::string xml_escape(const std::string& text);
// The reverse of xml_escape, for the five entities it writes (and numeric ones).
std::string xml_unescape(const std::string& text);

// The <metadata> child element marking an instance's domain.
std::string metadata_element(const DomainSpec& spec);

// Throws stratus::Error(InvalidArgument) naming the bad field: UUID, name, sizes, disks
// (format, bus, target), NIC MAC / port id / bridge.
void validate_domain_spec(const DomainSpec& spec);

// Validates, then renders the complete <domain> document.
std::string render_domain_xml(const DomainSpec& spec);

// One <disk> element (a volume to hot-plug), validated as the domain's disks are.
std::string render_disk_xml(const DomainDisk& disk);

// The disks of a domain document that carry a <serial> (our volumes): volume id, target dev
// and source file, in document order. `live`/`config` are left to the caller. Parsed with
// libxml2; a document it cannot parse is INTERNAL.
std::vector<VolumeOnDomain> volume_disks_in(const std::string& domain_xml);

}  // namespace stratus::compute_agent
