#pragma once
// One side of a console session on its server-side gRPC stream (the user's OpenConsole or the
// agent's ConsoleTunnel; both look the same from here): a thread reads the stream into
// `inbound`, this thread writes `outbound` to the stream, until either side ends.
#include <chrono>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "services/compute/console/console_broker.h"

namespace stratus::compute {

template <typename Incoming, typename Outgoing, typename Stream>
void pump_console(grpc::ServerContext& context, Stream& stream, ConsoleSession& session, ConsolePipe& inbound,
                  ConsolePipe& outbound) {
  std::thread reader([&] {
    Incoming message;
    while (stream.Read(&message))
      if (!message.data().empty()) inbound.push(message.data());  // full: dropped, as a serial line would
    session.close();
  });
  for (;;) {
    std::string chunk;
    bool closed = false;
    if (outbound.pop(chunk, std::chrono::milliseconds(250), closed)) {
      Outgoing out;
      out.set_data(std::move(chunk));
      if (!stream.Write(out)) break;
    } else if (closed || context.IsCancelled()) {
      break;
    }
  }
  session.close();
  context.TryCancel();  // ends the reader's Read; the stream must not outlive the handler
  reader.join();
}

}  // namespace stratus::compute
