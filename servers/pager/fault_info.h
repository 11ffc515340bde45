#pragma once
// One page fault as the pager sees it: the words of the kernel's PageFault
// message (ipc/fault.h) in typed form.

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

    static constexpr FaultInfo from_message(const ipc::FaultMessage& message)
    {
        return { VirtAddr(message.address), message.access_or_error, VirtAddr(message.ip),
                 VirtAddr(message.sp) };
    }

    // The page was mapped, but without the right the access needed.
    constexpr bool is_present() const { return access & ipc::FaultAccess::present; }
    constexpr bool is_write() const { return access & ipc::FaultAccess::write; }
    constexpr bool is_execute() const { return access & ipc::FaultAccess::execute; }
    constexpr bool is_read() const { return !is_write() && !is_execute(); }
};

} // namespace pager
