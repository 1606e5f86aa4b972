#include "services/ec2-api/api/ec2_handler.h"

#include <chrono>

#include "common/auth/digest.h"
#include "common/auth/token.h"
#include "services/ec2-api/domain/authorization.h"
#include "services/ec2-api/domain/ec2_error.h"
#include "services/ec2-api/domain/xml.h"

namespace stratus::ec2 {
namespace {

namespace beast_http = boost::beast::http;
namespace idv1 = cloud::identity::v1;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

http::Response xml_response(const http::Request& request, int status, const std::string& body) {
  return http::make_response(request, static_cast<http::Status>(status), body, "text/xml;charset=UTF-8");
}

}  // namespace

Requester Ec2Handler::authenticate(const http::Request& request, const std::string& path, const std::string& query) {
  auto header = request.find(beast_http::field::authorization);
  if (header == request.end()) {
    if (query.find("X-Amz-Signature=") != std::string::npos)
      throw Ec2Error("AuthFailure", "presigned (query-string) requests are not supported; sign the Authorization header", 401);
    throw Ec2Error("MissingAuthenticationToken", "Request is missing Authentication Token", 401);
  }
  std::string problem;
  auto auth = parse_authorization(std::string(header->value()), &problem);
  if (!auth) throw Ec2Error("IncompleteSignature", problem);
  if (auth->service != "ec2")
    throw Ec2Error("AuthFailure", "Credential should be scoped to correct service: 'ec2', not '" + echo(auth->service) + "'", 401);
  if (auth->region != region_)
    throw Ec2Error("AuthFailure", "Credential should be scoped to a valid region: '" + region_ + "', not '" +
                                      echo(auth->region) + "'", 401);
  auto amz_date = request.find("x-amz-date");
  if (amz_date == request.end()) throw Ec2Error("IncompleteSignature", "the request must carry X-Amz-Date");

  idv1::VerifySignatureRequest v;
  v.set_access_key_id(auth->access_key_id);
  v.set_method(std::string(request.method_string()));
  v.set_path(path);
  v.set_query(query);
  for (const auto& name : auth->signed_headers)
    for (const auto& field : request)
      if (lower(std::string(field.name_string())) == name) {
        auto* h = v.add_headers();
        h->set_name(name);
        h->set_value(std::string(field.value()));
      }
  for (const auto& name : auth->signed_headers) v.add_signed_headers(name);
  v.set_payload_sha256(auth::sha256_hex(request.body()));
  v.set_amz_date(std::string(amz_date->value()));
  v.set_credential_scope(auth->credential_scope);
  v.set_signature(auth->signature);

  auto verdict = verifier_.verify(v);
  switch (verdict.refusal()) {
    case idv1::VerifySignatureResponse::REFUSAL_NONE: break;
    case idv1::VerifySignatureResponse::REFUSAL_EXPIRED: throw Ec2Error("RequestExpired", verdict.message());
    case idv1::VerifySignatureResponse::REFUSAL_SIGNATURE_MISMATCH:
      throw Ec2Error("SignatureDoesNotMatch", verdict.message(), 403);
    case idv1::VerifySignatureResponse::REFUSAL_MALFORMED: throw Ec2Error("IncompleteSignature", verdict.message());
    default: throw Ec2Error("AuthFailure", "AWS was not able to validate the provided access credentials", 401);
  }
  return Requester{verdict.token().token(), verdict.token().info().project_id(), verdict.token().info().user_id()};
}

http::Response Ec2Handler::handle(const http::Request& request) {
  auto started = std::chrono::steady_clock::now();
  std::string target(request.target());
  auto question = target.find('?');
  std::string path = target.substr(0, question);
  std::string query = question == std::string::npos ? "" : target.substr(question + 1);
  if (path == "/healthz" && request.method() == beast_http::verb::get)
    return http::make_response(request, http::Status::ok, "ok\n", "text/plain");

  std::string request_id = auth::random_uuid();
  std::string action;
  int status = 200;
  std::string body;
  std::string error_code;
  try {
    if (request.method() != beast_http::verb::get && request.method() != beast_http::verb::post)
      throw Ec2Error("InvalidAction", "the EC2 Query API takes GET and POST only");
    const std::string& form = request.method() == beast_http::verb::post ? request.body() : query;
    auto params = QueryParams::parse(form);
    auto requester = authenticate(request, path, query);
    action = params.require("Action");
    if (!actions_.has(action))
      throw Ec2Error("InvalidAction", "The action " + echo(action) + " is not valid for this web service.");
    XmlResponse response(action, request_id);
    actions_.run(action, ActionContext{params, requester, response.root()});
    body = response.render();
  } catch (const Ec2Error& e) {
    status = e.http_status();
    error_code = e.code();
    body = error_xml(e.code(), e.what(), request_id);
  } catch (const Error& e) {
    auto mapped = from_service_error(e, {"", "resource"});
    status = mapped.http_status();
    error_code = mapped.code();
    body = error_xml(mapped.code(), mapped.what(), request_id);
  } catch (const std::exception& e) {
    logger_.error("ec2 request failed", {{"request_id", request_id}, {"action", action}, {"error", e.what()}});
    status = 500;
    error_code = "InternalError";
    body = error_xml("InternalError", "An internal error has occurred", request_id);
  }
  auto ms = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count() / 1000.0;
  logger_.info("ec2 request", {{"request_id", request_id}, {"action", action}, {"status", status},
                               {"error", error_code}, {"ms", ms}});
  return xml_response(request, status, body);
}

}  // namespace stratus::ec2
