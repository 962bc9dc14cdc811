#!/usr/bin/env python3
"""pve-schema-extract.py - the Proxmox VE API endpoints the proxmox driver
calls, with their full parameter schemas, out of the API viewer's schema
(pve-docs: api-viewer/apidata.js), for the fixture server that checks the
driver's requests (tests/fixtures/pve_fixture.py).

    tools/pve-schema-extract.py PVE-DOCS-CHECKOUT/api-viewer/apidata.js \
        COMMIT > tests/fixtures/pve-api-subset.json

The output keeps, per endpoint and method, the parameters' properties
(type, optional, enum, pattern, minimum, maximum, format, maxLength,
minLength, default) and the return schema; descriptions, type texts and
permissions are dropped.  An endpoint of ENDPOINTS missing from the file
is an error: a driver must not call what the reference does not have.
"""
import json
import re
import sys

# path -> the methods the driver uses (scenarios/drivers/proxmox.c)
ENDPOINTS = {
    "/version": ["GET"],
    "/access/ticket": ["POST"],
    "/cluster/status": ["GET"],
    "/cluster/nextid": ["GET"],
    "/cluster/resources": ["GET"],
    "/cluster/ha/resources": ["GET", "POST"],
    "/cluster/ha/resources/{sid}": ["DELETE", "PUT"],
    "/cluster/ha/rules": ["GET", "POST"],
    "/cluster/ha/rules/{rule}": ["DELETE"],
    "/cluster/ha/groups": ["GET", "POST"],
    "/cluster/ha/groups/{group}": ["DELETE"],
    "/cluster/options": ["GET", "PUT"],
    "/cluster/ha/status/current": ["GET"],
    "/nodes": ["GET"],
    "/nodes/{node}/status": ["GET"],
    "/nodes/{node}/rrddata": ["GET"],
    "/nodes/{node}/storage": ["GET"],
    "/nodes/{node}/tasks/{upid}/status": ["GET"],
    "/nodes/{node}/tasks/{upid}/log": ["GET"],
    "/nodes/{node}/vzdump": ["POST"],
    "/nodes/{node}/network": ["GET", "POST", "PUT"],
    "/nodes/{node}/network/{iface}": ["PUT"],
    "/nodes/{node}/qemu": ["GET", "POST"],
    "/nodes/{node}/qemu/{vmid}": ["DELETE"],
    "/nodes/{node}/qemu/{vmid}/status/current": ["GET"],
    "/nodes/{node}/qemu/{vmid}/status/start": ["POST"],
    "/nodes/{node}/qemu/{vmid}/status/stop": ["POST"],
    "/nodes/{node}/qemu/{vmid}/status/shutdown": ["POST"],
    "/nodes/{node}/qemu/{vmid}/migrate": ["POST"],
    "/nodes/{node}/qemu/{vmid}/snapshot": ["POST"],
    "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}": ["DELETE"],
    "/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback": ["POST"],
    "/nodes/{node}/qemu/{vmid}/clone": ["POST"],
    "/nodes/{node}/qemu/{vmid}/template": ["POST"],
    "/nodes/{node}/qemu/{vmid}/config": ["POST"],
    "/storage": ["GET", "POST"],
}

KEEP = ("type", "optional", "enum", "pattern", "minimum", "maximum",
        "format", "maxLength", "minLength", "default", "requires",
        "instance-types", "type-property")

SINCE_NOTE = ("What a version before 'since' lacks (the fixture's --version "
              "drops it): the endpoint, or one key or enum value of a "
              "property-string parameter.")

# PUT /cluster/options: only the parameters the driver sends.
ONLY = {("/cluster/options", "PUT"): ("crs", "delete")}

# What versions before "since" lack, for the fixture's --version: run
# this script on the newest apidata.js; these entries come from the older
# versions' schemas (pve-cluster's DataCenterConfig.pm, pve-ha-manager).
SINCE = [{"path": "/cluster/ha/rules", "since": "9.0"},
         {"path": "/cluster/ha/rules/{rule}", "since": "9.0"},
         {"path": "/cluster/options", "method": "PUT", "param": "crs",
          "key": "ha", "value": "dynamic", "since": "9.2"}] + \
    [{"path": "/cluster/options", "method": "PUT", "param": "crs", "key": k,
      "since": "9.2"} for k in ("ha-auto-rebalance",
                                "ha-auto-rebalance-hold-duration",
                                "ha-auto-rebalance-margin",
                                "ha-auto-rebalance-method",
                                "ha-auto-rebalance-threshold")]


def load(path):
    """apidata.js is 'var pveapi = [ ... ];': the JSON between."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"=\s*(\[.*\])\s*;", text, re.S)
    if m is None:
        sys.exit("%s: no 'var pveapi = [...];' in it" % path)
    return json.loads(m.group(1))


def walk(nodes, out):
    for n in nodes:
        out[n.get("path")] = n.get("info", {})
        walk(n.get("children", []), out)


def slim_one(v):
    out = {a: v[a] for a in KEEP if a in v}
    if isinstance(out.get("format"), dict):
        out["format"] = {k: slim_one(f) for k, f in out["format"].items()}
    return out


def slim(schema, only=None):
    props = schema.get("properties", {}) if schema else {}
    return {k: slim_one(v) for k, v in sorted(props.items())
            if only is None or k in only}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pve-schema-extract.py APIDATA.JS COMMIT")
    paths = {}
    walk(load(sys.argv[1]), paths)
    out, missing = {}, []
    for path, methods in ENDPOINTS.items():
        for m in methods:
            info = paths.get(path, {}).get(m)
            if info is None:
                missing.append("%s %s" % (m, path))
                continue
            out.setdefault(path, {})[m] = {
                "parameters": slim(info.get("parameters"),
                                   ONLY.get((path, m))),
                "returns": info.get("returns", {}),
            }
    if missing:
        sys.exit("not in %s: %s" % (sys.argv[1], ", ".join(missing)))
    doc = {"_source": {"repo": "proxmox/pve-docs",
                       "file": "api-viewer/apidata.js",
                       "commit": sys.argv[2],
                       "extracted_by": "tools/pve-schema-extract.py"},
           "_since": {"_note": SINCE_NOTE, "entries": SINCE},
           "endpoints": out}
    json.dump(doc, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
