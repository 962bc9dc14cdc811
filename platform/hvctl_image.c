/*
 * hvctl_image.c - hvctl's image commands: disk images and VM packages
 * on this node's files, through platform/vmfmt/ (docs/import-export.md).
 * They speak to no hvd: info and convert work on disk images, the
 * import commands make a new directory (vm.json and qcow2 disks) from an
 * OVA, an OVF or an XVA, export-ova and export-ovf make an OVA or an OVF
 * of such a directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "platform/hvctl.h"
#include "platform/vmfmt/vmfmt.h"

static const struct cmd image_cmds[];

static struct {
	const char *from, *to;
	struct vmfmt_limits lim;
} io;

static int
image_opt(int ch, const char *arg)
{
	long gib;

	switch (ch) {
	case 'f':
		io.from = arg;
		return 0;
	case 'O':
		io.to = arg;
		return 0;
	case 'm':
		if (hvctl_num(arg, &gib) < 0 || gib < 1 || gib > (1L << 20)) {
			fprintf(stderr, "hvctl image: --max-disk-gib must be "
			    "1..1048576\n");
			return -1;
		}
		io.lim.vl_disk_max = (int64_t)gib << 30;
		return 0;
	}
	return -1;
}

/* Options, then exactly want operands from argv + *first: 0 or misuse. */
static int
operands(int argc, char **argv, int want, int *first)
{
	static const struct option o[] = {
		{ "max-disk-gib", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	int i = 0;

	vmfmt_limits_default(&io.lim);
	i = hvctl_getopt(argc, argv, o, "f:O:", image_opt);
	if (i < 0 || argc - i != want)
		return cmd_misuse("hvctl image", image_cmds, argv[0]);
	*first = i;
	return 0;
}

/* The format named by an option, or NULL after saying why. */
static const struct vmfmt_format *
format_opt(const char *name, const char *opt)
{
	const struct vmfmt_format *f = name ? vmfmt_format_find(name) : NULL;

	if (f == NULL)
		fprintf(stderr, "hvctl image: %s must be one of %s\n", opt,
		    vmfmt_format_names());
	return f;
}

static int
i_info(int argc, char **argv)
{
	const struct vmfmt_format *f;
	struct vmfmt_info vi;
	char err[ERR_LEN];
	int i = 0;

	if (operands(argc, argv, 1, &i) != 0)
		return 1;
	if ((f = format_opt(io.from, "-f")) == NULL)
		return 1;
	if (vmfmt_disk_check(argv[i], f, &io.lim, &vi, err) < 0) {
		fprintf(stderr, "hvctl image info: %s\n", err);
		return 1;
	}
	if (hv.json)
		printf("{\"format\": \"%s\", \"virtual_size\": %lld, "
		    "\"actual_size\": %lld}\n", f->vf_name,
		    (long long)vi.vi_virtual_size,
		    (long long)vi.vi_actual_size);
	else
		printf("%s: %s, virtual size %lld bytes, %lld bytes on disk\n",
		    argv[i], f->vf_name, (long long)vi.vi_virtual_size,
		    (long long)vi.vi_actual_size);
	return 0;
}

static int
i_convert(int argc, char **argv)
{
	const struct vmfmt_format *from, *to;
	char err[ERR_LEN];
	int i = 0;

	if (operands(argc, argv, 2, &i) != 0)
		return 1;
	if ((from = format_opt(io.from, "-f")) == NULL ||
	    (to = format_opt(io.to, "-O")) == NULL)
		return 1;
	if (vmfmt_disk_convert(argv[i], from, argv[i + 1], to, &io.lim,
	    err) < 0) {
		fprintf(stderr, "hvctl image convert: %s\n", err);
		return 1;
	}
	return 0;
}

static void
vm_print(const char *dir, const struct vmfmt_vm *vm)
{
	int i = 0;

	printf("%s: VM %s, %d vCPUs, %d MiB", dir, vm->vm_name, vm->vm_vcpus,
	    vm->vm_memory_mib);
	for (i = 0; i < vm->vm_ndisks; i++)
		printf(", disk %s (%lld bytes)", vm->vm_disks[i].vd_file,
		    (long long)vm->vm_disks[i].vd_capacity);
	for (i = 0; i < vm->vm_nnics; i++)
		printf(", NIC on %s", vm->vm_nics[i].vn_network);
	printf("\n");
}

/* import-ova, -ovf and -xva: the package argv[i] into the new dir. */
static int
i_import(int argc, char **argv)
{
	struct vmfmt_vm vm;
	char err[ERR_LEN];
	int i = 0, rc;

	if (operands(argc, argv, 2, &i) != 0)
		return 1;
	if (strcmp(argv[0], "import-ova") == 0)
		rc = ova_import(argv[i], argv[i + 1], &io.lim, &vm, err);
	else if (strcmp(argv[0], "import-ovf") == 0)
		rc = ovf_import(argv[i], argv[i + 1], &io.lim, &vm, err);
	else
		rc = xva_import(argv[i], argv[i + 1], &io.lim, &vm, err);
	if (rc < 0) {
		fprintf(stderr, "hvctl image %s: %s\n", argv[0], err);
		return 1;
	}
	vm_print(argv[i + 1], &vm);
	return 0;
}

static int
i_export(int argc, char **argv)
{
	char err[ERR_LEN];
	int i = 0;

	if (operands(argc, argv, 2, &i) != 0)
		return 1;
	if ((strcmp(argv[0], "export-ova") == 0 ?
	    ova_export(argv[i], argv[i + 1], &io.lim, err) :
	    ovf_export(argv[i], argv[i + 1], &io.lim, NULL, err)) < 0) {
		fprintf(stderr, "hvctl image %s: %s\n", argv[0], err);
		return 1;
	}
	return 0;
}

static const struct cmd image_cmds[] = {
	{ "info", i_info, "-f FORMAT [--max-disk-gib N] FILE",
	    "check a disk image (qemu-img info) and print its sizes" },
	{ "convert", i_convert, "-f FORMAT -O FORMAT [--max-disk-gib N] SRC "
	    "DST", "convert a disk image (raw, qcow2, vmdk, vmdk-stream, vhd, "
	    "vhd-fixed, vhdx)" },
	{ "import-ova", i_import, "[--max-disk-gib N] FILE.ova NEWDIR",
	    "import an OVA into a new directory (vm.json, qcow2 disks)" },
	{ "import-ovf", i_import, "[--max-disk-gib N] FILE.ovf NEWDIR",
	    "import an OVF descriptor and the files beside it" },
	{ "import-xva", i_import, "[--max-disk-gib N] FILE.xva NEWDIR",
	    "import a XenServer/XCP-ng XVA into a new directory" },
	{ "export-ova", i_export, "DIR FILE.ova",
	    "export an imported directory as an OVA" },
	{ "export-ovf", i_export, "DIR FILE.ovf",
	    "export an imported directory as FILE.ovf, .mf and -diskN.vmdk" },
	{ NULL, NULL, NULL, NULL }
};

int
hvctl_image_main(int argc, char **argv)
{
	return cmd_dispatch("hvctl image", image_cmds, argc - 1, argv + 1);
}
