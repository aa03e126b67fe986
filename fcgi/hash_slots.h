/* A bound on Argon2id hashes running at once across all crm-api processes on a
 * host (each costs 64 MiB and ~95 ms): advisory locks on a few files, released by
 * the kernel if a process dies holding one. */
#ifndef CRM_API_HASH_SLOTS_H
#define CRM_API_HASH_SLOTS_H

/* A short wait: a process sleeping for a slot serves nobody, so under a burst
 * of sign-ins it is better to answer "busy" at once and keep the other crm-api
 * processes free for everything else (measured in bench/api_bench.sh). */
#define CRM_HASH_WAIT_MS 100

/* Takes one of `slots` (CRM_API_HASH_SLOTS) host-wide slots, waiting up to
 * CRM_HASH_WAIT_MS. Returns a handle >= 0 to pass to hash_slot_release, or -1
 * when none came free (or the lock files cannot be made). */
int hash_slot_acquire(int slots);

void hash_slot_release(int handle);

/* The host-wide register gate: one registration hashes at a time, whatever the
 * number of slots, so registrations can never hold more than one slot and
 * sign-ins always find the others. Does not wait. Returns a handle for
 * hash_slot_release, or -1 when another registration holds it. */
int hash_gate_register(void);

#endif
