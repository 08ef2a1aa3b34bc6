#!/bin/sh
# Seeds fuzz/corpus/<target>/ from the shared conformance data (go.mod and go.work
# fixtures, zip txtars, semver/module/note/tlog vectors). The corpus directories are
# not committed: run this once before fuzzing (it only adds files; libFuzzer adds its
# own finds next to them).
#
#   fuzz/seed.sh [conformance-dir]     default: ../shared/conformance beside the repo
#
# Needs python3 (JSON vectors, and zips built from txtars with its zipfile module).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
conf=${1:-$here/../../shared/conformance}
[ -d "$conf/vectors" ] || { echo "seed.sh: no conformance data at $conf" >&2; exit 1; }
exec python3 - "$conf" "$here/corpus" <<'EOF'
import hashlib, io, json, os, sys, warnings, zipfile

warnings.simplefilter("ignore")  # zipfile warns about the duplicate names we want

conf, out = sys.argv[1], sys.argv[2]

def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

def vectors(name):
    with open(os.path.join(conf, "vectors", name)) as f:
        return json.load(f)

def txtar(path):
    """(comment, [(name, bytes)]) as the README of the conformance data defines txtar."""
    with open(path, "rb") as f:
        data = f.read()
    files, comment, name, body = [], None, None, []
    lines = data.split(b"\n")
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        text = line if last else line + b"\n"
        if line.startswith(b"-- ") and line.endswith(b" --") and len(line) >= 6:
            if name is None:
                comment = b"".join(body)
            else:
                files.append((name, b"".join(body)))
            name, body = line[3:-3].strip(), []
        elif text:
            body.append(text)
    if name is None:
        comment = b"".join(body)
    else:
        files.append((name, b"".join(body)))
    return comment or b"", files

def walk(d):
    for root, _, names in os.walk(d):
        for n in sorted(names):
            yield os.path.join(root, n)

# modfile: go.mod and go.work fixtures, and every go.mod of the test proxy's modules.
for p in walk(os.path.join(conf, "modfile")):
    with open(p, "rb") as f:
        put("modfile", f.read())
for p in walk(os.path.join(conf, "proxy_modules")):
    for name, body in txtar(p)[1]:
        if name in (b".mod", b"go.mod"):
            put("modfile", body)
for case in vectors("modfile.json").get("fix_version", []):
    if "want" in case:
        put("modfile", case["want"])

# gosum: real go.sum files and the checksum database's records.
k = vectors("known_hashes.json")
put("gosum", "\n".join(k["gosumcheck_test_sum"]["lines"]) + "\n")
for r in k["sumdb_test_records"]:
    put("gosum", r["lines"])
if isinstance(k.get("golang_mod_go_sum"), dict) and "lines" in k["golang_mod_go_sum"]:
    put("gosum", "\n".join(k["golang_mod_go_sum"]["lines"]) + "\n")
lines = [m["sumdb_record"] for m in json.load(open(os.path.join(conf, "proxy_modules.json")))["modules"] if m.get("sumdb_record")]
put("gosum", "".join(lines))

# zip: the files of zip txtars and test-proxy modules as module zips of
# example.com/h@v1.0.0 (the module the target downloads), in three layouts; the first
# byte is the target's chunking header (none, or three odd sizes).
PREFIX = b"example.com/h@v1.0.0/"
def zips(entries):
    out = []
    for method, seekable in ((zipfile.ZIP_DEFLATED, True), (zipfile.ZIP_DEFLATED, False), (zipfile.ZIP_STORED, True)):
        buf = io.BytesIO()
        sink = buf if seekable else Unseekable(buf)
        with zipfile.ZipFile(sink, "w", method) as z:
            for name, body in entries:
                z.writestr(zipfile.ZipInfo(name.decode("utf-8", "surrogateescape")), body, compress_type=method)
        out.append(buf.getvalue())
    return out

class Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it writes data descriptors."""
    def __init__(self, buf): self.buf = buf
    def writable(self): return True
    def write(self, b): return self.buf.write(b)
    def tell(self): return self.buf.tell()
    def seekable(self): return False
    def flush(self): pass

def reprefix(name):
    """path@version/rest → PREFIX + rest; other names unchanged."""
    at = name.find(b"@")
    slash = name.find(b"/", at) if at >= 0 else -1
    return PREFIX + name[slash + 1:] if slash >= 0 else name

sets = []
for sub in ("create", "create_from_dir", "unzip", "check_zip"):
    for p in walk(os.path.join(conf, "zip", sub)):
        comment, files = txtar(p)
        files = [(n, b) for n, b in files if n != b"want"]
        if sub in ("unzip", "check_zip"):
            # Entries carry their own path@version/ prefix: put the target's there.
            sets.append([(reprefix(n), b) for n, b in files])
        else:
            sets.append([(PREFIX + n, b) for n, b in files])
for p in walk(os.path.join(conf, "proxy_modules")):
    files = [(n, b) for n, b in txtar(p)[1] if not n.startswith(b".")]
    if files and sum(len(b) for _, b in files) < 16 << 10:
        sets.append([(PREFIX + n, b) for n, b in files])
for entries in sets:
    try:
        built = zips(entries)
    except (ValueError, UnicodeError):
        continue
    for z in built:
        put("zip", b"\x00" + z)
    put("zip", b"\x03\x00\x06\x83" + built[1])

# note: signed notes, keys and texts from the note vectors.
n = vectors("note.json")
for case in n["open"]:
    if "msg" in case:
        put("note", case["msg"])
    elif "msg_hex" in case:
        put("note", bytes.fromhex(case["msg_hex"]))
for case in n["sign"]:
    put("note", case["text"])
    if "output" in case:
        put("note", case["output"])
for key in n["keys"]:
    put("note", key["verifier_key"])
    put("note", key["signer_key"])
for case in n["verifier_key_invalid"]:
    put("note", case["key"])

# tile: tree heads, records and tile paths.
t = vectors("tlog.json")
for case in t["parse_tree"]:
    put("tile", case["text"])
for case in t["parse_record"]:
    put("tile", bytes.fromhex(case["input_hex"]) if "input_hex" in case else case["input"])
for case in t["tile_paths"]:
    put("tile", case["path"])
for case in t["new_tiles"]:
    for p in case.get("tiles", []):
        put("tile", p)

# semver: versions, module paths and pseudo-versions, three to an input.
s = vectors("semver.json")
versions = [c["input"] for c in s["cases"]]
m = vectors("module_paths.json")
paths = [c["path"] for c in m["check_path"]] + [c["escaped"] for c in m["escape"]]
pv = vectors("pseudo.json")
pseudo = [c["version"] for c in pv["pseudo_versions"]] + [c["older"] for c in pv["pseudo_versions"]]
for group in (versions, paths, pseudo):
    for i in range(len(group)):
        put("semver", "\n".join(group[i:i + 3]))

for target in sorted(os.listdir(out)):
    print(f"{target}: {len(os.listdir(os.path.join(out, target)))} files in corpus/{target}")
EOF
