/* app/backend.c: the Daraja client's options from [daraja], and the public
 * test values of daraja-sim when the base URL is the local simulator. */
#include "app/app_int.h"

#include <string.h>
#include <unistd.h>

#include "app/api.h"
#include "base/str.h"

/* daraja-sim's defaults (docs/daraja-sim.md, Credentials): public test
 * values, used only when [daraja] base_url is a loopback address and the key
 * is left empty. */
static const char SIM_KEY[] = "sim-consumer-key";
static const char SIM_SECRET[] = "sim-consumer-secret";
static const char SIM_PASSKEY[] =
	"bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";
static const char SIM_INITIATOR_PASSWORD[] = "Safaricom999!*!";

static bool readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* assets/sim-cert.pem beside the program (BUILD/../assets) or below the
 * working directory. */
static bool find_sim_cert(char *out, size_t outsz)
{
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (str_fmt(out, outsz, "%s/../assets/sim-cert.pem", exe) && readable(out))
				return true;
		}
	}
	return str_copy(out, outsz, "assets/sim-cert.pem") && readable(out);
}

static const char *or_default(const char *v, bool sim, const char *def)
{
	return v[0] || !sim ? v : def;
}

bool app_backend_is_sim(const struct config *cfg)
{
	return strcmp(config_backend_label(cfg), "SIMULATOR") == 0;
}

void app_backend_opts(const struct config *cfg, struct daraja_opts *o,
                      char *cert, size_t certsz)
{
	const struct config_daraja *d = &cfg->daraja;
	bool sim = app_backend_is_sim(cfg);
	memset(o, 0, sizeof *o);
	o->base_url = config_daraja_base_url(cfg);
	o->environment = d->environment;
	o->consumer_key = or_default(d->consumer_key, sim, SIM_KEY);
	o->consumer_secret = or_default(d->consumer_secret, sim, SIM_SECRET);
	o->business_shortcode = d->business_shortcode;
	o->passkey = or_default(d->passkey, sim, SIM_PASSKEY);
	o->transaction_type = d->transaction_type;
	o->till_number = d->till_number[0] ? d->till_number : NULL;
	o->b2c_shortcode = d->b2c_shortcode;
	o->initiator_name = d->initiator_name;
	o->initiator_password = or_default(d->initiator_password, sim, SIM_INITIATOR_PASSWORD);
	cert[0] = '\0';
	if (d->cert[0])
		str_copy(cert, certsz, d->cert);
	else if (sim && !find_sim_cert(cert, certsz))
		cert[0] = '\0';
	o->cert_path = cert[0] ? cert : NULL;
	o->ca_bundle = d->ca_bundle[0] ? d->ca_bundle : NULL;
	o->c2b_version = d->c2b_version;
	o->timeout_s = (unsigned)d->timeout;
	o->max_retries = (int)d->max_retries;
	o->breaker_failures = (unsigned)d->breaker_failures;
	o->breaker_open_s = (unsigned)d->breaker_open_seconds;
	o->on_result = app_metrics_daraja_result; /* /metrics (app/api.c) */
}
