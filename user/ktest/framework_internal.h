#pragma once
// Runner-side pieces of the framework (main.cpp, framework.cpp).
#include "ktest.h"

namespace ktest {

inline constexpr unsigned max_threads = 10; // [0] is the watchdog
inline constexpr unsigned first_case_thread = 1;
inline constexpr uint64_t thread_stack_size = 16384;

extern uint8_t g_stacks[max_threads][thread_stack_size];
extern Thread g_threads[max_threads];

Case* first_case();
const char* failure_message();
void reset_failure();

void init_slots(uint64_t first, uint64_t limit);
void begin_case_slots();
void cleanup_case_slots(bool* all_clean);
void reset_vaddrs();
void reset_threads();
ipc::IpcBuffer* locate_ipc_buffer();

Thread* setup_thread(const char* file, int line, unsigned index, ThreadFn fn, const ThreadOptions& o,
                     uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, CPtr from_untyped,
                     uint64_t ipc_vaddr);

} // namespace ktest
