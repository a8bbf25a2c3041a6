// libpq, PostgreSQL's C client (Debian libpq-dev), for the store's PostgreSQL backend.
#include <libpq-fe.h>

// A notice processor that drops server notices ("relation already exists, skipping" …), which
// libpq would otherwise print on stderr.
static inline void reidkd_pq_ignore_notice(void *arg, const char *message) { (void)arg; (void)message; }
static inline void reidkd_pq_quiet(PGconn *conn) { PQsetNoticeProcessor(conn, reidkd_pq_ignore_notice, 0); }
