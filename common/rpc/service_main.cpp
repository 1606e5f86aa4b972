#include "common/rpc/service_main.h"

#include <cstdlib>
#include <iostream>

#include "common/rpc/server.h"

namespace stratus::rpc {

int service_main(int argc, char** argv, const char* binary_name, const std::function<int(const Config&)>& run) {
  Server::block_termination_signals();
  const char* from_env = std::getenv("STRATUS_CONFIG");
  std::string config_path = from_env ? from_env : "";
  std::string usage = std::string("usage: ") + binary_name + " [--config FILE]   (settings may also come from STRATUS_* variables)";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      std::cout << usage << "\n";
      return 0;
    } else {
      std::cerr << binary_name << ": unknown argument '" << arg << "'\n" << usage << "\n";
      return 2;
    }
  }
  try {
    return run(Config::load(config_path));
  } catch (const std::exception& e) {
    std::cerr << binary_name << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace stratus::rpc
