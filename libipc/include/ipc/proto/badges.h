#pragma once
// The badges of the endpoint caps servers hand out: authority is the badge
// the kernel stamps on a cap when it is minted, which its holder cannot
// change (a badged cap cannot be re-badged, ktest cnode_mint_badge_and_rights).
// One layout for every server, so a badge reads the same everywhere:
//
//   bits 0-31   the client's identity (a pid); 0 = none
//   bit 60      exit notice: only on the supervisor caps init installs in a
//               thread's TCB, so only the kernel's ThreadExit messages carry it
//   bit 61      operator: machine-wide control, given by init to the programs
//               of its own run list (the shell), never to what they spawn:
//               pager policy, trace and query of other processes, poweroff,
//               reboot
//   bit 62      control: init itself, the process manager (pager NewClient,
//               EndClient, KillInfo)
//   bit 63      fault: only on the fault endpoint caps init installs in a
//               thread's TCB, so only the kernel's fault messages carry it;
//               a client's own Call never does
//
// Servers decode a badge with Badge::from_raw and check the right they need;
// nothing else looks at the raw bits.

#include <cstdint>

namespace ipc::proto {

class Badge {
public:
    static constexpr uint64_t identity_mask = 0xffff'ffffull;
    static constexpr uint64_t exit_notice_bit = uint64_t(1) << 60;
    static constexpr uint64_t operator_bit = uint64_t(1) << 61;
    static constexpr uint64_t control_bit = uint64_t(1) << 62;
    static constexpr uint64_t fault_bit = uint64_t(1) << 63;

    constexpr Badge() = default;
    static constexpr Badge from_raw(uint64_t raw) { return Badge(raw); }
    static constexpr Badge client(uint32_t pid) { return Badge(pid); }
    static constexpr Badge fault_of(uint32_t pid) { return Badge(fault_bit | pid); }
    static constexpr Badge exit_notice_of(uint32_t pid) { return Badge(exit_notice_bit | pid); }
    static constexpr Badge control() { return Badge(control_bit); }
    constexpr Badge with_operator() const { return Badge(m_raw | operator_bit); }

    constexpr uint64_t raw() const { return m_raw; }
    constexpr uint32_t pid() const { return uint32_t(m_raw & identity_mask); }
    constexpr bool is_fault() const { return m_raw & fault_bit; }
    constexpr bool is_exit_notice() const { return m_raw & exit_notice_bit; }
    constexpr bool is_control() const { return m_raw & control_bit; }
    constexpr bool is_operator() const { return m_raw & operator_bit; }
    // Bits no server gives out: a badge with any of them was not made by one.
    constexpr bool is_well_formed() const
    {
        return (m_raw & ~(identity_mask | exit_notice_bit | operator_bit | control_bit | fault_bit)) == 0;
    }

private:
    constexpr explicit Badge(uint64_t raw) : m_raw(raw) { }
    uint64_t m_raw { 0 };
};

} // namespace ipc::proto
