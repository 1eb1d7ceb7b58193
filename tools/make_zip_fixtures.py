#!/usr/bin/env python3
# tools/make_zip_fixtures.py — the zip containers tests/pt2 reads beside torch 2.6's own archives:
# deflated, Zip64 and data-descriptor members, and the PT2 archive layouts of torch 2.8 and 2.9+
# and an AOTInductor package, built from ../shared/design/pt2.md (no torch of those versions runs here).
"""Usage: python3 tools/make_zip_fixtures.py [OUT_DIR]   (default tests/pt2/data)

Reads ../shared/data/torch26/pt2/mlp_training_ir.pt2 (a real torch 2.6 archive) for the program
JSON and the nested torch.save payloads the newer layouts carry, writes the fixtures and
manifest.json: per file, the layout aotkit must report, the root folder, and each member's size
and CRC-32. Plain Python 3 (zipfile, zlib); deterministic (fixed timestamps)."""
import io
import json
import os
import struct
import sys
import zipfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "..", "shared", "data", "torch26", "pt2", "mlp_training_ir.pt2")
STAMP = (2026, 12, 6, 0, 0, 0)


def members_of(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


class Unseekable(io.RawIOBase):
    """A write-only stream without seek/tell: zipfile then writes data descriptors (flag 0x08)."""

    def __init__(self):
        self.buf = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buf += b
        return len(b)


def write_zip(records, method=zipfile.ZIP_STORED, stream=None):
    out = stream if stream is not None else io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in records:
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = method
            z.writestr(info, data)
    return bytes(out.buf) if stream is not None else out.getvalue()


def write_zip64(records):
    """Every size and offset in Zip64 form: 0xFFFFFFFF in the 32-bit slots, the values in the
    extra field, and the Zip64 end record and locator (as a writer with Zip64 forced on does)."""
    out, central = bytearray(), bytearray()
    for name, data in records:
        n = name.encode()
        crc = zlib.crc32(data)
        offset = len(out)
        extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(n), len(extra))
        out += n + extra + data
        cextra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                               len(n), len(cextra), 0, 0, 0, 0, 0xFFFFFFFF)
        central += n + cextra
    cd_offset = len(out)
    out += central
    z64_at = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(records), len(records), len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, z64_at, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(out)


