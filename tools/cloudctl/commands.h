#pragma once
// Each resource group adds its commands to the table from its own file.
#include "tools/cloudctl/command_table.h"

namespace stratus::cloudctl {

void add_identity_commands(CommandTable& table);  // identity_commands.cpp
void add_image_commands(CommandTable& table);     // image_commands.cpp
void add_network_commands(CommandTable& table);   // network_commands.cpp
void add_compute_commands(CommandTable& table);   // compute_commands.cpp
void add_volume_commands(CommandTable& table);    // volume_commands.cpp

}  // namespace stratus::cloudctl
