// Process-wide allocator policy for servers that pass megabyte messages.
#pragma once

namespace sts::util {

// Keeps freed buffers of up to 32 MiB in the heap for the next message instead of
// handing them back to the kernel. With glibc's defaults every 2 MB fragment got
// fresh pages (mmap, or the heap top trimmed and grown again), and touching them
// cost a page fault per 4 KiB: a sixth of the server's time on 1.5 MiB echoes.
// Call once at start-up, before any thread allocates.
void keep_freed_buffers();

}  // namespace sts::util