def main():
    sys.setrecursionlimit(100000)  # pickling the 10,000-deep list recurses
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "pt2", "data")
    os.makedirs(out_dir, exist_ok=True)
    legacy = members_of(SOURCE)
    program = legacy["serialized_exported_program.json"]
    weights, constants, inputs = (legacy[k] for k in ("serialized_state_dict.pt", "serialized_constants.pt",
                                                      "serialized_example_inputs.pt"))
    pt2_common = [("archive_format", b"pt2"), ("archive_version", b"0"), ("byteorder", b"little"),
                  (".data/version", b"6\n"), (".data/serialization_id", b"0" * 40)]
    # 2.9+ raw weights: two parameters viewing one record (the bias at offset 8), a constant of int64
    def meta(dtype, sizes, strides, offset, requires_grad):
        return {"dtype": dtype, "sizes": [{"as_int": x} for x in sizes], "requires_grad": requires_grad,
                "device": {"type": "cpu", "index": None}, "strides": [{"as_int": x} for x in strides],
                "storage_offset": {"as_int": offset}, "layout": 7}
    weight_values = [i * 0.5 - 2 for i in range(12)]
    weight_0 = struct.pack("<12f", *weight_values)
    raw_config = json.dumps({"config": {
        "linear.weight": {"path_name": "weight_0", "is_param": True, "use_pickle": False,
                          "tensor_meta": meta(7, [2, 4], [4, 1], 0, True)},
        "linear.bias": {"path_name": "weight_0", "is_param": True, "use_pickle": False,
                        "tensor_meta": meta(7, [4], [1], 8, True)}}}).encode()
    constants_config = json.dumps({"config": {
        "table": {"path_name": "tensor_0", "is_param": False, "use_pickle": False,
                  "tensor_meta": meta(5, [3], [1], 0, False)}}}).encode()
    raw_weights = {"linear.weight": {"shape": [2, 4], "dtype": "torch.float32", "values": weight_values[:8]},
                   "linear.bias": {"shape": [4], "dtype": "torch.float32", "values": weight_values[8:12]}}
    raw_constants = {"table": {"shape": [3], "dtype": "torch.int64", "values": [-7, 0, 9]}}
    fixtures = {
        # torch 2.6's legacy records again, deflated and under a root folder
        "legacy_deflated.pt2": ([("mlp/" + k, v) for k, v in legacy.items()], "deflated", "legacy_zip", "mlp/"),
        "legacy_zip64.pt2": (list(legacy.items()), "zip64", "legacy_zip", ""),
        "legacy_descriptors.pt2": (list(legacy.items()), "descriptors", "legacy_zip", ""),
        # torch 2.8: one root folder, models/<m>.json, weights as the nested torch.save of 2.6
        "archive_28.pt2": ([("archive_28/" + k, v) for k, v in pt2_common + [
            ("models/model.json", program), ("data/weights/model.pt", weights), ("data/constants/model.pt", constants),
            ("data/sample_inputs/model.pt", inputs), ("extra/notes.txt", b"built from the PT2 archive spec")]],
            "stored", "pt2_archive", "archive_28/"),
        # torch 2.9+: raw weight records and their config
        "archive_29.pt2": ([("archive_29/" + k, v) for k, v in pt2_common + [
            ("models/model.json", program), ("data/weights/model_weights_config.json", raw_config),
            ("data/weights/weight_0", weight_0), ("data/constants/model_constants_config.json", constants_config),
            ("data/constants/tensor_0", struct.pack("<3q", -7, 0, 9)),
            ("data/sample_inputs/model.pt", inputs)]], "stored", "pt2_archive_raw", "archive_29/"),
        # an AOTInductor package of torch 2.5-2.7: kernels, no program
        "aoti_package.pt2": ([("version", b"0"), ("archive_format", b"pt2"),
                              ("data/aotinductor/model/kernel.cpp", b"// generated kernels\n"),
                              ("data/aotinductor/model/kernel_metadata.json", b"{}")], "stored", "aoti_package", ""),
    }
    manifest = {}
    for name, (records, kind, layout, root) in fixtures.items():
        if kind == "zip64":
            data = write_zip64(records)
        elif kind == "descriptors":
            data = write_zip(records, zipfile.ZIP_DEFLATED, Unseekable())
        else:
            data = write_zip(records, zipfile.ZIP_DEFLATED if kind == "deflated" else zipfile.ZIP_STORED)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        with zipfile.ZipFile(io.BytesIO(data)) as z:  # Python's own reader must agree
            assert [i.filename for i in z.infolist()] == [r[0] for r in records], name
            assert z.testzip() is None, name
        manifest[name] = {"layout": layout, "root": root, "container": kind,
                          "members": {r[0]: {"size": len(r[1]), "crc32": zlib.crc32(r[1])} for r in records}}
        if layout == "pt2_archive_raw":
            manifest[name]["weights"], manifest[name]["constants"] = raw_weights, raw_constants
    # hostile: one name given to two members (zipfile warns and writes it; aotkit must refuse)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open(os.path.join(out_dir, "duplicate_names.zip"), "wb") as f:
            f.write(write_zip([("version", b"8.2"), ("version", b"9.0")]))
    # hostile torch.save payloads: a pickle that would run a command, one that refers to itself,
    # one nested 10,000 deep (the unpickler must refuse all three with a typed error)
    import pickle

    class RunsACommand:
        def __reduce__(self):
            return (os.system, ("echo this must never run",))

    cycle = []
    cycle.append(cycle)
    deep = []
    for _ in range(10000):
        deep = [deep]
    for name, obj in (("hostile_global.pt", RunsACommand()), ("hostile_cycle.pt", cycle), ("hostile_deep.pt", deep)):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(write_zip([("archive/data.pkl", pickle.dumps(obj, protocol=2)), ("archive/byteorder", b"little")]))
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
