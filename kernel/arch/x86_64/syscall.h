#pragma once
namespace arch::x86_64 {
// Programs STAR/LSTAR/SFMASK so `syscall` enters syscall_entry.S.
void syscall_init();
}
