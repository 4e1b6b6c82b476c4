/*
 * The hauld master: forks the workers, reaps and respawns them with a
 * back-off, and turns signals into stops, replacements and stats dumps.
 */
#ifndef HAUL_MASTER_H
#define HAUL_MASTER_H

/* Runs until the daemon stops; returns the exit status. */
int master_run(void);

#endif
