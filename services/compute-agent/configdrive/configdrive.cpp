// The JSON documents of the config drive, shaped like Nova's (nova/api/metadata/base.py,
// nova/virt/netutils.py) so that cloud-init reads them as it would on OpenStack.
#include <algorithm>
#include <cstdint>

#include "configdrive.h"

namespace stratus::configdrive {
namespace {

using nlohmann::json;

std::string prefix_to_netmask(int prefix_length) {
    std::uint32_t mask = prefix_length == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_length);
    return std::to_string(mask >> 24) + "." + std::to_string((mask >> 16) & 0xff) + "." +
           std::to_string((mask >> 8) & 0xff) + "." + std::to_string(mask & 0xff);
}

json dns_services(const std::vector<std::string>& servers) {
    json services = json::array();
    for (const auto& server : servers) services.push_back({{"type", "dns"}, {"address", server}});
    return services;
}

json render_link(const Link& link) {
    return {{"id", link.id},
            {"type", "phy"},
            {"ethernet_mac_address", link.mac},
            {"mtu", link.mtu ? json(*link.mtu) : json(nullptr)}};
}

json render_routes(const Network& network) {
    json routes = json::array();
    if (network.gateway) {
        routes.push_back({{"network", "0.0.0.0"}, {"netmask", "0.0.0.0"}, {"gateway", *network.gateway}});
    }
    for (const auto& route : network.routes) {
        routes.push_back({{"network", route.network},
                          {"netmask", prefix_to_netmask(route.prefix_length)},
                          {"gateway", route.gateway}});
    }
    return routes;
}

json render_network(const Network& network, std::size_t index) {
    json rendered = {{"id", network.id.empty() ? "network" + std::to_string(index) : network.id},
                     {"link", network.link_id}};
    if (!network.network_id.empty()) rendered["network_id"] = network.network_id;
    if (network.dhcp) {
        rendered["type"] = "ipv4_dhcp";
    } else {
        rendered["type"] = "ipv4";
        rendered["ip_address"] = network.address;
        rendered["netmask"] = prefix_to_netmask(network.prefix_length);
        rendered["routes"] = render_routes(network);
    }
    rendered["services"] = dns_services(network.dns_servers);
    return rendered;
}

std::vector<std::string> all_dns_servers(const NetworkConfig& network) {
    std::vector<std::string> servers;
    for (const auto& net : network.networks) {
        for (const auto& server : net.dns_servers) {
            if (std::find(servers.begin(), servers.end(), server) == servers.end()) servers.push_back(server);
        }
    }
    return servers;
}

}  // namespace

json render_network_data(const NetworkConfig& network) {
    validate_network_config(network);
    json links = json::array();
    for (const auto& link : network.links) links.push_back(render_link(link));
    json networks = json::array();
    for (std::size_t i = 0; i < network.networks.size(); ++i) {
        networks.push_back(render_network(network.networks[i], i));
    }
    return {{"links", links}, {"networks", networks}, {"services", dns_services(all_dns_servers(network))}};
}

json render_meta_data(const ConfigDriveContent& content) {
    validate_content(content);
    json public_keys = json::object();
    json keys = json::array();
    for (const auto& key : content.public_keys) {
        public_keys[key.name] = key.openssh_line;
        keys.push_back({{"name", key.name}, {"type", "ssh"}, {"data", key.openssh_line}});
    }
    json meta_data = {
        {"uuid", content.uuid},
        {"hostname", content.hostname},
        {"name", content.name.empty() ? content.hostname : content.name},
        {"launch_index", 0},
        {"availability_zone", content.availability_zone.empty() ? json(nullptr) : json(content.availability_zone)},
        {"public_keys", public_keys},
        {"keys", keys},
        {"meta", content.meta},
        {"devices", json::array()},
    };
    if (!content.project_id.empty()) meta_data["project_id"] = content.project_id;
    return meta_data;
}

std::map<std::string, std::string> render_config_drive_files(const ConfigDriveContent& content) {
    const std::string meta_data = render_meta_data(content).dump();
    const std::string network_data = render_network_data(content.network).dump();
    std::map<std::string, std::string> files = {
        {"openstack/latest/meta_data.json", meta_data},
        {"openstack/latest/network_data.json", network_data},
        {"openstack/latest/vendor_data.json", "{}"},
        // The oldest OpenStack version, for old readers; like Nova it has no network_data.
        {"openstack/2012-08-10/meta_data.json", meta_data},
    };
    if (content.user_data) {
        files["openstack/latest/user_data"] = *content.user_data;
        files["openstack/2012-08-10/user_data"] = *content.user_data;
    }
    return files;
}

}  // namespace stratus::configdrive
