// The pager's inspection requests (<pager_client.h>); exchange() is in
// memory.cpp, so a program that only allocates links none of these.
#include <pager_client.h>

namespace libc::pager {

using ipc::Error;
using ipc::Result;

Result<proto::RegionRow> query(uint32_t pid, uint64_t index)
{
    return call<proto::RegionRow>(proto::QueryRequest { pid, index });
}

Result<proto::WhyReply> why(uint32_t pid, uint64_t address)
{
    return call<proto::WhyReply>(proto::WhyRequest { pid, address });
}

Result<proto::StatsReply> stats() { return call<proto::StatsReply>(proto::StatsRequest {}); }

Result<proto::PolicyReply> policy(std::string_view set)
{
    proto::PolicyRequest request;
    if (!request.name.assign(set))
        return Error::OutOfRange; // no policy has so long a name
    return call<proto::PolicyReply>(request);
}

Result<proto::PolicyReply> policy_listing(uint64_t index)
{
    return call<proto::PolicyReply>(proto::PoliciesRequest { index });
}

Result<void> trace(uint32_t pid, bool on)
{
    TRY(call<proto::EmptyReply>(proto::TraceRequest { pid, on }));
    return {};
}

} // namespace libc::pager
