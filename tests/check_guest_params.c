/*
 * check_guest_params.c - the guest's boot parameters (lab/guest/params.c):
 * hvlab.* words from the kernel command line and from SMBIOS OEM strings,
 * the firmware's input a disk-booted VM takes its name and address from.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "lab/guest/params.h"

START_TEST(test_parse_words)
{
	struct guest_params p;

	guest_params_init(&p);
	ck_assert_msg(strcmp(p.gp_name, "guest") == 0, "the default name is "
	    "guest");
	guest_params_parse(&p, "console=ttyS0 hvlab.name=vm1 "
	    "hvlab.ip=198.18.1.10/24\thvlab.gw=198.18.1.1 hvlab.data=/dev/vda2 "
	    "hvlab.disk=/dev/vdb hvlab.debug=1 hvlab.shell=0 hvlab.ipx=bad\n");
	ck_assert_str_eq(p.gp_name, "vm1");
	ck_assert_str_eq(p.gp_ip, "198.18.1.10/24");
	ck_assert_str_eq(p.gp_gw, "198.18.1.1");
	ck_assert_str_eq(p.gp_data, "/dev/vda2");
	ck_assert_str_eq(p.gp_disk, "/dev/vdb");
	ck_assert_msg(p.gp_debug == 1 && p.gp_shell == 0,
	    "hvlab.debug=1 sets debug, hvlab.shell=0 does not set shell");
	guest_params_parse(&p, "hvlab.name=vm2");
	ck_assert_msg(strcmp(p.gp_name, "vm2") == 0 &&
	    strcmp(p.gp_ip, "198.18.1.10/24") == 0,
	    "a later word wins, the others stay");
}
END_TEST

/* A type 11 structure: header (type, length 5, handle), count, strings. */
static size_t
oem_raw(unsigned char *raw, int count, const char *strings, size_t slen)
{
	raw[0] = 11;
	raw[1] = 5;
	raw[2] = 0x00;
	raw[3] = 0x0b;
	raw[4] = (unsigned char)count;
	memcpy(raw + 5, strings, slen);
	return 5 + slen;
}

START_TEST(test_smbios_oem)
{
	unsigned char raw[256];
	char out[64], err[128];
	size_t n;

	n = oem_raw(raw, 2, "hvlab.name=d1\0hvlab.ip=1.2.3.4/24\0\0", 36);
	ck_assert_int_eq(guest_smbios_oem(raw, n, out, sizeof(out), err,
	    sizeof(err)), 0);
	ck_assert_str_eq(out, "hvlab.name=d1 hvlab.ip=1.2.3.4/24");

	n = oem_raw(raw, 0, "\0\0", 2);
	ck_assert_int_eq(guest_smbios_oem(raw, n, out, sizeof(out), err,
	    sizeof(err)), 0);
	ck_assert_msg(out[0] == '\0', "no strings, nothing");

	/* The count says 2, the structure ends inside the first string. */
	n = oem_raw(raw, 2, "hvlab.name=d1", 13);
	ck_assert_int_eq(guest_smbios_oem(raw, n, out, sizeof(out), err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "OEM string 1 runs past") != NULL,
	    "a string past the end is named: %s", err);

	n = oem_raw(raw, 1, "a\0\0", 3);
	raw[0] = 1;
	ck_assert_int_eq(guest_smbios_oem(raw, n, out, sizeof(out), err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not an SMBIOS type 11") != NULL,
	    "another structure type is refused: %s", err);
	raw[0] = 11;
	raw[1] = 200;
	ck_assert_int_eq(guest_smbios_oem(raw, n, out, sizeof(out), err,
	    sizeof(err)), -1);
	ck_assert_int_eq(guest_smbios_oem(raw, 4, out, sizeof(out), err,
	    sizeof(err)), -1);

	n = oem_raw(raw, 1, "hvlab.name=a-name-longer-than-sixteen\0\0", 39);
	ck_assert_int_eq(guest_smbios_oem(raw, n, out, 16, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "longer than 15 bytes") != NULL,
	    "strings that do not fit are an error, not cut: %s", err);
}
END_TEST

/* cmdline then every 11-N/raw under a DMI directory, later words win; a
 * malformed entry is skipped and said. */
START_TEST(test_read_files)
{
	char dir[] = "/tmp/hvt-check-params-XXXXXX", path[128], err[256];
	struct guest_params p;
	unsigned char raw[128];
	size_t n;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cmdline", dir);
	f = fopen(path, "w");
	fputs("quiet hvlab.name=image hvlab.data=/dev/vda2\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/11-0", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/11-0/raw", dir);
	n = oem_raw(raw, 2, "hvlab.name=clone1\0hvlab.ip=198.18.1.5/24\0\0",
	    42);
	f = fopen(path, "w");
	fwrite(raw, 1, n, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/cmdline", dir);
	ck_assert_int_eq(guest_params_read(&p, path, dir, err, sizeof(err)),
	    1);
	ck_assert_msg(strcmp(p.gp_name, "clone1") == 0, "the firmware's name "
	    "wins over the image's: %s", p.gp_name);
	ck_assert_str_eq(p.gp_ip, "198.18.1.5/24");
	ck_assert_str_eq(p.gp_data, "/dev/vda2");
	ck_assert_msg(err[0] == '\0', "no error: %s", err);

	ck_assert_int_eq(guest_params_read(&p, path, NULL, err, sizeof(err)),
	    0);
	ck_assert_msg(strcmp(p.gp_name, "image") == 0, "without a DMI "
	    "directory only the command line counts");

	snprintf(path, sizeof(path), "%s/11-1", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/11-1/raw", dir);
	f = fopen(path, "w");
	fwrite("\x0b\x05\x00\x00\x01" "abc", 1, 8, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/cmdline", dir);
	ck_assert_int_eq(guest_params_read(&p, path, dir, err, sizeof(err)),
	    1);
	ck_assert_msg(strstr(err, "11-1/raw: OEM string 1 runs past") != NULL,
	    "the malformed entry is named: %s", err);
	ck_assert_str_eq(p.gp_name, "clone1");

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

Suite *
make_guest_params_suite(void)
{
	Suite *s = suite_create("guest_params");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_words);
	tcase_add_test(tc, test_smbios_oem);
	tcase_add_test(tc, test_read_files);
	suite_add_tcase(s, tc);
	return s;
}
