#pragma once
// What every command handler uses: its positional arguments, required options, and a call to
// one service (endpoint from the catalog, the session's token, errors as CliError).
#include <string>

#include <grpcpp/grpcpp.h>

#include "tools/cloudctl/command_table.h"
#include "tools/cloudctl/session.h"

namespace stratus::cloudctl {

// The table checked the count of positionals before the handler runs.
inline const std::string& argument(CommandContext& ctx, size_t index) { return ctx.args.positionals().at(index); }

inline std::string required_option(CommandContext& ctx, const std::string& name) {
  auto value = ctx.args.value(name);
  if (!value || value->empty()) throw UsageError("missing --" + name);
  return *value;
}

//   call_service(ctx, "network", &Network::Stub::ListPorts, request)
template <typename Stub, typename Request, typename Response>
Response call_service(CommandContext& ctx, const std::string& service,
                      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                      const Request& request) {
  Stub stub(ctx.session.channel_for(service));
  return ctx.session.call(service, stub, method, request);
}

}  // namespace stratus::cloudctl
