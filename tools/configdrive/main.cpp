// stratus-configdrive: writes an OpenStack config drive ISO (label config-2) from flags.
// Used by the guest boot test and handy for booting images by hand.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "configdrive.h"

namespace {

using namespace stratus::configdrive;

const char* kUsage = R"(usage: stratus-configdrive --hostname NAME -o ISO [options]
  --hostname NAME         guest host name (RFC 1123)
  --uuid UUID             instance UUID (default: random)
  --name NAME             display name (default: the host name)
  --public-key FILE       OpenSSH public key file, one key per line (repeatable)
  --user-data FILE        user data, run by the guest when it starts with #!
  --mac MAC               MAC of the guest NIC; without --ip the NIC uses DHCP
  --ip CIDR               static IPv4 address, e.g. 10.0.2.15/24 (needs --mac)
  --gateway IP            default gateway for --ip
  --dns IP                DNS server (repeatable)
  --mtu N                 MTU of the NIC
  --meta KEY=VALUE        instance metadata (repeatable)
  -o, --output ISO        where to write the ISO
  --print                 print meta_data.json and network_data.json instead of writing
)";

struct Options {
    ConfigDriveContent content;
    std::vector<std::string> key_files;
    std::optional<std::string> user_data_file, mac, cidr, gateway, output;
    std::vector<std::string> dns_servers;
    std::optional<int> mtu;
    bool print_only = false;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string random_uuid() {
    std::random_device random;
    std::uniform_int_distribution<int> byte(0, 255);
    const char* hex = "0123456789abcdef";
    std::string uuid;
    for (int i = 0; i < 16; ++i) {
        int value = byte(random);
        if (i == 6) value = (value & 0x0f) | 0x40;  // version 4
        if (i == 8) value = (value & 0x3f) | 0x80;  // RFC 4122 variant
        if (i == 4 || i == 6 || i == 8 || i == 10) uuid += '-';
        uuid += hex[value >> 4];
        uuid += hex[value & 0x0f];
    }
    return uuid;
}

// One PublicKey per non-empty line; names are the file's stem, then stem-2, stem-3...
void add_keys_from_file(const std::string& path, std::vector<PublicKey>& keys) {
    std::istringstream lines(read_file(path));
    std::string stem = std::filesystem::path(path).stem().string();
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
        line.erase(line.find_last_not_of(" \t\r") + 1);
        if (line.empty() || line[0] == '#') continue;
        ++count;
        keys.push_back({count == 1 ? stem : stem + "-" + std::to_string(count), line});
    }
    if (count == 0) throw std::runtime_error("no public key in " + path);
}

int parse_int(const std::string& flag, const std::string& text) {
    std::size_t used = 0;
    int value = 0;
    try {
        value = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size()) throw std::invalid_argument(flag + ": '" + text + "' is not a number");
    return value;
}

Network network_from_flags(const Options& options) {
    Network network;
    network.link_id = "tap0";
    network.dns_servers = options.dns_servers;
    if (!options.cidr) {
        network.dhcp = true;
        return network;
    }
    std::size_t slash = options.cidr->find('/');
    if (slash == std::string::npos) throw std::invalid_argument("--ip: expected ADDRESS/PREFIX, got " + *options.cidr);
    network.address = options.cidr->substr(0, slash);
    network.prefix_length = parse_int("--ip prefix length", options.cidr->substr(slash + 1));
    network.gateway = options.gateway;
    return network;
}

void apply_network_flags(Options& options) {
    if (!options.mac) {
        if (options.cidr || options.gateway || options.mtu) throw std::invalid_argument("--ip, --gateway and --mtu need --mac");
        return;
    }
    options.content.network.links = {{"tap0", *options.mac, options.mtu}};
    options.content.network.networks = {network_from_flags(options)};
}

Options parse_arguments(int argc, char** argv) {
    Options options;
    auto& content = options.content;
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        if (flag == "-h" || flag == "--help") {
            std::cout << kUsage;
            std::exit(0);
        }
        if (flag == "--print") {
            options.print_only = true;
            continue;
        }
        if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value (see --help)");
        std::string value = argv[++i];
        if (flag == "--hostname") content.hostname = value;
        else if (flag == "--uuid") content.uuid = value;
        else if (flag == "--name") content.name = value;
        else if (flag == "--public-key") options.key_files.push_back(value);
        else if (flag == "--user-data") options.user_data_file = value;
        else if (flag == "--mac") options.mac = value;
        else if (flag == "--ip") options.cidr = value;
        else if (flag == "--gateway") options.gateway = value;
        else if (flag == "--dns") options.dns_servers.push_back(value);
        else if (flag == "--mtu") options.mtu = parse_int(flag, value);
        else if (flag == "-o" || flag == "--output") options.output = value;
        else if (flag == "--meta") {
            std::size_t equals = value.find('=');
            if (equals == std::string::npos) throw std::invalid_argument("--meta: expected KEY=VALUE, got " + value);
            content.meta[value.substr(0, equals)] = value.substr(equals + 1);
        } else {
            throw std::invalid_argument("unknown option " + flag + " (see --help)");
        }
    }
    return options;
}

int run(int argc, char** argv) {
    Options options = parse_arguments(argc, argv);
    auto& content = options.content;
    if (content.hostname.empty()) throw std::invalid_argument("--hostname is required");
    if (!options.output && !options.print_only) throw std::invalid_argument("-o ISO is required");
    if (content.uuid.empty()) content.uuid = random_uuid();
    for (const auto& file : options.key_files) add_keys_from_file(file, content.public_keys);
    if (options.user_data_file) content.user_data = read_file(*options.user_data_file);
    apply_network_flags(options);

    if (options.print_only) {
        std::cout << render_meta_data(content).dump(2) << "\n" << render_network_data(content.network).dump(2) << "\n";
        return 0;
    }
    write_config_drive(content, *options.output);
    std::cout << "wrote " << *options.output << " (uuid " << content.uuid << ")\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::invalid_argument& error) {
        std::cerr << "stratus-configdrive: " << error.what() << "\n";
        return 2;
    } catch (const std::exception& error) {
        std::cerr << "stratus-configdrive: " << error.what() << "\n";
        return 1;
    }
}
