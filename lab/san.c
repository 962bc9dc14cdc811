/*
 * san.c - the lab's SAN: tgtd (the userspace iSCSI target) run by the SAN
 * node's init in its own namespaces, one target (the topology's IQN) with
 * one LUN per `san.luns` entry, each a sparse file in the SAN's disk
 * directory.  Hosts reach it with QEMU's libiscsi driver:
 * iscsi://PORTAL/IQN/LUN.
 *
 * tgtd's control socket is /var/run/tgtd/socket.0; the SAN node has its
 * own tmpfs /run, so several labs' tgtd (and the machine's own) never
 * share it and no --control-port is needed.  Targets are not persistent in
 * tgtd: targets.sh recreates them at every boot of the SAN node.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "err.h"
#include "lab/lab.h"
#include "lab/san.h"

void
san_lun_path(const char *dir, int n, char *buf, size_t len)
{
	snprintf(buf, len, "%s/disk/lun%d.img", dir, n);
}

static int
make_lun(const char *path, uint64_t size, char *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_errno(err, "%s", path);
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return err_errno(err, "%s: set size", path);
	}
	close(fd);
	return 0;
}

int
san_write(const struct lab *lab, const char *dir, char *err)
{
	const struct topo_san *s = &lab->l_topo.t_san;
	char path[LAB_PATH_MAX + 32], lun[LAB_PATH_MAX + 32], *buf = NULL;
	size_t len;
	FILE *f;
	int i, rc;

	snprintf(path, sizeof(path), "%s/disk", dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_errno(err, "%s", path);
	for (i = 0; i < s->s_nluns; i++) {
		san_lun_path(dir, i + 1, lun, sizeof(lun));
		if (access(lun, F_OK) != 0 &&
		    make_lun(lun, s->s_luns[i].l_size, err) < 0)
			return -1;
	}
	snprintf(path, sizeof(path), "%s/services", dir);
	snprintf(lun, sizeof(lun),
	    "# written by hvlab lab up: the lab's iSCSI target\n"
	    "run mkdir -p /run/tgtd\n"
	    "daemon tgtd -f\n"
	    "run /bin/sh %s/targets.sh\n", dir);
	if (lab_write_file(path, lun, 0, err) < 0)
		return -1;

	snprintf(path, sizeof(path), "%s/targets.sh", dir);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return err_errno(err, "open_memstream");
	fprintf(f, "# written by hvlab lab up: target and LUNs of the SAN\n"
	    "set -e\n"
	    "i=0; until tgtadm --lld iscsi --mode target --op show "
	    ">/dev/null 2>&1; do i=$((i+1)); [ $i -lt 400 ] || exit 1; "
	    "sleep 0.05; done\n"
	    "tgtadm --lld iscsi --mode target --op new --tid 1 "
	    "--targetname %s\n", s->s_iqn);
	for (i = 0; i < s->s_nluns; i++) {
		san_lun_path(dir, i + 1, lun, sizeof(lun));
		fprintf(f, "tgtadm --lld iscsi --mode logicalunit --op new "
		    "--tid 1 --lun %d --backing-store %s\n", i + 1, lun);
	}
	fprintf(f, "tgtadm --lld iscsi --mode target --op bind --tid 1 "
	    "--initiator-address ALL\n");
	if (fclose(f) != 0 || buf == NULL)
		return err_set(err, "%s: out of memory", path);
	rc = lab_write_file(path, buf, 0, err);
	free(buf);
	return rc;
}
