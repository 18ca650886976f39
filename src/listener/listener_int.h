/*
 * listener/listener_int.h: what the callback listener (http.c) and the
 * routes server (routes.c) share; private to src/listener/.
 */
#ifndef POS_LISTENER_INT_H
#define POS_LISTENER_INT_H

struct mg_context;
struct mg_connection;

/*
 * Start a CivetWeb server with options (name, value pairs ending in NULL),
 * CivetWeb's own messages going to the log as warnings, and every path
 * handed to handler(conn, user). Sets *port to the first bound port (0 when
 * none is known). NULL when it cannot listen (the library is released
 * again): the caller says which address failed.
 */
struct mg_context *listener_civet_start(const char **options,
                                        int (*handler)(struct mg_connection *, void *),
                                        void *user, int *port);

/*
 * Stop a CivetWeb server at once, then mg_exit_library(). mg_stop() alone
 * takes up to 2 s: CivetWeb's accept thread polls its listening socket with
 * a 2 s timeout and looks at the stop flag only between polls. While
 * mg_stop() runs (it joins the workers: requests in flight finish), a helper
 * thread connects to our own port every 20 ms (for 3 s at the most), so the
 * poll returns and the accept thread sees the flag. host is the dotted IPv4
 * address to connect to; with another host, port <= 0, or no thread to be
 * had, the stop just takes its 2 s.
 */
void listener_civet_stop(struct mg_context *ctx, const char *host, int port);

#endif
