// Fault loop detection: a counter of identical consecutive faults.

#include <pager/fault_loop.h>

namespace pager {

bool FaultLoopDetector::observe(const FaultInfo& fault)
{
    VirtAddr page = fault.address.page_base();
    if (m_seen_any && page == m_page && fault.ip == m_ip) {
        if (m_repeats <= max_repeats) // saturate: a loop stays a loop
            ++m_repeats;
    } else {
        m_seen_any = true;
        m_page = page;
        m_ip = fault.ip;
        m_repeats = 0;
    }
    return m_repeats > max_repeats;
}

} // namespace pager
