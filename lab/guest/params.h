/*
 * params.h - the guest's boot parameters: the hvlab.* words of the kernel
 * command line and of the firmware's SMBIOS OEM strings (type 11).
 *
 * A guest booted by QEMU's -kernel gets everything on its command line.
 * A guest booted from its disk has the command line of the disk's
 * bootloader, the same for every VM made from that disk, so what makes a
 * VM itself (its name, its address) comes from the VM's firmware instead:
 * hvd hands a disk-booted VM's "cmdline" to it as OEM strings
 * (-smbios type=11), which the kernel shows in
 * /sys/firmware/dmi/entries/11-N/raw.  Those words come after the command
 * line's, and a later word wins.
 */
#ifndef HV_GUEST_PARAMS_H
#define HV_GUEST_PARAMS_H

#include <stddef.h>

#define GUEST_CMDLINE	"/proc/cmdline"
#define GUEST_DMI_DIR	"/sys/firmware/dmi/entries"
#define GUEST_PARAMS_MAX 4096	/* command line plus OEM strings */

struct guest_params {
	char	gp_name[64];	/* hvlab.name=, default "guest" */
	char	gp_ip[64];	/* hvlab.ip= ADDR/NN; "" when not configured */
	char	gp_gw[64];	/* hvlab.gw=; "" when none */
	char	gp_disk[128];	/* hvlab.disk=: default journal device */
	char	gp_data[128];	/* hvlab.data=: partition to mount on /data */
	int	gp_debug;	/* hvlab.debug=1 */
	int	gp_shell;	/* hvlab.shell=1 */
};

/* Defaults: name "guest", nothing else. */
void guest_params_init(struct guest_params *p);

/* Take the hvlab.* words of text (blank-separated); others are ignored. */
void guest_params_parse(struct guest_params *p, const char *text);

/*
 * The strings of one raw SMBIOS type 11 structure (as in
 * /sys/firmware/dmi/entries/11-N/raw) joined by spaces into out.  0, or
 * -1 with a sentence in err when the structure is not one, a string runs
 * past its end, or out is too small.
 */
int guest_smbios_oem(const unsigned char *raw, size_t len, char *out,
    size_t outlen, char *err, size_t errlen);

/*
 * Defaults, then the words of the file cmdline, then (dmi_dir not NULL)
 * those of every OEM strings structure under dmi_dir.  Returns the number
 * of OEM structures read; a malformed one is skipped and said in err
 * (err[0] stays 0 otherwise).
 */
int guest_params_read(struct guest_params *p, const char *cmdline,
    const char *dmi_dir, char *err, size_t errlen);

#endif
