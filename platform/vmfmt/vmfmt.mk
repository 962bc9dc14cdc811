# platform/vmfmt/: VM and disk import/export formats (qemu-img, OVF, OVA,
# XVA), docs/import-export.md.  hvd links all of it; hvctl's image
# commands and the programs with hvlab's drivers (hvlab, the test drivers
# pvedrive and xapidrive: the libvirt driver's export and import) link all
# but the VM config mapping (vmconf.c).
VMFMT_SRCS := platform/vmfmt/vmfmt.c platform/vmfmt/vmdir.c \
	platform/vmfmt/disk.c platform/vmfmt/ovf.c platform/vmfmt/manifest.c \
	platform/vmfmt/xva_meta.c platform/vmfmt/pkg.c platform/vmfmt/ova.c \
	platform/vmfmt/ovfdir.c platform/vmfmt/xva.c
PLATFORM_SRCS += $(VMFMT_SRCS) platform/vmfmt/vmconf.c
HVCTL_SRCS += platform/hvctl_image.c
bin/hvctl: $(patsubst %.c,$(OBJ)/%.o,$(VMFMT_SRCS))
bin/hvlab $(BUILD)/pvedrive $(BUILD)/xapidrive: \
	$(patsubst %.c,$(OBJ)/%.o,$(VMFMT_SRCS))
