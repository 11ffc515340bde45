#pragma once
// One page fault as the pager classifies it: the kernel's PageFault message
// (ipc/fault.h, decoded there) without its timestamp. Requests that ask
// "what would a fault here do" (Why) make one too.

#include <cstdint>
#include <ipc/addr.h>
#include <ipc/fault.h>

namespace pager {

using ipc::VirtAddr;

struct FaultInfo {
    VirtAddr address;      // CR2
    uint64_t access { 0 }; // ipc::FaultAccess bits
    VirtAddr ip;
    VirtAddr sp;

    static constexpr FaultInfo from_message(const ipc::PageFault& message)
    {
        return { message.address, message.access, message.ip, message.sp };
    }
    // An exception has no address: the trace and a kill report show its ip there.
    static constexpr FaultInfo from_message(const ipc::Exception& message)
    {
        return { message.ip, 0, message.ip, message.sp };
    }

    // The page was mapped, but without the right the access needed.
    constexpr bool is_present() const { return access & ipc::FaultAccess::present; }
    constexpr bool is_write() const { return access & ipc::FaultAccess::write; }
    constexpr bool is_execute() const { return access & ipc::FaultAccess::execute; }
    constexpr bool is_read() const { return !is_write() && !is_execute(); }
};

} // namespace pager
