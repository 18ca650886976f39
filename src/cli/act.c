/* cli/act.c: what the money commands share: options, PINs, sign-in, the
 * app with (when it helps) a listener of its own, and waiting for outcomes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "app/flow.h"
#include "app/loop.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "bus/bus.h"
#include "cli/cli.h"

enum { CLI_TICK_MS = 250, CLI_DELIVER_MS = 3000 };

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

void cli_act_init(struct cli_act *c, const struct cli_globals *g, const char *cmd)
{
	memset(c, 0, sizeof *c);
	c->cmd = cmd;
	c->config_path = g->config_path;
	c->pin_fd = -1;
	c->approver_pin_fd = -1;
}

static int bad(const struct cli_act *c, const char *opt, const char *val, const char *what)
{
	fprintf(stderr, "mpesa-pos %s: %s \"%s\" is not %s; run mpesa-pos %s --help\n",
	        c->cmd, opt, val ? val : "", what, c->cmd);
	return -1;
}

static int take_id(const struct cli_act *c, const char *opt, const char *v,
                   long long *out)
{
	int64_t id;
	if (!v || parse_i64_str(v, 1, INT64_MAX, &id) != POS_OK)
		return bad(c, opt, v, "an operator id (a whole number)");
	*out = (long long)id;
	return 1;
}

static int take_fd(const struct cli_act *c, const char *opt, const char *v, int *out)
{
	int64_t fd;
	if (!v || parse_i64_str(v, 0, 1024, &fd) != POS_OK)
		return bad(c, opt, v, "a file descriptor number");
	*out = (int)fd;
	return 1;
}

int cli_act_option(struct cli_act *c, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	int rc;
	if (strcmp(a, "--wait") == 0) {
		c->wait = true;
		return 1;
	}
	if (strcmp(a, "--config") == 0) {
		if (!v)
			return bad(c, a, v, "a file");
		c->config_path = v;
	} else if (strcmp(a, "--operator") == 0) {
		if ((rc = take_id(c, a, v, &c->operator_id)) != 1)
			return rc;
	} else if (strcmp(a, "--approver") == 0) {
		if ((rc = take_id(c, a, v, &c->approver_id)) != 1)
			return rc;
	} else if (strcmp(a, "--pin-fd") == 0) {
		if ((rc = take_fd(c, a, v, &c->pin_fd)) != 1)
			return rc;
	} else if (strcmp(a, "--approver-pin-fd") == 0) {
		if ((rc = take_fd(c, a, v, &c->approver_pin_fd)) != 1)
			return rc;
	} else if (strcmp(a, "--timeout") == 0) {
		int64_t s;
		if (!v || parse_i64_str(v, 1, 86400, &s) != POS_OK)
			return bad(c, a, v, "a number of seconds (1 to 86400)");
		c->timeout_s = (long long)s;
	} else {
		return 0;
	}
	(*i)++;
	return 1;
}

bool cli_act_args(struct cli_act *c, int argc, char **argv, int first,
                  const struct cli_opt *opts, const char **positional,
                  void (*usage)(FILE *out), int *rc)
{
	for (int i = first; i < argc; i++) {
		int taken = cli_act_option(c, argc, argv, &i);
		if (taken < 0) {
			*rc = CLI_USAGE;
			return false;
		}
		if (taken)
			continue;
		if (cli_is_help(argv[i])) {
			usage(stdout);
			*rc = CLI_OK;
			return false;
		}
		const struct cli_opt *o = opts;
		while (o && o->name && !(strcmp(argv[i], o->name) == 0 && (o->flag || i + 1 < argc)))
			o++;
		if (o && o->name) {
			if (o->flag)
				*o->flag = true;
			else
				*o->value = argv[++i];
		} else if (positional && argv[i][0] != '-' && !*positional) {
			*positional = argv[i];
		} else {
			*rc = cli_bad_arg(c->cmd, "unknown argument", argv[i]);
			return false;
		}
	}
	*rc = CLI_OK;
	return true;
}

int cli_read_pin(int fd, const char *prompt, char *out, size_t outsz)
{
	size_t n = 0;
	bool tty = false;
	struct termios old, quiet;
	int own = -1;
	if (fd < 0) {
		own = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (own < 0) {
			fprintf(stderr, "mpesa-pos: there is no terminal to read the PIN from; "
			        "give it on a file descriptor with --pin-fd N\n");
			return CLI_USAGE;
		}
		fd = own;
		if (tcgetattr(fd, &old) == 0) {
			tty = true;
			quiet = old;
			quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
			quiet.c_lflag |= ICANON;
			tcsetattr(fd, TCSAFLUSH, &quiet);
		}
		if (write(fd, prompt, strlen(prompt)) < 0)
			(void)0;
	}
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		if (ch == '\r')
			continue;
		if (n + 1 < outsz)
			out[n++] = ch;
		else
			n = outsz; /* too long: refused below */
	}
	if (tty) {
		tcsetattr(fd, TCSAFLUSH, &old);
		if (write(fd, "\n", 1) < 0)
			(void)0;
	}
	if (own >= 0)
		close(own);
	if (n >= outsz) {
		crypto_wipe(out, outsz);
		out[0] = '\0';
		fprintf(stderr, "mpesa-pos: the PIN is too long (at most %d digits)\n", APP_PIN_MAX);
		return CLI_USAGE;
	}
	out[n] = '\0';
	return CLI_OK;
}

