// Config drive: the read-only ISO9660 disk (label "config-2") that gives a guest its
// identity, SSH keys, network settings and user data in the OpenStack layout, the way
// Nova writes it, so cloud-init and the project's own test guest read it unchanged.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stratus::configdrive {

struct PublicKey {
    std::string name;          // key pair name, the key of meta_data.json "public_keys"
    std::string openssh_line;  // "ssh-ed25519 AAAA... comment"
};

struct Link {
    std::string id;            // referenced by Network::link_id, e.g. "tap0"
    std::string mac;           // "fa:16:3e:12:34:56"; the guest finds its NIC by this
    std::optional<int> mtu;
};

struct Route {
    std::string network;       // IPv4 network address, e.g. "192.168.10.0"
    int prefix_length = 0;
    std::string gateway;
};

struct Network {
    std::string id;            // e.g. "network0"; empty: "network<index>"
    std::string link_id;       // Link::id of the NIC this network is on
    std::string network_id;    // the cloud's network UUID, informative only
    bool dhcp = false;         // true: "ipv4_dhcp", the static fields below are not used
    std::string address;       // static IPv4 address
    int prefix_length = 24;
    std::optional<std::string> gateway;  // rendered as the default route, as Nova does
    std::vector<std::string> dns_servers;
    std::vector<Route> routes;
};

struct NetworkConfig {
    std::vector<Link> links;
    std::vector<Network> networks;
};

struct ConfigDriveContent {
    std::string uuid;
    std::string hostname;      // RFC 1123
    std::string name;          // display name; empty: the hostname
    std::string availability_zone;
    std::string project_id;
    std::vector<PublicKey> public_keys;
    std::optional<std::string> user_data;  // raw bytes, e.g. a "#!/bin/sh" script
    NetworkConfig network;
    std::map<std::string, std::string> meta;
};

// Throw std::invalid_argument whose message names the offending field.
void validate_content(const ConfigDriveContent& content);
void validate_network_config(const NetworkConfig& network);

// Pure renderers of the two JSON documents; they validate their input first.
nlohmann::json render_meta_data(const ConfigDriveContent& content);
nlohmann::json render_network_data(const NetworkConfig& network);

// Relative path -> file content, for every file of the drive (openstack/latest/... and
// openstack/2012-08-10/...). Pure; write_config_drive puts exactly these on the ISO.
std::map<std::string, std::string> render_config_drive_files(const ConfigDriveContent& content);

// The command line that builds the ISO from `source_dir` with the given tool
// (genisoimage, mkisofs or xorrisofs): Joliet + Rock Ridge, volume label "config-2".
std::vector<std::string> iso_builder_command(const std::filesystem::path& tool,
                                             const std::filesystem::path& source_dir,
                                             const std::filesystem::path& iso_out);

// Writes the files into a private temporary directory (always removed) and builds the
// ISO at `iso_out` with genisoimage or xorrisofs found on PATH. The ISO appears
// atomically. Throws std::invalid_argument for bad content, std::runtime_error otherwise.
void write_config_drive(const ConfigDriveContent& content, const std::filesystem::path& iso_out);

}  // namespace stratus::configdrive
