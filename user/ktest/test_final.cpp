// Last: the kernel still does ordinary work after everything above
// (including the fuzzer). The runner then checks that the kernel's accounting
// is back where it was before the first case (suite_stats_unchanged).
#include "ktest.h"

using namespace ktest;

namespace {
void echo_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    kapi::reply(MessageInfo(0xec, 1), r.words[0] ^ 0xffff);
}
} // namespace

KTEST(final_kernel_still_works)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_SPAWN(t, echo_fn, ThreadOptions {}, ep);
    SyscallResult r = kapi::call(ep, MessageInfo(1, 1), 0x1234);
    KT_OK(r);
    KT_EQ(r.info.label(), 0xec);
    KT_EQ(r.words[0], 0x1234 ^ 0xffff);
    KT_NEW_MAPPED(page, RW);
    page.words()[0] = 1;
    KT_EQ(page.words()[0], 1);
}
