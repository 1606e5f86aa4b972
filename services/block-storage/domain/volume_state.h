#pragma once
// The volume lifecycle as an explicit state machine, pure (no database, no protobuf), so every
// transition is unit-tested alone. The caller loads the status, asks here, and stores the
// result. Names are Cinder's, so operators and tools read them the same way.
//
//   creating --created--> available --begin_delete--> deleting --(row removed)
//      |                   |  ^  |  \--begin_extend--> extending --extended--> available
//      |                   |  |  |                              \--extend_failed--> error
//   create_failed          |  |  \--reserve--> reserved --unreserve--> available
//      v                   |  |                   \--begin_attach--> attaching
//    error --begin_delete--+  +--detached-- detaching <--begin_detach-- in-use <--attached--/
//                                                                   (attach_failed: available)
//   deleting --delete_failed--> error_deleting --begin_delete--> deleting (a retry)
//
// This slice uses Created, CreateFailed, BeginDelete and DeleteFailed; attach/detach (through
// compute and its agent) and extend come in the next slices and are defined and tested here.
#include <optional>
#include <string>
#include <vector>

namespace stratus::block_storage {

enum class VolumeStatus {
  Creating, Available, Reserved, Attaching, InUse, Detaching, Deleting, Extending, Error, ErrorDeleting
};

enum class VolumeEvent {
  Created,        // the backend made it
  CreateFailed,   // the backend could not
  Reserve,        // compute claims it for an instance before attaching
  Unreserve,      // ... and gives the claim up
  BeginAttach,
  Attached,       // the agent connected it to the instance
  AttachFailed,
  BeginDetach,
  Detached,
  DetachFailed,
  BeginDelete,
  DeleteFailed,   // the backend could not remove it
  BeginExtend,
  Extended,
  ExtendFailed,   // the size is then uncertain: error, for an operator to look at
};

const std::vector<VolumeStatus>& all_statuses();
const std::vector<VolumeEvent>& all_events();

// "creating", "available", "reserved", "attaching", "in-use", "detaching", "deleting",
// "extending", "error", "error_deleting" (Cinder's spellings, the store's too).
const char* to_string(VolumeStatus status);
std::optional<VolumeStatus> status_from_string(const std::string& text);
const char* to_string(VolumeEvent event);

// Where `event` takes a volume in `from`; std::nullopt when it does not apply there.
std::optional<VolumeStatus> next(VolumeStatus from, VolumeEvent event);

// As next(), but a refusal throws Error(FailedPrecondition) a person can act on:
//   "cannot delete volume data-1: it is in-use; only available, error or error_deleting
//    volumes can be deleted".
VolumeStatus transition(VolumeStatus from, VolumeEvent event, const std::string& volume_name);

// Whether some event moves `from` to `to` (staying put is not a transition).
bool is_legal(VolumeStatus from, VolumeStatus to);

// A volume whose backend storage may be in use by an instance: reserved .. detaching.
bool is_attached_or_attaching(VolumeStatus status);
// Name and description may change in every status but deleting.
bool can_update(VolumeStatus status);

}  // namespace stratus::block_storage
