#pragma once
// Each resource group adds its commands to the table from its own file.
#include "tools/cloudctl/command_table.h"

namespace stratus::cloudctl {

void add_identity_commands(CommandTable& table);  // identity_commands.cpp

}  // namespace stratus::cloudctl
