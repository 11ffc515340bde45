// The fault classifier. The order of the checks is the specification; see
// classifier.h before changing it.

#include <pager/classifier.h>

namespace pager {

namespace {

Classification decided(FaultDecision decision, const Region* region, const char* reason)
{
    Classification result;
    result.decision = decision;
    result.region = region;
    result.reason = reason;
    return result;
}

// Stacks grow down, so a guard protects the region right above it first;
// a guard with nothing above protects the region right below it.
Classification guard_hit(const RegionMap& map, const Region& guard, VirtAddr address)
{
    Classification result = decided(FaultDecision::GuardHit, &guard, "access to a guard region");
    if (const Region* above = map.region_starting_at(guard.end)) {
        result.guarded = above;
        result.guard_distance = above->start.get() - address.get();
        if (above->type == RegionType::Stack)
            result.reason = "stack overflow into its guard region";
    } else if (const Region* below = map.region_ending_at(guard.start)) {
        result.guarded = below;
        result.guard_distance = address.get() - below->end.get() + 1;
        result.reason = "overrun past the end of a region into a guard";
    }
    return result;
}

// sp may equal a stack's top: a thread starts there, before its first push.
bool stack_pointer_is_valid(const RegionMap& map, VirtAddr sp)
{
    const Region* region = map.find(sp);
    if (region && region->type == RegionType::Stack)
        return true;
    const Region* below = map.region_ending_at(sp);
    return below && below->type == RegionType::Stack;
}

const char* missing_right(const Region& region, const FaultInfo& fault)
{
    if (region.prot.is_none())
        return "access to a PROT_NONE region";
    if (fault.is_execute() && !region.prot.executable())
        return "execute in a non-executable region (NX)";
    if (fault.is_write() && !region.prot.writable())
        return "write to a read-only region";
    // Any right allows reading: x86 cannot map a page writable or executable
    // but unreadable, so refusing the read would depend on whether the first
    // access to the page happened to be a read.
    return nullptr;
}

} // namespace

Classification classify(const RegionMap& map, const FaultInfo& fault)
{
    const Region* region = map.find(fault.address);

    if (region && region->type == RegionType::Guard)
        return guard_hit(map, *region, fault.address);
    if (!stack_pointer_is_valid(map, fault.sp))
        return decided(FaultDecision::BadStackPointer, region, "stack pointer outside every stack region");
    if (!region)
        return decided(FaultDecision::InvalidAddress, nullptr, "no region at this address");
    if (const char* reason = missing_right(*region, fault))
        return decided(FaultDecision::ProtectionViolation, region, reason);

    if (fault.is_present()) {
        if (fault.is_write() && !region->is_shared())
            return decided(FaultDecision::CopyOnWrite, region, "write to a read-only mapped private page");
        return decided(FaultDecision::UpgradeRights, region, "page mapped with fewer rights than its region");
    }

    if (region->backing.is_file())
        return decided(FaultDecision::MapFromFile, region, "first touch of a file-backed page");
    if (region->type == RegionType::Stack && region->flags.has(RegionFlags::grows_down)
        && fault.address.page_base() < region->stack_bottom)
        return decided(FaultDecision::GrowStack, region, "stack grows below its populated bottom");
    return decided(FaultDecision::ZeroFill, region, "first touch of an anonymous page");
}

Classification classify(const RegionMap& map, const FaultInfo& fault, FaultLoopDetector& loops)
{
    if (loops.observe(fault))
        return decided(FaultDecision::FaultLoop, map.find(fault.address), "the same fault keeps coming back");
    return classify(map, fault);
}

void note_stack_growth(Region& stack, VirtAddr page)
{
    VirtAddr base = page.page_base();
    if (stack.contains(base) && base < stack.stack_bottom)
        stack.stack_bottom = base;
}

} // namespace pager
