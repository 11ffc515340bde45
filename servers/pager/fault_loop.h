#pragma once
// Catches a client that faults on the same spot again and again although the
// pager answered each time: a mapping that does not resolve its fault (a
// pager bug, or rights the kernel keeps refusing) would otherwise spin
// forever. The classifier turns a detected loop into FaultDecision::FaultLoop.
//
// Keep one detector per faulting thread when the fault endpoint badge names
// threads; one per client also works, but then up to max_repeats threads may
// legitimately fault on the same page at the same ip at once.

#include <cstdint>
#include <pager/fault_info.h>

namespace pager {

class FaultLoopDetector {
public:
    // How often the same fault may come back in a row. Legitimate repeats are
    // few: a read that maps a shared page, then a write at the same ip that
    // copies it, is one repeat.
    static constexpr uint32_t max_repeats = 3;

    // Records a fault; true when it is the same page and ip as the previous
    // one for more than max_repeats times in a row.
    bool observe(const FaultInfo&);
    void reset() { *this = FaultLoopDetector {}; }

    uint32_t repeats() const { return m_repeats; }

private:
    bool m_seen_any { false };
    VirtAddr m_page;
    VirtAddr m_ip;
    uint32_t m_repeats { 0 };
};

} // namespace pager
