/*
 * check_guest_journal.c - the guest agent's journal record format and scan.
 *
 * The write-integrity probe trusts this code to say which acknowledged
 * records survived a failover, so it is tested on files built here: valid
 * records, corrupted ones, holes, a gap that ends the scan, the JSON.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/guest/journal.h"

/* A temporary file holding records for the given seqs (0 = leave slot). */
static int
journal_file(const uint64_t *seqs, size_t n, char *path, size_t len)
{
	unsigned char rec[JOURNAL_REC_SIZE];
	int fd;

	snprintf(path, len, "/tmp/hvt-check-journal-XXXXXX");
	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "a temporary file can be made");
	for (size_t i = 0; i < n; i++) {
		if (seqs[i] == 0)
			continue;
		journal_rec_encode(rec, seqs[i], 1000 + seqs[i]);
		ck_assert_int_eq(pwrite(fd, rec, sizeof(rec),
		    (off_t)((seqs[i] - 1) * JOURNAL_REC_SIZE)),
		    JOURNAL_REC_SIZE);
	}
	return fd;
}

START_TEST(test_crc32_reference)
{
	ck_assert_msg(journal_crc32("123456789", 9) == 0xCBF43926u,
	    "crc32 is the IEEE/zlib one (check value of \"123456789\")");
	ck_assert_msg(journal_crc32("", 0) == 0, "crc32 of nothing is 0");
}
END_TEST

START_TEST(test_record_roundtrip)
{
	unsigned char rec[JOURNAL_REC_SIZE];
	uint64_t seq = 0, t = 0;

	journal_rec_encode(rec, 42, 1234567890123ull);
	ck_assert_msg(memcmp(rec, "HVJR", 4) == 0, "a record starts HVJR");
	ck_assert_msg(rec[4] == 42 && rec[5] == 0, "seq is little-endian");
	ck_assert_msg(journal_rec_valid(rec, 41, &seq, &t),
	    "record 42 is valid in slot 41");
	ck_assert_int_eq(seq, 42);
	ck_assert_msg(t == 1234567890123ull, "the time survives");
	ck_assert_msg(!journal_rec_valid(rec, 42, NULL, NULL),
	    "record 42 is not valid in slot 42");
}
END_TEST

START_TEST(test_record_corruption)
{
	unsigned char rec[JOURNAL_REC_SIZE];

	for (int off = 0; off < JOURNAL_REC_SIZE; off += 37) {
		journal_rec_encode(rec, 7, 99);
		rec[off] ^= 0x01;
		ck_assert_msg(!journal_rec_valid(rec, 6, NULL, NULL),
		    "one flipped bit anywhere makes a record invalid");
	}
	memset(rec, 0, sizeof(rec));
	ck_assert_msg(!journal_rec_valid(rec, 0, NULL, NULL),
	    "a zero slot is not a record");
}
END_TEST

START_TEST(test_scan_missing)
{
	uint64_t seqs[] = { 1, 2, 3, 0, 5, 6, 0, 8, 9, 10 };
	struct journal_summary s;
	unsigned char junk[JOURNAL_REC_SIZE];
	char path[64], err[256];
	int fd = journal_file(seqs, 10, path, sizeof(path));

	/* Slot 6 (seq 7) holds a record with a bad crc. */
	journal_rec_encode(junk, 7, 1);
	junk[100] = 0xFF;
	ck_assert_int_eq(pwrite(fd, junk, sizeof(junk), 6 * JOURNAL_REC_SIZE),
	    JOURNAL_REC_SIZE);
	ck_assert_int_eq(journal_scan(fd, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.js_first, 1);
	ck_assert_int_eq(s.js_last, 10);
	ck_assert_int_eq(s.js_count, 8);
	ck_assert_int_eq(s.js_nmissing, 2);
	ck_assert_msg(s.js_missing[0] == 4 && s.js_missing[1] == 7,
	    "missing lists the lost and the corrupted record");
	close(fd);
	unlink(path);
}
END_TEST

START_TEST(test_scan_empty_and_gap)
{
	struct journal_summary s;
	unsigned char rec[JOURNAL_REC_SIZE];
	uint64_t seqs[] = { 1, 2, 3 };
	char path[64], err[256];
	int fd = journal_file(seqs, 0, path, sizeof(path));

	ck_assert_int_eq(journal_scan(fd, &s, err, sizeof(err)), 0);
	ck_assert_msg(s.js_first == 0 && s.js_last == 0 && s.js_count == 0,
	    "an empty device has no records");
	close(fd);
	unlink(path);

	fd = journal_file(seqs, 3, path, sizeof(path));
	/* A record beyond a gap of JOURNAL_GAP_SLOTS slots is not seen. */
	journal_rec_encode(rec, 3 + JOURNAL_GAP_SLOTS + 1, 5);
	ck_assert_int_eq(pwrite(fd, rec, sizeof(rec),
	    (off_t)(3 + JOURNAL_GAP_SLOTS) * JOURNAL_REC_SIZE),
	    JOURNAL_REC_SIZE);
	ck_assert_int_eq(journal_scan(fd, &s, err, sizeof(err)), 0);
	ck_assert_msg(s.js_last == 3 && s.js_count == 3,
	    "a scan ends after JOURNAL_GAP_SLOTS invalid slots");
	/* One slot closer and it is found (and so is the record after it),
	 * with the hole as missing. */
	journal_rec_encode(rec, 3 + JOURNAL_GAP_SLOTS, 5);
	ck_assert_int_eq(pwrite(fd, rec, sizeof(rec),
	    (off_t)(2 + JOURNAL_GAP_SLOTS) * JOURNAL_REC_SIZE),
	    JOURNAL_REC_SIZE);
	ck_assert_int_eq(journal_scan(fd, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.js_last, 4 + JOURNAL_GAP_SLOTS);
	ck_assert_int_eq(s.js_count, 5);
	ck_assert_int_eq(s.js_nmissing, JOURNAL_GAP_SLOTS - 1);
	ck_assert_msg(s.js_missing[0] == 4 &&
	    s.js_missing[JOURNAL_MISSING_MAX - 1] == 3 + JOURNAL_MISSING_MAX,
	    "missing keeps the first JOURNAL_MISSING_MAX seqs");
	close(fd);
	unlink(path);
}
END_TEST

START_TEST(test_summary_json)
{
	struct journal_summary s;
	char buf[2048], small[16];

	memset(&s, 0, sizeof(s));
	s.js_first = 1;
	s.js_last = 5;
	s.js_count = 3;
	s.js_nmissing = 2;
	s.js_missing[0] = 2;
	s.js_missing[1] = 4;
	ck_assert_int_eq(journal_summary_json(&s, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "{\"first\":1,\"last\":5,\"count\":3,"
	    "\"missing_count\":2,\"missing\":[2,4]}");
	ck_assert_msg(journal_summary_json(&s, small, sizeof(small)) == -1,
	    "a too small buffer is an error, not a truncated JSON");
}
END_TEST

Suite *
make_guest_journal_suite(void)
{
	Suite *s = suite_create("guest_journal");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_crc32_reference);
	tcase_add_test(tc, test_record_roundtrip);
	tcase_add_test(tc, test_record_corruption);
	tcase_add_test(tc, test_scan_missing);
	tcase_add_test(tc, test_scan_empty_and_gap);
	tcase_add_test(tc, test_summary_json);
	suite_add_tcase(s, tc);
	return s;
}
