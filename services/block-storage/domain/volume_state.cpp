#include "services/block-storage/domain/volume_state.h"

#include "common/error/error.h"

namespace stratus::block_storage {

namespace {
using S = VolumeStatus;
using E = VolumeEvent;

struct Rule {
  S from;
  E event;
  S to;
};

// The whole machine. Anything not listed is refused.
constexpr Rule kRules[] = {
    {S::Creating, E::Created, S::Available},
    {S::Creating, E::CreateFailed, S::Error},
    {S::Available, E::Reserve, S::Reserved},
    {S::Reserved, E::Unreserve, S::Available},
    {S::Available, E::BeginAttach, S::Attaching},
    {S::Reserved, E::BeginAttach, S::Attaching},
    {S::Attaching, E::Attached, S::InUse},
    {S::Attaching, E::AttachFailed, S::Available},
    {S::InUse, E::BeginDetach, S::Detaching},
    {S::Detaching, E::Detached, S::Available},
    {S::Detaching, E::DetachFailed, S::InUse},
    {S::Available, E::BeginDelete, S::Deleting},
    {S::Error, E::BeginDelete, S::Deleting},
    {S::ErrorDeleting, E::BeginDelete, S::Deleting},  // a retry after a failed removal
    {S::Deleting, E::DeleteFailed, S::ErrorDeleting},
    {S::Available, E::BeginExtend, S::Extending},
    {S::Extending, E::Extended, S::Available},
    {S::Extending, E::ExtendFailed, S::Error},
};

// "cannot <verb> volume NAME".
const char* verb(E event) {
  switch (event) {
    case E::Created: return "finish creating";
    case E::CreateFailed: return "fail the creation of";
    case E::Reserve: return "reserve";
    case E::Unreserve: return "unreserve";
    case E::BeginAttach: return "attach";
    case E::Attached: return "finish attaching";
    case E::AttachFailed: return "fail the attachment of";
    case E::BeginDetach: return "detach";
    case E::Detached: return "finish detaching";
    case E::DetachFailed: return "fail the detachment of";
    case E::BeginDelete: return "delete";
    case E::DeleteFailed: return "fail the deletion of";
    case E::BeginExtend: return "extend";
    case E::Extended: return "finish extending";
    case E::ExtendFailed: return "fail the extension of";
  }
  return "change";
}

// "available, error or error_deleting": the statuses `event` applies in, for the refusal.
std::string allowed_from(E event) {
  std::vector<std::string> names;
  for (const Rule& r : kRules)
    if (r.event == event) names.push_back(to_string(r.from));
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += names[i];
  }
  return text;
}

}  // namespace

const std::vector<VolumeStatus>& all_statuses() {
  static const std::vector<VolumeStatus> all = {S::Creating, S::Available, S::Reserved,  S::Attaching,
                                                S::InUse,    S::Detaching, S::Deleting,  S::Extending,
                                                S::Error,    S::ErrorDeleting};
  return all;
}

const std::vector<VolumeEvent>& all_events() {
  static const std::vector<VolumeEvent> all = {
      E::Created,     E::CreateFailed, E::Reserve,     E::Unreserve,    E::BeginAttach,
      E::Attached,    E::AttachFailed, E::BeginDetach, E::Detached,     E::DetachFailed,
      E::BeginDelete, E::DeleteFailed, E::BeginExtend, E::Extended,     E::ExtendFailed};
  return all;
}

const char* to_string(VolumeStatus status) {
  switch (status) {
    case S::Creating: return "creating";
    case S::Available: return "available";
    case S::Reserved: return "reserved";
    case S::Attaching: return "attaching";
    case S::InUse: return "in-use";
    case S::Detaching: return "detaching";
    case S::Deleting: return "deleting";
    case S::Extending: return "extending";
    case S::Error: return "error";
    case S::ErrorDeleting: return "error_deleting";
  }
  return "unknown";
}

std::optional<VolumeStatus> status_from_string(const std::string& text) {
  for (S s : all_statuses())
    if (text == to_string(s)) return s;
  return std::nullopt;
}

const char* to_string(VolumeEvent event) {
  switch (event) {
    case E::Created: return "created";
    case E::CreateFailed: return "create_failed";
    case E::Reserve: return "reserve";
    case E::Unreserve: return "unreserve";
    case E::BeginAttach: return "begin_attach";
    case E::Attached: return "attached";
    case E::AttachFailed: return "attach_failed";
    case E::BeginDetach: return "begin_detach";
    case E::Detached: return "detached";
    case E::DetachFailed: return "detach_failed";
    case E::BeginDelete: return "begin_delete";
    case E::DeleteFailed: return "delete_failed";
    case E::BeginExtend: return "begin_extend";
    case E::Extended: return "extended";
    case E::ExtendFailed: return "extend_failed";
  }
  return "unknown";
}

std::optional<VolumeStatus> next(VolumeStatus from, VolumeEvent event) {
  for (const Rule& r : kRules)
    if (r.from == from && r.event == event) return r.to;
  return std::nullopt;
}

VolumeStatus transition(VolumeStatus from, VolumeEvent event, const std::string& volume_name) {
  if (auto to = next(from, event)) return *to;
  std::string what = event == E::BeginDelete || event == E::BeginExtend || event == E::BeginAttach ||
                             event == E::Reserve || event == E::BeginDetach
                         ? "; only " + allowed_from(event) + " volumes can be " +
                               (event == E::BeginDelete   ? "deleted"
                                : event == E::BeginExtend ? "extended"
                                : event == E::BeginDetach ? "detached"
                                : event == E::Reserve     ? "reserved"
                                                          : "attached")
                         : "";
  throw failed_precondition(std::string("cannot ") + verb(event) + " volume " + echo(volume_name) + ": it is " +
                            to_string(from) + what);
}

bool is_legal(VolumeStatus from, VolumeStatus to) {
  for (const Rule& r : kRules)
    if (r.from == from && r.to == to) return true;
  return false;
}

bool is_attached_or_attaching(VolumeStatus status) {
  return status == S::Reserved || status == S::Attaching || status == S::InUse || status == S::Detaching;
}

bool can_update(VolumeStatus status) { return status != S::Deleting; }

}  // namespace stratus::block_storage
