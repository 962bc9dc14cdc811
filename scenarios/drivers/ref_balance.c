/*
 * ref_balance.c - the `ref` driver's balance_set (driver.h): hvd's load
 * balancer set over its API, PUT /api/v1/cluster/balance (an admin
 * write, as every PUT under /api/v1/cluster; the driver holds the admin
 * token the cluster's creation printed), and what hvd answered back as
 * the settings it keeps (docs/balance.md).  hvd checks every setting
 * itself and names the one it refuses ("'threshold' must be a number
 * 0.01..10"); the driver passes that sentence on.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/drivers/ref.h"
#include "scenarios/drivers/ref_priv.h"

#define REF_BALANCE_PATH "/api/v1/cluster/balance"

/* The numbers of hvd's settings, in the order it lists them. */
static const char *const ref_bal_nums[] = { "threshold", "hold", "margin",
    "max_moves", "interval_s" };

int
ref_balance_applied(const cJSON *doc, char *buf, size_t len, char *err)
{
	const cJSON *mode = cJSON_GetObjectItemCaseSensitive(doc, "mode"), *v;
	size_t i, at;

	if (!cJSON_IsObject(doc))
		return err_set(err, "hvd's balancer settings: not an object");
	if (!cJSON_IsString(mode))
		return err_set(err, "hvd's balancer settings: 'mode' is not a "
		    "string");
	at = (size_t)snprintf(buf, len, "mode=%s", mode->valuestring);
	for (i = 0; i < sizeof(ref_bal_nums) / sizeof(ref_bal_nums[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(doc, ref_bal_nums[i]);
		if (!cJSON_IsNumber(v))
			return err_set(err, "hvd's balancer settings: '%s' is "
			    "not a number", ref_bal_nums[i]);
		if (at < len)
			at += (size_t)snprintf(buf + at, len - at, " %s=%g",
			    ref_bal_nums[i], v->valuedouble);
	}
	if (at >= len)
		return err_set(err, "hvd's balancer settings: longer than %zu "
		    "bytes", len);
	return 0;
}

int
ref_balance_set(struct driver *d, struct drv_balance *b, char *err)
{
	cJSON *body = cJSON_CreateObject(), *doc = NULL;
	int rc = -1;

	cJSON_AddStringToObject(body, "mode", b->b_mode);
	/* "off" keeps the other settings as they are: turning the
	 * balancer off asks nothing else of it. */
	if (strcmp(b->b_mode, "off") != 0) {
		cJSON_AddNumberToObject(body, "threshold", b->b_threshold);
		cJSON_AddNumberToObject(body, "hold", b->b_hold);
		cJSON_AddNumberToObject(body, "margin", b->b_margin);
		cJSON_AddNumberToObject(body, "max_moves", b->b_max_moves);
		cJSON_AddNumberToObject(body, "interval_s", b->b_interval_s);
	}
	if (ref_call(d, "PUT", REF_BALANCE_PATH, body, &doc, err) == -1)
		goto out;
	if (ref_balance_applied(doc, b->b_applied, sizeof(b->b_applied),
	    err) == -1) {
		err_prefix(err, "PUT %s", REF_BALANCE_PATH);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}
