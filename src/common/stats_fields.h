/*
 * The one list of counters.  The slot layout, the SIGUSR1 dump, /metrics
 * and haulstat all expand from it (memcached's THREAD_STATS_FIELDS); the
 * per-slot rows from STATS_SLOT_FIELDS below.
 * Append only: inserting or reordering changes the layout, so bump
 * STATS_VERSION in stats.h whenever this list changes.
 *
 * X(name, who, type, help): who is STATS_D (hauld), STATS_P (haulproxy) or
 * STATS_DP (both); type is COUNTER (only grows) or GAUGE.
 */
#ifndef HAUL_STATS_FIELDS_H
#define HAUL_STATS_FIELDS_H

#define STATS_FIELDS(X)                                                        \
	X(conn_accepted, STATS_DP, COUNTER, "connections accepted")            \
	X(conn_open, STATS_D, GAUGE, "connections open")                       \
	X(requests, STATS_DP, COUNTER, "requests parsed")                      \
	X(resp_1xx, STATS_DP, COUNTER, "responses with status 1xx")            \
	X(resp_2xx, STATS_DP, COUNTER, "responses with status 2xx")            \
	X(resp_3xx, STATS_DP, COUNTER, "responses with status 3xx")            \
	X(resp_4xx, STATS_DP, COUNTER, "responses with status 4xx")            \
	X(resp_5xx, STATS_DP, COUNTER, "responses with status 5xx")            \
	X(resp_206, STATS_DP, COUNTER, "206 partial content responses")        \
	X(bytes_out, STATS_DP, COUNTER, "bytes written to clients")            \
	X(file_bytes, STATS_D, COUNTER, "file bytes served (before gzip)")     \
	X(gzip_in, STATS_D, COUNTER, "bytes fed to the compressor")            \
	X(gzip_out, STATS_D, COUNTER, "bytes the compressor produced")         \
	X(sendfile_calls, STATS_D, COUNTER, "sendfile system calls")           \
	X(errors, STATS_DP, COUNTER, "I/O and internal errors")                \
	X(timeouts, STATS_DP, COUNTER, "connections closed by a timeout")      \
	X(downloads_started, STATS_P, COUNTER, "downloads started")            \
	X(downloads_completed, STATS_P, COUNTER, "downloads completed")        \
	X(downloads_resumed, STATS_P, COUNTER, "downloads resumed")            \
	X(downloads_restarted, STATS_P, COUNTER, "downloads restarted")        \
	X(chunks_fetched, STATS_P, COUNTER, "chunks fetched")                  \
	X(retries, STATS_P, COUNTER, "chunk retries")                          \
	X(bytes_fetched, STATS_P, COUNTER, "bytes received from the origin")   \
	X(bytes_written, STATS_P, COUNTER, "bytes written to disk")            \
	X(tls_handshakes, STATS_DP, COUNTER, "TLS handshakes completed")       \
	X(tls_resumed, STATS_DP, COUNTER, "TLS handshakes that resumed")       \
	X(tls_handshake_failures, STATS_DP, COUNTER, "TLS handshakes failed")  \
	X(tls_copy_bytes, STATS_D, COUNTER,                                    \
	    "file bytes encrypted in user space (no kTLS)")                    \
	X(auth_refused, STATS_DP, COUNTER,                                     \
	    "requests refused for credentials (401, 403)")                     \
	X(digests_computed, STATS_D, COUNTER, "file digests computed")         \
	X(digests_served, STATS_D, COUNTER, "answers with a Repr-Digest")      \
	X(digest_verified, STATS_P, COUNTER, "downloads whose digest matched") \
	X(digest_failed, STATS_P, COUNTER, "digest mismatches seen")           \
	X(uploads_created, STATS_D, COUNTER, "uploads created")                \
	X(uploads_completed, STATS_D, COUNTER, "uploads completed")            \
	X(upload_bytes, STATS_D, COUNTER, "upload body bytes received")        \
	X(upload_offsets_acked, STATS_D, COUNTER,                              \
	    "upload offsets acknowledged (durable)")

/*
 * The per-slot columns, a deliberate subset: the SIGUSR1 dump's slot rows,
 * haulstat's slot table and its -j "workers" all show these, in this
 * order.  Y(name, heading, width): name is a field above, heading and
 * width are haulstat's table column.
 */
#define STATS_SLOT_FIELDS(Y)                                                   \
	Y(requests, "requests", 12)                                            \
	Y(bytes_out, "bytes_out", 16)                                          \
	Y(conn_open, "conns", 6)

#endif
