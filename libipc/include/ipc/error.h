#pragma once
// The one error vocabulary of the system. Syscalls return these codes to
// userspace; kernel-internal and server code use them through Result<T>.
// Values are ABI: never renumber, only append.

#include <cstdint>

namespace ipc {

enum class Error : uint32_t {
    None = 0,
    InvalidArgument = 1,   // a malformed argument (bad flags, bad label)
    InvalidCapability = 2, // the slot index is out of range or the slot is empty
    WrongType = 3,         // the capability names an object of another type
    InsufficientRights = 4,
    OutOfRange = 5, // an address, length or index outside what is allowed
    NoMemory = 6,   // not enough (untyped or physical) memory
    BadAddress = 7, // a user pointer that is not mapped or not in the user half
    AlreadyMapped = 8,
    NotMapped = 9,
    WouldBlock = 10,
    Malformed = 11, // a structure (boot info, ELF, archive) failed validation
    Truncated = 12, // a structure ends before its declared size
    NotFound = 13,
    Unsupported = 14,
    Overlap = 15,
    Busy = 16,
    Deleted = 17,      // the object went away while the caller waited on it
    NotPermitted = 18, // the caller's capability (its badge) does not grant this request
};

constexpr const char* error_name(Error e)
{
    switch (e) {
    case Error::None: return "none";
    case Error::InvalidArgument: return "invalid argument";
    case Error::InvalidCapability: return "invalid capability";
    case Error::WrongType: return "wrong object type";
    case Error::InsufficientRights: return "insufficient rights";
    case Error::OutOfRange: return "out of range";
    case Error::NoMemory: return "out of memory";
    case Error::BadAddress: return "bad address";
    case Error::AlreadyMapped: return "already mapped";
    case Error::NotMapped: return "not mapped";
    case Error::WouldBlock: return "would block";
    case Error::Malformed: return "malformed";
    case Error::Truncated: return "truncated";
    case Error::NotFound: return "not found";
    case Error::Unsupported: return "unsupported";
    case Error::Overlap: return "overlap";
    case Error::Busy: return "busy";
    case Error::Deleted: return "deleted";
    case Error::NotPermitted: return "not permitted";
    }
    return "unknown error";
}

} // namespace ipc
