// Input checks for the config drive. Messages name the field so that an API layer can
// pass them on to the user as INVALID_ARGUMENT unchanged.
#include <arpa/inet.h>

#include <cctype>
#include <cstdint>
#include <set>
#include <stdexcept>

#include "configdrive.h"

namespace stratus::configdrive {
namespace {

[[noreturn]] void reject(const std::string& field, const std::string& problem) {
    throw std::invalid_argument(field + ": " + problem);
}

bool is_ipv4(const std::string& text) {
    in_addr address{};
    return inet_pton(AF_INET, text.c_str(), &address) == 1;
}

bool is_ip(const std::string& text) {
    in6_addr address{};
    return is_ipv4(text) || inet_pton(AF_INET6, text.c_str(), &address) == 1;
}

bool is_hex(const std::string& text) {
    for (unsigned char c : text) {
        if (!std::isxdigit(c)) return false;
    }
    return true;
}

void validate_uuid(const std::string& uuid) {
    // Canonical 8-4-4-4-12 hexadecimal form.
    bool ok = uuid.size() == 36;
    for (std::size_t i = 0; ok && i < uuid.size(); ++i) {
        bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
        ok = dash_position ? uuid[i] == '-' : std::isxdigit(static_cast<unsigned char>(uuid[i])) != 0;
    }
    if (!ok) reject("uuid", "'" + uuid + "' is not a UUID like 123e4567-e89b-12d3-a456-426614174000");
}

bool is_valid_hostname_label(const std::string& label) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (unsigned char c : label) {
        if (!std::isalnum(c) && c != '-') return false;
    }
    return true;
}

void validate_hostname(const std::string& hostname) {
    bool ok = !hostname.empty() && hostname.size() <= 253;
    std::size_t start = 0;
    while (ok) {
        std::size_t dot = hostname.find('.', start);
        ok = is_valid_hostname_label(hostname.substr(start, dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    if (!ok) {
        reject("hostname", "'" + hostname +
                               "' is not an RFC 1123 host name (dot-separated labels of 1-63 "
                               "letters, digits or '-', not starting or ending with '-')");
    }
}

// Strict base64 (with padding); nullopt when the text is not base64.
std::optional<std::string> decode_base64(const std::string& text) {
    static const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (text.empty() || text.size() % 4 != 0) return std::nullopt;
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '=') {
            if (i + 2 < text.size() || (i + 1 < text.size() && text[i + 1] != '=')) return std::nullopt;
            break;
        }
        std::size_t value = alphabet.find(text[i]);
        if (value == std::string::npos) return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    return out;
}

const std::set<std::string>& known_key_types() {
    static const std::set<std::string> types = {
        "ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"};
    return types;
}

// "TYPE BASE64 [COMMENT]" where the decoded blob starts with the same TYPE string.
void validate_openssh_line(const std::string& field, const std::string& line) {
    if (line.find_first_of("\r\n") != std::string::npos) reject(field, "must be a single line");
    std::size_t type_end = line.find(' ');
    std::string type = line.substr(0, type_end);
    if (known_key_types().count(type) == 0) {
        reject(field, "not an OpenSSH public key (expected a line starting with ssh-ed25519, "
                      "ssh-rsa or ecdsa-sha2-*)");
    }
    std::size_t blob_start = type_end == std::string::npos ? line.size() : type_end + 1;
    std::size_t blob_end = line.find(' ', blob_start);
    auto blob = decode_base64(line.substr(blob_start, blob_end - blob_start));
    if (!blob || blob->size() < 4) reject(field, "the key data of the " + type + " key is not base64");
    auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>((*blob)[i])); };
    std::uint32_t embedded_length = byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
    if (embedded_length != type.size() || blob->compare(4, type.size(), type) != 0) {
        reject(field, "the key data does not hold a " + type + " key");
    }
}

void validate_public_keys(const std::vector<PublicKey>& keys) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        std::string field = "public_keys[" + std::to_string(i) + "]";
        if (keys[i].name.empty()) reject(field + ".name", "must not be empty");
        if (!names.insert(keys[i].name).second) reject(field + ".name", "duplicate key name '" + keys[i].name + "'");
        validate_openssh_line(field + ".openssh_line", keys[i].openssh_line);
    }
}

void validate_mac(const std::string& field, const std::string& mac) {
    bool ok = mac.size() == 17;
    for (std::size_t i = 0; ok && i < mac.size(); i += 3) {
        ok = is_hex(mac.substr(i, 2)) && (i + 2 == mac.size() || mac[i + 2] == ':');
    }
    if (!ok) reject(field, "'" + mac + "' is not a MAC address like fa:16:3e:12:34:56");
}

void validate_links(const std::vector<Link>& links) {
    std::set<std::string> ids;
    for (std::size_t i = 0; i < links.size(); ++i) {
        std::string field = "network.links[" + std::to_string(i) + "]";
        if (links[i].id.empty()) reject(field + ".id", "must not be empty");
        if (!ids.insert(links[i].id).second) reject(field + ".id", "duplicate link id '" + links[i].id + "'");
        validate_mac(field + ".mac", links[i].mac);
        if (links[i].mtu && (*links[i].mtu < 68 || *links[i].mtu > 65535)) {
            reject(field + ".mtu", std::to_string(*links[i].mtu) + " is outside 68-65535");
        }
    }
}

void validate_ipv4(const std::string& field, const std::string& text) {
    if (!is_ipv4(text)) reject(field, "'" + text + "' is not an IPv4 address");
}

void validate_prefix(const std::string& field, int prefix_length) {
    if (prefix_length < 0 || prefix_length > 32) reject(field, std::to_string(prefix_length) + " is outside 0-32");
}

void validate_static_network(const std::string& field, const Network& network) {
    validate_ipv4(field + ".address", network.address);
    validate_prefix(field + ".prefix_length", network.prefix_length);
    if (network.gateway) validate_ipv4(field + ".gateway", *network.gateway);
    for (std::size_t r = 0; r < network.routes.size(); ++r) {
        std::string route_field = field + ".routes[" + std::to_string(r) + "]";
        validate_ipv4(route_field + ".network", network.routes[r].network);
        validate_prefix(route_field + ".prefix_length", network.routes[r].prefix_length);
        validate_ipv4(route_field + ".gateway", network.routes[r].gateway);
    }
}

}  // namespace

void validate_network_config(const NetworkConfig& network) {
    validate_links(network.links);
    std::set<std::string> link_ids;
    for (const auto& link : network.links) link_ids.insert(link.id);
    for (std::size_t i = 0; i < network.networks.size(); ++i) {
        const Network& net = network.networks[i];
        std::string field = "network.networks[" + std::to_string(i) + "]";
        if (link_ids.count(net.link_id) == 0) reject(field + ".link_id", "no link with id '" + net.link_id + "'");
        if (!net.dhcp) validate_static_network(field, net);
        for (std::size_t d = 0; d < net.dns_servers.size(); ++d) {
            std::string dns_field = field + ".dns_servers[" + std::to_string(d) + "]";
            if (!is_ip(net.dns_servers[d])) reject(dns_field, "'" + net.dns_servers[d] + "' is not an IP address");
        }
    }
}

void validate_content(const ConfigDriveContent& content) {
    validate_uuid(content.uuid);
    validate_hostname(content.hostname);
    validate_public_keys(content.public_keys);
    for (const auto& [key, value] : content.meta) {
        if (key.empty() || key.size() > 255) reject("meta", "keys must have 1-255 characters");
        if (value.size() > 255) reject("meta." + key, "values must have at most 255 characters");
    }
    validate_network_config(content.network);
}

}  // namespace stratus::configdrive
