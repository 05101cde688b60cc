/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state: the controller's state directory (DESIGN.md).  OCT_STATE_DIR, else
 * /var/lib/oct as root, else $XDG_STATE_HOME/oct (~/.local/state/oct).
 *
 *	ca/ca.pem ca/ca.key		the CA
 *	controller/client.pem .key	the controller's client certificate
 *	certs/<id>.pem <id>.key		appliance and other issued certificates
 *	amphorae/<id>.json		the last record of each appliance
 *
 * Directories are 0700 and key files 0600.
 */
#ifndef OCT_STATE_H
#define OCT_STATE_H

#include <stddef.h>

#include <jansson.h>

/* The state directory's path (static storage), or NULL if none can be had. */
const char	*state_dir(void);

/*
 * Format a path below the state directory into buf.  Returns 0, or -1 when
 * it does not fit (logged).
 */
int		 state_path(char *buf, size_t bufsz, const char *fmt, ...)
		    __attribute__((__format__(printf, 3, 4)));

/*
 * Create the state directory and sub (NULL for none) if missing, mode 0700.
 * Returns 0, or -1 with a warning logged.
 */
int		 state_mkdir(const char *sub);

/*
 * Save rec as amphorae/<id>.json atomically (0600).  Returns 0, or -1
 * (logged; EINVAL when the record's id is not a safe name).  The first
 * save or update of a process also removes the temporaries that writers
 * killed mid-save left in amphorae/ more than 10 minutes ago.
 */
int		 state_record_save(const json_t *rec);

/*
 * Replace amphorae/<id>.json with rec, atomically, only when it exists: a
 * record removed meanwhile (its appliance deleted) stays removed.  Returns
 * 0; -1 with errno ENOENT when there is no such record (not logged); -1
 * otherwise (logged; EINVAL when the id is not a safe name).
 */
int		 state_record_update(const json_t *rec);

/*
 * Load amphorae/<id>.json.  Returns the record (owned) or NULL with errno
 * set (ENOENT when there is none, EINVAL for a bad id or bad JSON).
 */
json_t		*state_record_load(const char *id);

/* Remove amphorae/<id>.json; a missing one is no error.  Returns 0 or -1. */
int		 state_record_remove(const char *id);

#endif
