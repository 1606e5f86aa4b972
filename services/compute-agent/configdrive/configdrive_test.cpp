#include <catch2/catch.hpp>

#include "configdrive.h"

using namespace stratus::configdrive;
using nlohmann::json;

namespace {

const char* kEd25519Key =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdPmxA5Rhnd+jVg5ZrVO/CSQubpnLTnYL2R5CtAu3Oq alice@laptop";

ConfigDriveContent sample_content() {
    ConfigDriveContent content;
    content.uuid = "1b9a1c9e-35f1-4c2b-9a51-0c6f3f6c2a10";
    content.hostname = "web-1";
    content.project_id = "p-42";
    content.public_keys = {{"alice", kEd25519Key}};
    content.meta = {{"role", "web"}};
    content.network.links = {{"tap0", "fa:16:3e:00:00:01", 1450}};
    Network network;
    network.link_id = "tap0";
    network.network_id = "net-uuid";
    network.address = "10.0.2.15";
    network.prefix_length = 24;
    network.gateway = "10.0.2.2";
    network.dns_servers = {"10.0.2.3"};
    network.routes = {{"192.168.0.0", 16, "10.0.2.1"}};
    content.network.networks = {network};
    return content;
}

template <typename Mutation>
std::string invalid_argument_message(Mutation mutate) {
    ConfigDriveContent content = sample_content();
    mutate(content);
    try {
        validate_content(content);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("meta_data carries identity, keys and meta like Nova's") {
    json meta = render_meta_data(sample_content());
    CHECK(meta["uuid"] == "1b9a1c9e-35f1-4c2b-9a51-0c6f3f6c2a10");
    CHECK(meta["hostname"] == "web-1");
    CHECK(meta["name"] == "web-1");  // name defaults to the hostname
    CHECK(meta["project_id"] == "p-42");
    CHECK(meta["availability_zone"].is_null());
    CHECK(meta["launch_index"] == 0);
    CHECK(meta["public_keys"]["alice"] == kEd25519Key);
    CHECK(meta["keys"][0] == json{{"name", "alice"}, {"type", "ssh"}, {"data", kEd25519Key}});
    CHECK(meta["meta"]["role"] == "web");
}

TEST_CASE("a static network renders address, netmask, default route, routes and DNS") {
    json data = render_network_data(sample_content().network);
    CHECK(data["links"][0] == json{{"id", "tap0"}, {"type", "phy"},
                                   {"ethernet_mac_address", "fa:16:3e:00:00:01"}, {"mtu", 1450}});
    const json& network = data["networks"][0];
    CHECK(network["id"] == "network0");
    CHECK(network["type"] == "ipv4");
    CHECK(network["link"] == "tap0");
    CHECK(network["network_id"] == "net-uuid");
    CHECK(network["ip_address"] == "10.0.2.15");
    CHECK(network["netmask"] == "255.255.255.0");
    CHECK(network["routes"][0] == json{{"network", "0.0.0.0"}, {"netmask", "0.0.0.0"}, {"gateway", "10.0.2.2"}});
    CHECK(network["routes"][1] == json{{"network", "192.168.0.0"}, {"netmask", "255.255.0.0"}, {"gateway", "10.0.2.1"}});
    CHECK(network["services"][0] == json{{"type", "dns"}, {"address", "10.0.2.3"}});
    CHECK(data["services"] == json::array({{{"type", "dns"}, {"address", "10.0.2.3"}}}));
}

TEST_CASE("a DHCP network renders as ipv4_dhcp without static fields") {
    NetworkConfig config;
    config.links = {{"tap0", "fa:16:3e:00:00:01", std::nullopt}};
    Network network;
    network.link_id = "tap0";
    network.dhcp = true;
    config.networks = {network};
    json data = render_network_data(config);
    CHECK(data["links"][0]["mtu"].is_null());
    CHECK(data["networks"][0]["type"] == "ipv4_dhcp");
    CHECK_FALSE(data["networks"][0].contains("ip_address"));
}

TEST_CASE("netmasks cover the edge prefixes") {
    NetworkConfig config = sample_content().network;
    config.networks[0].prefix_length = 32;
    CHECK(render_network_data(config)["networks"][0]["netmask"] == "255.255.255.255");
    config.networks[0].prefix_length = 0;
    CHECK(render_network_data(config)["networks"][0]["netmask"] == "0.0.0.0");
}

TEST_CASE("the drive holds the latest and 2012-08-10 documents and user_data only when given") {
    ConfigDriveContent content = sample_content();
    auto without_user_data = render_config_drive_files(content);
    CHECK(without_user_data.count("openstack/latest/meta_data.json") == 1);
    CHECK(without_user_data.count("openstack/latest/network_data.json") == 1);
    CHECK(without_user_data.at("openstack/latest/vendor_data.json") == "{}");
    CHECK(without_user_data.at("openstack/2012-08-10/meta_data.json") ==
          without_user_data.at("openstack/latest/meta_data.json"));
    CHECK(without_user_data.count("openstack/latest/user_data") == 0);

    content.user_data = "#!/bin/sh\necho hi\n";
    auto with_user_data = render_config_drive_files(content);
    CHECK(with_user_data.at("openstack/latest/user_data") == "#!/bin/sh\necho hi\n");
    CHECK(with_user_data.at("openstack/2012-08-10/user_data") == "#!/bin/sh\necho hi\n");
}

TEST_CASE("the sample content is valid") {
    CHECK(invalid_argument_message([](ConfigDriveContent&) {}) == "(accepted)");
}

TEST_CASE("hostnames must follow RFC 1123") {
    CHECK(invalid_argument_message([](auto& c) { c.hostname = "web.example.com"; }) == "(accepted)");
    CHECK(invalid_argument_message([](auto& c) { c.hostname = "9lives"; }) == "(accepted)");
    const std::vector<std::string> bad_names = {"",     "under_score", "-web", "web-", "a..b",
                                                "web.", std::string(64, 'a'), "sp ace"};
    for (const std::string& bad : bad_names) {
        INFO(bad);
        CHECK_THAT(invalid_argument_message([&](auto& c) { c.hostname = bad; }),
                   Catch::StartsWith("hostname: "));
    }
}

TEST_CASE("the uuid must be a canonical UUID") {
    CHECK_THAT(invalid_argument_message([](auto& c) { c.uuid = "not-a-uuid"; }), Catch::StartsWith("uuid: "));
    CHECK_THAT(invalid_argument_message([](auto& c) { c.uuid = ""; }), Catch::StartsWith("uuid: "));
}

TEST_CASE("public keys must be OpenSSH public key lines") {
    auto with_key = [](std::string line) {
        return invalid_argument_message([&](auto& c) { c.public_keys[0].openssh_line = line; });
    };
    CHECK(with_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdPmxA5Rhnd+jVg5ZrVO/CSQubpnLTnYL2R5CtAu3Oq") ==
          "(accepted)");
    CHECK_THAT(with_key("-----BEGIN OPENSSH PRIVATE KEY-----"),
               Catch::StartsWith("public_keys[0].openssh_line: not an OpenSSH public key"));
    CHECK_THAT(with_key("ssh-ed25519 !!!notbase64"), Catch::Contains("not base64"));
    // Valid base64 of an ed25519 blob, labelled as RSA.
    CHECK_THAT(with_key("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAINdPmxA5Rhnd+jVg5ZrVO/CSQubpnLTnYL2R5CtAu3Oq"),
               Catch::Contains("does not hold a ssh-rsa key"));
    CHECK_THAT(with_key(std::string(kEd25519Key) + "\nssh-rsa AAAA"), Catch::Contains("single line"));
}

TEST_CASE("key names must be present and unique") {
    CHECK_THAT(invalid_argument_message([](auto& c) { c.public_keys[0].name = ""; }),
               Catch::StartsWith("public_keys[0].name: "));
    CHECK_THAT(invalid_argument_message([](auto& c) { c.public_keys.push_back(c.public_keys[0]); }),
               Catch::StartsWith("public_keys[1].name: duplicate"));
}

TEST_CASE("links need a well-formed MAC and a sane MTU") {
    CHECK_THAT(invalid_argument_message([](auto& c) { c.network.links[0].mac = "fa:16:3e:00:00"; }),
               Catch::StartsWith("network.links[0].mac: "));
    CHECK_THAT(invalid_argument_message([](auto& c) { c.network.links[0].mac = "fa-16-3e-00-00-01"; }),
               Catch::StartsWith("network.links[0].mac: "));
    CHECK_THAT(invalid_argument_message([](auto& c) { c.network.links[0].mtu = 20; }),
               Catch::StartsWith("network.links[0].mtu: "));
}

TEST_CASE("networks must reference a link and carry valid IPv4 settings") {
    CHECK_THAT(invalid_argument_message([](auto& c) { c.network.networks[0].link_id = "tap9"; }),
               Catch::StartsWith("network.networks[0].link_id: "));
    CHECK_THAT(invalid_argument_message([](auto& c) { c.network.networks[0].address = "10.0.2.300"; }),
               Catch::StartsWith("network.networks[0].address: "));
    CHECK_THAT(invalid_argument_message([](auto& c) { c.network.networks[0].prefix_length = 33; }),
               Catch::StartsWith("network.networks[0].prefix_length: "));
    CHECK_THAT(invalid_argument_message([](auto& c) { c.network.networks[0].gateway = "gw"; }),
               Catch::StartsWith("network.networks[0].gateway: "));
    CHECK_THAT(invalid_argument_message([](auto& c) { c.network.networks[0].dns_servers = {"dns"}; }),
               Catch::StartsWith("network.networks[0].dns_servers[0]: "));
    CHECK_THAT(invalid_argument_message([](auto& c) { c.network.networks[0].routes[0].gateway = ""; }),
               Catch::StartsWith("network.networks[0].routes[0].gateway: "));
}

TEST_CASE("DHCP networks need no static address") {
    CHECK(invalid_argument_message([](auto& c) {
              c.network.networks[0].dhcp = true;
              c.network.networks[0].address.clear();
          }) == "(accepted)");
}

TEST_CASE("rendering refuses invalid content") {
    ConfigDriveContent content = sample_content();
    content.hostname = "bad_host";
    CHECK_THROWS_AS(render_meta_data(content), std::invalid_argument);
    CHECK_THROWS_AS(render_config_drive_files(content), std::invalid_argument);
}

TEST_CASE("the ISO command asks for Joliet, Rock Ridge and the config-2 label") {
    auto command = iso_builder_command("/usr/bin/genisoimage", "/tmp/src", "/tmp/out.iso");
    CHECK(command.front() == "/usr/bin/genisoimage");
    CHECK(command.back() == "/tmp/src");
    auto has = [&](const std::string& arg) { return std::find(command.begin(), command.end(), arg) != command.end(); };
    CHECK(has("-J"));
    CHECK(has("-r"));
    CHECK(has("-ldots"));
    auto label = std::find(command.begin(), command.end(), "-V");
    REQUIRE(label != command.end());
    CHECK(*(label + 1) == "config-2");
    auto output = std::find(command.begin(), command.end(), "-o");
    REQUIRE(output != command.end());
    CHECK(*(output + 1) == "/tmp/out.iso");

    auto xorriso = iso_builder_command("/usr/bin/xorrisofs", "/tmp/src", "/tmp/out.iso");
    CHECK(std::find(xorriso.begin(), xorriso.end(), "-ldots") == xorriso.end());
}
