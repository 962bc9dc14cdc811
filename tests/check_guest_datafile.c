/*
 * check_guest_datafile.c - the agent's "file write" and "file sum"
 * (lab/guest/datafile.c) and the SHA-256 they report (lab/guest/sha256.c),
 * run on the host: the test of a disk guest compares these sums with
 * sha256sum's.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "lab/guest/datafile.h"
#include "lab/guest/sha256.h"

static void
sum_of(const void *data, size_t len, char hex[SHA256_HEX_LEN])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final_hex(&s, hex);
}

/* FIPS 180-4 examples and lengths around the padding boundary. */
START_TEST(test_sha256_vectors)
{
	char hex[SHA256_HEX_LEN], *big;
	struct sha256 s;

	sum_of("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	sum_of("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	sum_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	/* A million 'a', fed in uneven pieces. */
	big = malloc(1000000);
	memset(big, 'a', 1000000);
	sha256_init(&s);
	sha256_update(&s, big, 1);
	sha256_update(&s, big + 1, 63);
	sha256_update(&s, big + 64, 999936 - 7);
	sha256_update(&s, big + 1000000 - 7, 7);
	sha256_final_hex(&s, hex);
	free(big);
	ck_assert_msg(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0") == 0,
	    "the sum does not depend on how the data is cut: %s", hex);
}
END_TEST

START_TEST(test_write_then_sum)
{
	char dir[] = "/tmp/hvt-check-datafile-XXXXXX", path[128], err[256];
	char w[SHA256_HEX_LEN], r[SHA256_HEX_LEN], again[SHA256_HEX_LEN];
	unsigned char *buf;
	uint64_t bytes, st;
	struct stat sb;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f1", dir);
	ck_assert_msg(datafile_write(path, 100003, 42, w, err,
	    sizeof(err)) == 0, "write: %s", err);
	ck_assert_msg(stat(path, &sb) == 0 && sb.st_size == 100003,
	    "the file holds BYTES bytes");
	ck_assert_int_eq(datafile_sum(path, &bytes, r, err, sizeof(err)), 0);
	ck_assert_msg(bytes == 100003 && strcmp(w, r) == 0,
	    "what was written reads back with the sum write gave");
	/* The sum is of the file's bytes: the pattern made again here. */
	buf = malloc(100003);
	st = 42;
	datafile_pattern(&st, buf, 100003);
	sum_of(buf, 100003, again);
	free(buf);
	ck_assert_str_eq(w, again);

	ck_assert_int_eq(datafile_write(path, 100003, 43, again, err,
	    sizeof(err)), 0);
	ck_assert_msg(strcmp(w, again) != 0, "another seed, another file");
	ck_assert_int_eq(datafile_write(path, 0, 1, r, err, sizeof(err)), 0);
	ck_assert_str_eq(r, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	snprintf(path, sizeof(path), "%s/f1.hvlab-tmp", dir);
	ck_assert_msg(access(path, F_OK) != 0, "no temporary file stays");

	snprintf(path, sizeof(path), "%s/other", dir);
	f = fopen(path, "w");
	fputs("kernel=6.1\n", f);
	fclose(f);
	ck_assert_int_eq(datafile_sum(path, &bytes, r, err, sizeof(err)), 0);
	sum_of("kernel=6.1\n", 11, again);
	ck_assert_msg(bytes == 11 && strcmp(r, again) == 0,
	    "any file is summed, not only the agent's");

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

START_TEST(test_refused)
{
	char hex[SHA256_HEX_LEN], err[256];
	uint64_t bytes;

	ck_assert_int_eq(datafile_write("data/f", 1, 1, hex, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "PATH must be absolute") != NULL, "%s", err);
	ck_assert_int_eq(datafile_write("/tmp/x", DATAFILE_MAX_BYTES + 1, 1,
	    hex, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "BYTES must be 0..") != NULL, "%s", err);
	ck_assert_int_eq(datafile_write("/nonexistent-dir/f", 1, 1, hex, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/nonexistent-dir/f: No such file") != NULL,
	    "the path and the reason: %s", err);
	ck_assert_int_eq(datafile_sum("/nonexistent-file", &bytes, hex, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
	ck_assert_int_eq(datafile_sum("/tmp", &bytes, hex, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "/tmp: not a regular file") != NULL, "%s",
	    err);
}
END_TEST

Suite *
make_guest_datafile_suite(void)
{
	Suite *s = suite_create("guest_datafile");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sha256_vectors);
	tcase_add_test(tc, test_write_then_sum);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}
