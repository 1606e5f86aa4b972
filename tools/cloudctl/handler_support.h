#pragma once
// What every command handler uses: its positional arguments, required options, a call to one
// service (endpoint from the catalog, the session's token, errors as CliError), and the
// progress line of a --wait.
#include <unistd.h>

#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>

#include "tools/cloudctl/command_table.h"
#include "tools/cloudctl/output.h"
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

// One status line on stderr, rewritten in place; only on a terminal and without --json.
class StatusLine {
 public:
  explicit StatusLine(bool enabled) : enabled_(enabled) {}
  ~StatusLine() {
    if (drawn_) std::fputc('\n', stderr);
  }
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;
  void show(const std::string& text) {
    if (!enabled_ || text == last_) return;
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    std::fflush(stderr);
    last_ = text;
    drawn_ = true;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::string last_;
};

inline bool show_progress(CommandContext& ctx) { return !ctx.output.json() && ::isatty(STDERR_FILENO); }

}  // namespace stratus::cloudctl
