/* Trimming the streams the worker reads: below what every consumer group has
 * acknowledged (the smallest pending entry of each group, or its last delivered
 * entry when nothing is pending) and, for message streams, below the resume
 * window, never past an unacknowledged entry. A Lua script decides and trims
 * atomically (XTRIM MINID), so no group can move in between. */
#ifndef WORKER_TRIM_H
#define WORKER_TRIM_H

#include "consume.h"

/* Trims every stream of c; message streams keep window_ms of history. Returns the
 * number of entries removed, or -1 on a Redis error. */
long trim_streams(struct consume *c, long long window_ms);

#endif
