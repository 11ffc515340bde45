#pragma once
// The file server protocol. Files live in the initrd (a cpio archive); a
// file is named by a small integer id that stays valid for the whole run.
//
//   Open      w0 = path length, w1.. = path          -> w0 = file id, w1 = size, w2 = FileType
//   Stat      w0 = file id                           -> w0 = size, w1 = FileType, w2 = mode
//   Read      w0 = file id, w1 = offset, w2 = length -> w0 = bytes read, w1.. = the bytes (at most read_max)
//   List      w0 = index, w1 = path length, w2.. = directory path
//                                                    -> w0 = FileType, w1 = size, w2 = name length, w3.. =
//                                                    name
//                                                       (NotFound past the last entry)
//   FillPage  w0 = file id, w1 = page index, cap = a Frame (write right)
//                                                    -> w0 = file bytes in that page (the rest is zeroed)
// Errors come back in the IPC error word: NotFound, InvalidArgument (a bad
// path), Malformed (the archive), OutOfRange.

#include <cstdint>
#include <ipc/message.h>

namespace ipc::proto::fs {

enum class Label : uint32_t {
    Open = 0x100,
    Stat = 0x101,
    Read = 0x102,
    List = 0x103,
    FillPage = 0x104,
};

enum class FileType : uint64_t { Regular = 1, Directory = 2, Other = 3 };

inline constexpr unsigned path_words = 32; // 256 bytes
inline constexpr unsigned read_max = 8 * (max_message_words - 1);

} // namespace ipc::proto::fs
