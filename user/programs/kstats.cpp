// kstats: prints the kernel's accounting (the DebugStats syscall) in one
// line, so that an integration case can run it before and after other
// programs and check that free memory, live objects and threads came back.
//   kstats: frames_free N frames_mapped N untyped_free N objects N threads N
#include "common.h"

int main(int, char**)
{
    ipc::KernelStats stats {};
    if (ipc::Error e = kapi::debug_stats(&stats); e != ipc::Error::None) {
        programs::say("kstats: FAIL: DebugStats: {}\n", ipc::error_name(e));
        return 1;
    }
    programs::say("kstats: frames_free {} frames_mapped {} untyped_free {} objects {} threads {}\n",
                  stats.frames_free, stats.frames_mapped, stats.untyped_free_bytes, stats.objects_live,
                  stats.threads_live);
    return 0;
}
