/*
 * labssh.c - `ssh: true` in a netns lab: an OpenSSH server in each host,
 * so the lab can stand in for real servers reached by SSH (the remote
 * provider, docs/remote.md).
 *
 * Everything lives under the lab's state directory and nothing of the
 * machine's /etc/ssh or /root/.ssh is read or changed: the lab's client
 * key pair and the hosts' known_hosts in <state>/ssh/, each host's own
 * host key and sshd_config in <state>/<host>/.  sshd runs as a respawned
 * service of the host's init (the lab's own service file, like its Open
 * vSwitch), listening on the host's management address only, inside the
 * host's namespaces: nothing outside the lab's namespaces reaches it.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "err.h"
#include "proc.h"
#include "lab/hostdisk.h"
#include "lab/labssh.h"

#define KEYGEN_TIMEOUT_MS 30000

/* ssh-keygen of an ed25519 pair at path (path.pub beside it), unless it
 * exists already. */
static int
keygen(const char *path, const char *comment, char *err)
{
	const char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "",
	    "-C", comment, "-f", path, NULL };

	if (access(path, F_OK) == 0)
		return 0;
	if (proc_run(argv, NULL, KEYGEN_TIMEOUT_MS, NULL, err) < 0)
		return -1;
	if (chmod(path, 0600) < 0)
		return err_errno(err, "chmod %s", path);
	return 0;
}

/* The first line of a small file into buf, without its newline. */
static int
read_line(const char *path, char *buf, size_t len, char *err)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return err_errno(err, "%s", path);
	if (fgets(buf, (int)len, f) == NULL) {
		fclose(f);
		return err_set(err, "%s: empty", path);
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* <state>/ssh/: the lab's key pair and authorized_keys (made once). */
static int
lab_keys(const struct lab *lab, char *err)
{
	char dir[LAB_PATH_MAX + 8], key[LAB_PATH_MAX + 32];
	char pub[LAB_PATH_MAX + 40], auth[LAB_PATH_MAX + 40], line[512];

	snprintf(dir, sizeof(dir), "%s/ssh", lab->l_state);
	if (mkdir(dir, 0700) < 0 && access(dir, F_OK) < 0)
		return err_errno(err, "%s", dir);
	snprintf(key, sizeof(key), "%s/id_ed25519", dir);
	snprintf(pub, sizeof(pub), "%s.pub", key);
	snprintf(auth, sizeof(auth), "%s/authorized_keys", dir);
	if (access(auth, F_OK) == 0)
		return 0;
	if (keygen(key, "hvlab-lab", err) < 0 ||
	    read_line(pub, line, sizeof(line) - 1, err) < 0)
		return -1;
	strcat(line, "\n");
	return lab_write_file(auth, line, 0, err);
}

/* The host's sshd_config in dir: its management address only, keys
 * under the lab's state, no password and no PAM. */
static int
host_config(const struct lab *lab, const char *dir, const char *addr,
    char *err)
{
	char path[LAB_PATH_MAX + 32], text[2048];

	snprintf(text, sizeof(text), "# written by hvlab lab up (ssh: true)\n"
	    "ListenAddress %s:22\nHostKey %s/ssh_host_ed25519_key\n"
	    "AuthorizedKeysFile %s/ssh/authorized_keys\nPidFile none\n"
	    "UsePAM no\nPermitRootLogin prohibit-password\n"
	    "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
	    /* the state directory may sit under /tmp (HVLAB_STATE_DIR) */
	    "StrictModes no\nPrintMotd no\nUseDNS no\n"
	    "Subsystem sftp internal-sftp\n", addr, dir, lab->l_state);
	snprintf(path, sizeof(path), "%s/sshd_config", dir);
	return lab_write_file(path, text, 0, err);
}

/*
 * A home of the host's own for root: a private /root (tmpfs) at every
 * boot.  A server's root has its own dotfiles; the lab's hosts would
 * otherwise share this machine's, and a shell that sshd starts runs its
 * ~/.bashrc (a `pyenv rehash` there waited on a stale lock, and every
 * command over SSH with it).  Not when the lab's state lives under
 * /root: sshd reads the lab's keys there.
 */
static int
own_root(const struct lab *lab, const char *dir, char *err)
{
	static const char *const tmpfs[] = { "/root", NULL };
	char disk[LAB_PATH_MAX + 8];

	if (strncmp(lab->l_state, "/root/", 6) == 0)
		return 0;
	snprintf(disk, sizeof(disk), "%s/disk", dir);
	return hostdisk_declare(disk, 0, NULL, tmpfs, err);
}

int
labssh_write_host(const struct lab *lab, const struct topo_host *h,
    const char *dir, char *err)
{
	char key[LAB_PATH_MAX + 32], line[1024], path[LAB_PATH_MAX + 40];
	char addr[16];

	topo_addr_str(h->h_mgmt_addr, addr, sizeof(addr));
	snprintf(key, sizeof(key), "%s/ssh_host_ed25519_key", dir);
	if (lab_keys(lab, err) < 0 || keygen(key, h->h_name, err) < 0 ||
	    host_config(lab, dir, addr, err) < 0)
		return err_prefix(err, "ssh");
	/* known_hosts: "ADDR ssh-ed25519 AAAA... host1" */
	snprintf(path, sizeof(path), "%s.pub", key);
	memcpy(line, addr, strlen(addr));
	line[strlen(addr)] = ' ';
	if (read_line(path, line + strlen(addr) + 1, sizeof(line) -
	    strlen(addr) - 2, err) < 0)
		return err_prefix(err, "ssh");
	strcat(line, "\n");
	snprintf(path, sizeof(path), "%s/ssh/known_hosts", lab->l_state);
	if (lab_write_file(path, line, 1, err) < 0)
		return err_prefix(err, "ssh");
	if (own_root(lab, dir, err) < 0)
		return err_prefix(err, "ssh");
	/* respawn: sshd exits when the host's address is not there yet,
	 * and comes back a second later */
	snprintf(line, sizeof(line), "run mkdir -p /run/sshd\n"
	    "respawn /usr/sbin/sshd -D -e -f %s/sshd_config\n", dir);
	snprintf(path, sizeof(path), "%s/services", dir);
	return lab_write_file(path, line, 1, err);
}
