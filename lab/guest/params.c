/*
 * params.c - the guest's hvlab.* boot parameters from the kernel command
 * line and SMBIOS OEM strings (params.h).  Pure parsing plus two file
 * reads, so the unit tests run it on the host.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "params.h"

void
guest_params_init(struct guest_params *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->gp_name, sizeof(p->gp_name), "guest");
}

/* Copy the value of word into field when word starts with key. */
static int
param_take(const char *word, const char *key, char *field, size_t len)
{
	size_t k = strlen(key);

	if (strncmp(word, key, k) != 0)
		return 0;
	snprintf(field, len, "%s", word + k);
	return 1;
}

void
guest_params_parse(struct guest_params *p, const char *text)
{
	char buf[GUEST_PARAMS_MAX], *w, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", text);
	for (w = strtok_r(buf, " \t\n", &save); w != NULL;
	    w = strtok_r(NULL, " \t\n", &save)) {
		if (param_take(w, "hvlab.ip=", p->gp_ip, sizeof(p->gp_ip)) ||
		    param_take(w, "hvlab.gw=", p->gp_gw, sizeof(p->gp_gw)) ||
		    param_take(w, "hvlab.name=", p->gp_name,
		    sizeof(p->gp_name)) ||
		    param_take(w, "hvlab.disk=", p->gp_disk,
		    sizeof(p->gp_disk)) ||
		    param_take(w, "hvlab.data=", p->gp_data,
		    sizeof(p->gp_data)))
			continue;
		if (strcmp(w, "hvlab.debug=1") == 0)
			p->gp_debug = 1;
		else if (strcmp(w, "hvlab.shell=1") == 0)
			p->gp_shell = 1;
	}
}

int
guest_smbios_oem(const unsigned char *raw, size_t len, char *out,
    size_t outlen, char *err, size_t errlen)
{
	size_t off, o = 0, n;
	int count, i;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	/* Header: type, length, handle (2), string count. */
	if (len < 5 || raw[0] != 11 || raw[1] < 5 || raw[1] > len) {
		snprintf(err, errlen, "not an SMBIOS type 11 structure");
		return -1;
	}
	count = raw[4];
	off = raw[1];
	for (i = 0; i < count; i++) {
		const unsigned char *nul = memchr(raw + off, '\0', len - off);

		if (nul == NULL) {
			snprintf(err, errlen, "OEM string %d runs past the "
			    "structure's end", i + 1);
			return -1;
		}
		n = (size_t)(nul - (raw + off));
		if (o + n + 2 > outlen) {
			snprintf(err, errlen, "OEM strings longer than %zu "
			    "bytes", outlen - 1);
			return -1;
		}
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, raw + off, n);
		o += n;
		out[o] = '\0';
		off += n + 1;
	}
	return 0;
}

/* Up to len - 1 bytes of path into buf, NUL-terminated: the length, or
 * -1 when it cannot be opened. */
static ssize_t
param_file(const char *path, void *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	((char *)buf)[n] = '\0';
	return n;
}

int
guest_params_read(struct guest_params *p, const char *cmdline,
    const char *dmi_dir, char *err, size_t errlen)
{
	char text[GUEST_PARAMS_MAX], path[512], why[128];
	unsigned char raw[GUEST_PARAMS_MAX];
	ssize_t n;
	int i, found = 0;

	guest_params_init(p);
	err[0] = '\0';
	if (param_file(cmdline, text, sizeof(text)) >= 0)
		guest_params_parse(p, text);
	for (i = 0; dmi_dir != NULL; i++) {
		snprintf(path, sizeof(path), "%s/11-%d/raw", dmi_dir, i);
		if ((n = param_file(path, raw, sizeof(raw))) < 0)
			break;
		if (guest_smbios_oem(raw, (size_t)n, text, sizeof(text), why,
		    sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", path, why);
			continue;
		}
		guest_params_parse(p, text);
		found++;
	}
	return found;
}
