#!/usr/bin/env python3
"""mkxva.py - build a XenServer/XCP-ng export (XVA) from raw disks, by the
layout XAPI writes (ocaml/xapi/export.ml, stream_vdi.ml), for tests.

An XVA is a tar: ova.xml first (an XML-RPC struct {version, objects};
objects are {class, id, snapshot} records with references rewritten to
"Ref:N"), then each VDI's data as members "Ref:N/NNNNNNNN" of 1 MiB (the
last one shorter when the size is not a multiple), each followed by its
checksum member: ".xxhash" (XXH64, 16 upper case hex digits, XAPI's
default) or ".checksum" (SHA-1, lower case hex, older exports).  Chunks
of zeros are left out, except the first and the last.

usage: mkxva.py [--sha1] [--name NAME] [--vcpus N] [--memory-mib N]
                [--network NAME]... RAW... OUT.xva
Standard library only.
"""
import argparse
import hashlib
import io
import os
import struct
import sys
import tarfile
import time
from xml.sax.saxutils import escape

CHUNK = 1 << 20
M64 = (1 << 64) - 1
P1 = 11400714785074694791
P2 = 14029467366897019727
P3 = 1609587929392839161
P4 = 9650029242287828579
P5 = 2870177450012600261


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def xxh_round(acc, lane):
    return (rotl((acc + lane * P2) & M64, 31) * P1) & M64


def xxh_merge(h, v):
    return (((h ^ xxh_round(0, v)) * P1) + P4) & M64


def xxh64(data, seed=0):
    """XXH64 of data (bytes), as the xxHash reference computes it."""
    n, i = len(data), 0
    if n >= 32:
        v = [(seed + P1 + P2) & M64, (seed + P2) & M64, seed,
             (seed - P1) & M64]
        stripes = n // 32
        for lanes in struct.iter_unpack("<4Q", data[:stripes * 32]):
            v = [xxh_round(v[k], lanes[k]) for k in range(4)]
        i = stripes * 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) +
             rotl(v[3], 18)) & M64
        for k in range(4):
            h = xxh_merge(h, v[k])
    else:
        h = (seed + P5) & M64
    h = (h + n) & M64
    while i + 8 <= n:
        h ^= xxh_round(0, struct.unpack_from("<Q", data, i)[0])
        h = (rotl(h, 27) * P1 + P4) & M64
        i += 8
    if i + 4 <= n:
        h ^= (struct.unpack_from("<I", data, i)[0] * P1) & M64
        h = (rotl(h, 23) * P2 + P3) & M64
        i += 4
    while i < n:
        h ^= (data[i] * P5) & M64
        h = (rotl(h, 11) * P1) & M64
        i += 1
    h ^= h >> 33
    h = (h * P2) & M64
    h ^= h >> 29
    h = (h * P3) & M64
    h ^= h >> 32
    return h


def value(v):
    """An XML-RPC <value> of a str, an int, a list or a dict."""
    if isinstance(v, dict):
        members = "".join("<member><name>%s</name>%s</member>" %
                          (escape(k), value(x)) for k, x in v.items())
        return "<value><struct>%s</struct></value>" % members
    if isinstance(v, list):
        return "<value><array><data>%s</data></array></value>" % \
            "".join(value(x) for x in v)
    if isinstance(v, bool):
        return "<value><boolean>%d</boolean></value>" % v
    if isinstance(v, int):
        return "<value><i4>%d</i4></value>" % v
    return "<value>%s</value>" % escape(v)


def objects(args, sizes):
    """The records of one VM, its disks and NICs, as XAPI exports them."""
    vm, sr = "Ref:0", "Ref:1"
    vbds, vdis, vifs, nets, objs = [], [], [], [], []
    ref = 2
    for i, size in enumerate(sizes):
        vbd, vdi = "Ref:%d" % ref, "Ref:%d" % (ref + 1)
        ref += 2
        vbds.append(vbd)
        vdis.append(vdi)
        objs.append({"class": "VBD", "id": vbd, "snapshot": {
            "VM": vm, "VDI": vdi, "userdevice": str(i), "type": "Disk",
            "mode": "RW", "bootable": i == 0, "empty": False}})
        objs.append({"class": "VDI", "id": vdi, "snapshot": {
            "name_label": "%s disk %d" % (args.name, i), "SR": sr,
            "virtual_size": str(size), "type": "user", "VBDs": [vbd]}})
    for i, name in enumerate(args.network):
        vif, net = "Ref:%d" % ref, "Ref:%d" % (ref + 1)
        ref += 2
        vifs.append(vif)
        objs.append({"class": "VIF", "id": vif, "snapshot": {
            "VM": vm, "network": net, "device": str(i),
            "MAC": "52:54:00:12:34:%02x" % (0x56 + i), "MTU": "1500"}})
        objs.append({"class": "network", "id": net, "snapshot": {
            "name_label": name, "bridge": "xenbr%d" % i, "VIFs": [vif]}})
    objs.insert(0, {"class": "VM", "id": vm, "snapshot": {
        "name_label": args.name, "is_a_template": False,
        "is_a_snapshot": False, "power_state": "Halted",
        "VCPUs_max": str(args.vcpus), "VCPUs_at_startup": str(args.vcpus),
        "memory_static_max": str(args.memory_mib << 20),
        "memory_dynamic_max": str(args.memory_mib << 20),
        "VBDs": vbds, "VIFs": vifs}})
    objs.insert(1, {"class": "SR", "id": sr, "snapshot": {
        "name_label": "Local storage", "VDIs": vdis}})
    return objs


def ova_xml(args, sizes):
    version = {"hostname": "mkxva", "date": time.strftime("%Y-%m-%d"),
               "product_version": "8.2.1", "product_brand": "XCP-ng",
               "build_number": "release/yangtze", "xapi_major": 1,
               "xapi_minor": 20, "export_vsn": 2}
    return value({"version": version, "objects": objects(args, sizes)})


def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def add_vdi(tar, prefix, path, size, sha1):
    last = (size - 1) // CHUNK
    with open(path, "rb") as f:
        for n in range(last + 1):
            data = f.read(CHUNK)
            if n not in (0, last) and data.count(0) == len(data):
                continue
            name = "%s/%08d" % (prefix, n)
            add(tar, name, data)
            if sha1:
                add(tar, name + ".checksum",
                    hashlib.sha1(data).hexdigest().encode())
            else:
                add(tar, name + ".xxhash", b"%016X" % xxh64(data))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sha1", action="store_true",
                   help="SHA-1 .checksum members instead of .xxhash")
    p.add_argument("--name", default="xva-vm")
    p.add_argument("--vcpus", type=int, default=1)
    p.add_argument("--memory-mib", type=int, default=128)
    p.add_argument("--network", action="append", default=[])
    p.add_argument("files", nargs="+", metavar="RAW... OUT.xva")
    args = p.parse_args()
    if len(args.files) < 2:
        p.error("give at least one raw disk and the output file")
    raws, out = args.files[:-1], args.files[-1]
    sizes = [os.path.getsize(r) for r in raws]
    if 0 in sizes:
        p.error("a disk of 0 bytes")
    with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as tar:
        add(tar, "ova.xml", ova_xml(args, sizes).encode())
        for i, raw in enumerate(raws):
            add_vdi(tar, "Ref:%d" % (3 + 2 * i), raw, sizes[i], args.sha1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
