#pragma once
// The slots init fills in the pager's CNode beyond the standard ones of
// <ipc/proto/slots.h>. Shared by init (servers/init/main.cpp), which puts
// the caps there, and the pager, which uses them.

#include <cstdint>
#include <ipc/proto/slots.h>

namespace pager::cspace {

// Untyped: all the frame memory the pager hands out (start argument 0 is its size in bits).
inline constexpr ipc::CPtr memory_slot = ipc::proto::process_slot_first_free;
// IoPort for COM2, and nothing else: the host trace channel (trace_channel.h).
inline constexpr ipc::CPtr trace_port_slot = memory_slot + 1;
inline constexpr uint16_t com2_first_port = 0x2f8;
inline constexpr uint16_t com2_last_port = 0x2ff;
// Where the pager's own slot allocator begins.
inline constexpr ipc::CPtr first_free_slot = trace_port_slot + 1;

} // namespace pager::cspace
