/* A bound on Argon2id hashes running at once across all crm-api processes on a
 * host (each costs 64 MiB and ~95 ms): advisory locks on a few files, released by
 * the kernel if a process dies holding one. */
#ifndef CRM_API_HASH_SLOTS_H
#define CRM_API_HASH_SLOTS_H

#define CRM_HASH_SLOTS 2          /* hashes at once per host */
#define CRM_HASH_WAIT_MS 3000     /* longest wait for a slot before "busy" */

/* Takes a slot, waiting up to CRM_HASH_WAIT_MS. Returns a handle >= 0 to pass to
 * hash_slot_release, or -1 when none came free (or the lock files cannot be made). */
int hash_slot_acquire(void);

void hash_slot_release(int handle);

#endif
