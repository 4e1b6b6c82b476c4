/*
 * Resumable uploads under /uploads/: tus 1.0.0 (core, creation,
 * creation-with-upload, creation-defer-length, expiration, checksum,
 * termination), SPEC "Uploads".  See upload.c.
 */
#ifndef HAUL_UPLOAD_H
#define HAUL_UPLOAD_H

struct conn;

/* -U: open the upload directory and its state directory; 0, or -1. */
int upload_init(const char *dir, char *err, size_t errlen);
/*
 * Remove expired unfinished uploads, and leftovers of a crash (a
 * temporary info file, a part file without its info) older than an
 * hour.  The master runs it every UPLOAD_SWEEP_SECS (HAUL_SWEEP_SECS in
 * the environment overrides it, for tests).
 */
#define UPLOAD_SWEEP_SECS 60
void upload_sweep(void);
/* A request whose target starts with /uploads (authorized already). */
void upload_request(struct conn *, const char *target);

#endif
