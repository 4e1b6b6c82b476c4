/*
 * Request routing and the /download handler: path to file, validators,
 * conditionals, ranges, compression choice; plus /metrics and /healthz.
 * It only describes the response; conn.c writes it.
 */
#ifndef HAUL_SERVE_H
#define HAUL_SERVE_H

struct conn;

void serve_request(struct conn *);

#endif
