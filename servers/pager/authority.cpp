// The pager's authority table; authority.h has it in words.
#include <pager/authority.h>

namespace pager {

ipc::Error authorize(ipc::proto::Badge caller, Scope scope, uint64_t target)
{
    if (!caller.is_well_formed() || caller.is_fault() || caller.is_exit_notice())
        return ipc::Error::NotPermitted;
    bool allowed = false;
    switch (scope) {
    case Scope::Control: allowed = caller.is_control(); break;
    case Scope::OwnSpace: allowed = caller.pid() != 0; break;
    case Scope::Inspect: allowed = target == 0 || target == caller.pid() || caller.is_operator(); break;
    case Scope::MachineWide: allowed = caller.is_operator(); break;
    case Scope::Anyone: allowed = true; break;
    }
    return allowed ? ipc::Error::None : ipc::Error::NotPermitted;
}

} // namespace pager
