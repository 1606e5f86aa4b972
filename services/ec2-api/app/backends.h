#pragma once
// The services the EC2 front calls, one stub each on a channel opened once at start
// (gRPC channels multiplex every request; none is opened per request), and the one way to
// call them: with the caller's token, a deadline, and failures as stratus::Error.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/rpc/authenticator.h"
#include "common/rpc/status.h"
#include "block_storage/v1/block_storage.grpc.pb.h"
#include "compute/v1/compute.grpc.pb.h"
#include "image/v1/image.grpc.pb.h"
#include "network/v1/network.grpc.pb.h"

namespace stratus::ec2 {

struct Backends {
  std::unique_ptr<cloud::compute::v1::Compute::Stub> compute;
  std::unique_ptr<cloud::image::v1::Images::Stub> images;
  std::unique_ptr<cloud::network::v1::Network::Stub> network;
  std::unique_ptr<cloud::block_storage::v1::BlockStorage::Stub> block_storage;
  std::chrono::seconds deadline{30};
};

template <typename Stub, typename Request, typename Response>
Response call(const Backends& backends, Stub& stub,
              grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*), const Request& request,
              const std::string& token, std::string_view what) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + backends.deadline);
  rpc::attach_token(context, token);
  Response response;
  rpc::check((stub.*method)(&context, request, &response), what);
  return response;
}

// Every item of a paged List call (page_size / page_token / next_page_token), page by page:
//   call_all_pages(b, *b.compute, &Compute::Stub::ListServers, request, &ListServersResponse::servers, token, "...")
template <typename Stub, typename Request, typename Response, typename Item>
std::vector<Item> call_all_pages(const Backends& backends, Stub& stub,
                                 grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                                 Request request,
                                 const google::protobuf::RepeatedPtrField<Item>& (Response::*items)() const,
                                 const std::string& token, std::string_view what) {
  std::vector<Item> out;
  request.set_page_size(1000);
  do {
    auto page = call(backends, stub, method, request, token, what);
    out.insert(out.end(), (page.*items)().begin(), (page.*items)().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return out;
}

}  // namespace stratus::ec2
