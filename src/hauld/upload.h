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
/* A request whose target starts with /uploads (authorized already). */
void upload_request(struct conn *, const char *target);

#endif
