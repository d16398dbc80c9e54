#ifndef C_MALLOC_STATS_H
#define C_MALLOC_STATS_H

#include <stddef.h>

/// Bytes the process's allocator has handed out and not yet freed (glibc mallinfo2: arena
/// bytes in use plus mmapped blocks), or 0 where that is unknown.
size_t strata_heap_bytes_in_use(void);

#endif
