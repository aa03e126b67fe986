#include "config.h"

#include "hash_slots.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static int open_lock(const char *name)
{
    char path[256];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/crm-api-hash-%u.%s", dir && *dir ? dir : "/tmp", (unsigned)getuid(),
             name);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        log_error("hash slot %s: %s", path, strerror(errno));
    return fd;
}

static int open_slot(int i)
{
    char name[16];
    snprintf(name, sizeof name, "%d", i);
    return open_lock(name);
}

int hash_gate_register(void)
{
    int fd = open_lock("register");
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return fd;
    close(fd);
    return -1;
}

int hash_slot_acquire(int slots)
{
    struct timespec pause = {0, 5 * 1000 * 1000};
    for (int waited = 0; waited <= CRM_HASH_WAIT_MS; waited += 5) {
        for (int i = 0; i < slots; i++) {
            int fd = open_slot(i);
            if (fd < 0)
                return -1;
            if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                return fd;
            close(fd);
        }
        nanosleep(&pause, NULL);
    }
    return -1;
}

void hash_slot_release(int handle)
{
    if (handle >= 0)
        close(handle); /* closing drops the lock */
}
