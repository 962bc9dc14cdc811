/*
 * drv_inv.c - the drivers' inventory files (drv_inv.h): "key = value"
 * lines into a driver's struct through its key table, secrets read from
 * files of their own so an inventory can be shared, every problem
 * counted and printed with its place.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "scenarios/drivers/drv_inv.h"

#define DRV_INV_LINE 2048

const char *
drv_inv_path(const char *env, const char *def)
{
	const char *p = getenv(env);

	return p != NULL && p[0] != '\0' ? p : def;
}

void
drv_inv_diag(struct drv_inv *iv, const char *fmt, ...)
{
	va_list ap;

	iv->iv_nerr++;
	if (iv->iv_diag == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(iv->iv_diag, fmt, ap);
	va_end(ap);
	fputc('\n', iv->iv_diag);
}

static char *
drv_inv_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* One line "key = value" into dst. */
static void
drv_inv_line(struct drv_inv *iv, const struct drv_inv_key *keys, size_t n,
    void *dst, int *lines, char *line, int lineno)
{
	char *eq = strchr(line, '='), *k, *v;
	size_t i;

	if (eq == NULL) {
		drv_inv_diag(iv, "%s:%d: '%s' is no 'key = value'",
		    iv->iv_path, lineno, line);
		return;
	}
	*eq = '\0';
	k = drv_inv_trim(line);
	v = drv_inv_trim(eq + 1);
	for (i = 0; i < n; i++) {
		char *d = (char *)dst + keys[i].k_off;

		if (strcmp(keys[i].k_name, k) != 0)
			continue;
		if (d[0] != '\0')
			drv_inv_diag(iv, "%s:%d: '%s' given twice",
			    iv->iv_path, lineno, k);
		else if (v[0] == '\0')
			drv_inv_diag(iv, "%s:%d: '%s' has no value",
			    iv->iv_path, lineno, k);
		else if (strlen(v) >= keys[i].k_len)
			drv_inv_diag(iv, "%s:%d: '%s' is too long",
			    iv->iv_path, lineno, k);
		else {
			memcpy(d, v, strlen(v) + 1);
			lines[i] = lineno;
		}
		return;
	}
	drv_inv_diag(iv, "%s:%d: unknown key '%s'", iv->iv_path, lineno, k);
}

int
drv_inv_read(struct drv_inv *iv, const struct drv_inv_key *keys, size_t n,
    void *dst, int *lines, const char *see, char *err)
{
	char line[DRV_INV_LINE], *s;
	int lineno = 0;
	FILE *f;

	memset(lines, 0, n * sizeof(*lines));
	if ((f = fopen(iv->iv_path, "r")) == NULL)
		return err_errno(err, "inventory %s (%s)", iv->iv_path, see);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			drv_inv_diag(iv, "%s:%d: line too long", iv->iv_path,
			    lineno);
			break;
		}
		s = drv_inv_trim(line);
		if (s[0] != '\0' && s[0] != '#')
			drv_inv_line(iv, keys, n, dst, lines, s, lineno);
	}
	fclose(f);
	return 0;
}

int
drv_inv_secret(struct drv_inv *iv, const char *key, char *buf, size_t len)
{
	char path[DRV_INV_LINE];
	FILE *f;

	snprintf(path, sizeof(path), "%s", buf);
	if ((f = fopen(path, "r")) == NULL) {
		drv_inv_diag(iv, "%s: %s: %s: %m", iv->iv_path, key, path);
		return -1;
	}
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		drv_inv_diag(iv, "%s: %s: %s is empty", iv->iv_path, key, path);
		return -1;
	}
	return 0;
}

int
drv_inv_done(const struct drv_inv *iv, char *err)
{
	if (iv->iv_nerr > 0)
		return err_set(err, "%s: %d problem%s (above)", iv->iv_path,
		    iv->iv_nerr, iv->iv_nerr == 1 ? "" : "s");
	return 0;
}
