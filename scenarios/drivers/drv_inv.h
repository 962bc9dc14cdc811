/*
 * drv_inv.h - the inventory files of the drivers of real platforms
 * (proxmox.conf, xcpng.conf): one "key = value" a line, '#' comments,
 * keys from a driver's table into the members of its struct, secrets in
 * files of their own.  Every problem is counted and printed with its
 * place ("FILE:LINE: ..." or "FILE: ..."), all of them, before the
 * load fails.
 */
#ifndef HV_DRV_INV_H
#define HV_DRV_INV_H

#include <stddef.h>
#include <stdio.h>

/* A key and the char array of the driver's struct it fills. */
struct drv_inv_key {
	const char *k_name;
	size_t k_off;			/* offsetof the array */
	size_t k_len;			/* its size */
};

#define DRV_INV_KEY(name, type, member) { name, offsetof(type, member), \
	sizeof(((type *)0)->member) }

/* One load: where its problems go and how many there were. */
struct drv_inv {
	const char *iv_path;
	FILE *iv_diag;			/* may be NULL */
	int iv_nerr;
};

/* The inventory's path: $env when set, else def. */
const char *drv_inv_path(const char *env, const char *def);

/* Count a problem and print it (a line) to iv's diag. */
void drv_inv_diag(struct drv_inv *iv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Read iv->iv_path's lines into dst's members named by keys[0..n-1]
 * (which start empty); lines[i] gets the line of keys[i] (0 when
 * absent).  Unknown keys, keys given twice, without a value or too
 * long are counted problems.  0, or -1 with err when the file cannot
 * be opened (what names it: see is appended).
 */
int drv_inv_read(struct drv_inv *iv, const struct drv_inv_key *keys,
    size_t n, void *dst, int *lines, const char *see, char *err);

/*
 * The file named by buf (a secret: a token or a password) replaces it
 * with its first line.  A problem is counted as "FILE: KEY: ...".
 * 0, or -1.
 */
int drv_inv_secret(struct drv_inv *iv, const char *key, char *buf,
    size_t len);

/* 0 when no problem was counted, else -1 with err saying how many. */
int drv_inv_done(const struct drv_inv *iv, char *err);

#endif
