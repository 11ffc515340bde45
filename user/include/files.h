#pragma once
// Files from the file server (<ipc/proto/fs.h>).
#include <cstddef>
#include <cstdint>
#include <ipc/proto/fs.h>
#include <ipc/result.h>

namespace libc {

struct FileInfo {
    uint64_t id;
    uint64_t size;
    ipc::proto::fs::FileType type;
};

ipc::Result<FileInfo> open_file(const char* path);
// Reads up to `length` bytes at `offset`; returns how many (0 at the end).
ipc::Result<size_t> read_file(uint64_t id, uint64_t offset, void* buffer, size_t length);

struct DirectoryEntry {
    char name[64];
    ipc::proto::fs::FileType type;
    uint64_t size;
};
// The index-th entry of a directory; NotFound past the last one.
ipc::Result<DirectoryEntry> list_directory(const char* path, uint64_t index);

} // namespace libc