int cli_act_open(struct cli_act *c, bool listen)
{
	struct pos_err err;
	int rc = cli_load_config(c->config_path, &c->cfg);
	if (rc != CLI_OK)
		return rc;
	if ((rc = cli_open_log(c->cfg, false)) != CLI_OK)
		return rc;
	clock_init_from_env();
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct app_opts o = {.listen = listen && app_listen_here(c->cfg)};
	enum pos_status st = app_open(c->cfg, &o, &c->app, &err);
	if (st != POS_OK && o.listen && err.code == POS_E_IO) {
		/* The port is taken: most likely `serve` on this database, which
		 * records the results; we watch the ledger. */
		log_info("cli", "no listener here (%s): watching the ledger", err.msg);
		o.listen = false;
		st = app_open(c->cfg, &o, &c->app, &err);
	}
	if (st != POS_OK)
		return cli_report_error(c->cmd, &err);
	c->listening = o.listen;
	if (app_loop_new(c->app, &c->loop, &err) != POS_OK)
		return cli_report_error(c->cmd, &err);
	app_loop_set_tick(c->loop, CLI_TICK_MS);
	return CLI_OK;
}

static int sign_one(struct cli_act *c, long long id, int fd, const char *who,
                    struct app_operator *out)
{
	char pin[APP_PIN_MAX + 2], prompt[96];
	struct pos_err err;
	str_fmt(prompt, sizeof prompt, "PIN for %s %lld: ", who, id);
	int rc = cli_read_pin(fd, prompt, pin, sizeof pin);
	if (rc != CLI_OK)
		return rc;
	enum pos_status st = app_signin(c->app, (int64_t)id, pin, out, &err);
	crypto_wipe(pin, sizeof pin);
	if (st != POS_OK)
		return cli_report_error(c->cmd, &err);
	return CLI_OK;
}

int cli_act_signin(struct cli_act *c)
{
	if (c->operator_id <= 0) {
		struct pos_err err;
		pos_err_set(&err, POS_E_DENIED, "operator",
		            "%s acts as an operator: give --operator ID", c->cmd);
		pos_err_hint(&err, "the PIN is read from the terminal, or from --pin-fd N");
		return cli_report_error(c->cmd, &err);
	}
	int rc = sign_one(c, c->operator_id, c->pin_fd, "operator", &c->op);
	if (rc != CLI_OK)
		return rc;
	c->signed_in = true;
	if (c->approver_id > 0) {
		if ((rc = sign_one(c, c->approver_id, c->approver_pin_fd, "approver",
		                   &c->approver)) != CLI_OK)
			return rc;
		c->approved = true;
	}
	return CLI_OK;
}

const struct app_operator *cli_act_approver(const struct cli_act *c)
{
	return c->approved ? &c->approver : NULL;
}

struct wait_for {
	struct app_flow *f;
	bool until_done;
};

static bool answered(void *user)
{
	struct wait_for *w = user;
	if (g_stop || app_flow_done(w->f))
		return true;
	if (w->until_done)
		return false;
	const struct store_txn *t = app_flow_txn(w->f);
	return t && t->state != TXN_CREATED && t->state != TXN_SENT;
}

void cli_act_run(struct cli_act *c, struct app_flow *f, bool until_done,
                 long long timeout_ms)
{
	struct wait_for w = {f, until_done};
	app_loop_run(c->loop, answered, &w, clock_mono_ms() + timeout_ms);
}

void cli_deliver_events(const struct config *cfg)
{
	struct bus_opts o;
	struct bus_deliver_result res;
	struct pos_err err;
	if (!cfg)
		return;
	bus_opts_from_config(cfg, &o);
	if (bus_deliver_pending(&o, CLI_DELIVER_MS, &res, &err) != POS_OK) {
		char msg[POS_ERR_MSG_MAX + POS_ERR_FIELD_MAX + 8];
		log_warn("cli", "%lld event(s) wait in the outbox for the next delivery: %s",
		         (long long)res.pending, pos_err_format(&err, msg, sizeof msg));
	}
}

int cli_act_ready(struct cli_act *c, bool listen, bool signin)
{
	int rc = cli_act_open(c, listen);
	if (rc == CLI_OK && signin)
		rc = cli_act_signin(c);
	if (rc != CLI_OK)
		cli_act_close(c);
	return rc;
}

int cli_act_fail(struct cli_act *c, const struct pos_err *err)
{
	int rc = cli_report_error(c->cmd, err);
	cli_act_close(c);
	return rc;
}

int cli_act_finish(struct cli_act *c, struct app_flow *f, long long limit_s,
                   bool by_callback)
{
	cli_act_run(c, f, c->wait, limit_s * 1000);
	const struct store_txn *t = app_flow_txn(f);
	const struct pos_err *fe = app_flow_error(f);
	char note[400] = "";
	if (fe->code != POS_OK && t && t->state != TXN_FAILED)
		snprintf(note, sizeof note, "%s", fe->msg);
	else if (c->wait && !app_flow_done(f))
		snprintf(note, sizeof note, "stopped waiting after %lld s%s", limit_s,
		         !by_callback || c->listening
		             ? "" : " (no listener here: a running serve records the result)");
	int rc = t ? cli_report_txn(c->cmd, t, note, NULL) : cli_report_error(c->cmd, fe);
	app_flow_free(f);
	cli_act_close(c);
	return rc;
}

void cli_act_close(struct cli_act *c)
{
	bool opened = c->app != NULL;
	app_loop_free(c->loop);
	app_close(c->app);
	if (opened)
		cli_deliver_events(c->cfg);
	config_free(c->cfg);
	log_close();
	crypto_wipe(&c->op, sizeof c->op);
	crypto_wipe(&c->approver, sizeof c->approver);
}
