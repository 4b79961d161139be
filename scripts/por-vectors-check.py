#!/usr/bin/env python3
"""An independent reading of custos-por/1 (docs/por-format.md), checked against docs/por-vectors.json.

Written from the format description, with the Python standard library only, so that the vectors
are not merely checked by the code that produced them:

- every "encodings" entry: the bytes are rebuilt from "input" and hashed;
- every "valid" proof climbs to the published root hash and total;
- every "invalid" vector is rejected with its "code", except that Ed25519 is not in the standard
  library: the signature is not checked, so a BAD_SIGNATURE vector must show no other defect;
- the manifest's ratios, and the vectors' salts (derived as the "description" field says).

Usage: python3 scripts/por-vectors-check.py [docs/por-vectors.json]. Exit status 0 when all agree.
"""

import hashlib
import hmac
import json
import re
import sys

VERSION = "custos-por/1"
U128_LIMIT = 1 << 128
MAX_HEIGHT = 32
LOWER_HEX_64 = re.compile(r"[0-9a-f]{64}")
LOWER_HEX_128 = re.compile(r"[0-9a-f]{128}")
DECIMAL = re.compile(r"0|[1-9][0-9]*")
UTC_SECOND = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z")
MANIFEST_FIELDS = {"version", "snapshot_id", "taken_at", "assets", "public_key", "signature"}
ASSET_FIELDS = {
    "asset", "decimals", "height", "leaf_count", "root_hash",
    "total_liabilities", "reserves", "reserve_ratio",
}
PROOF_FIELDS = {"version", "snapshot_id", "asset", "user_id", "salt", "index", "value", "path"}
SALT_LABEL = b"custos-por/1 salt"
VECTOR_SECRET_LABEL = "custos-por/1 vectors: secret of "


# ---- encodings --------------------------------------------------------------------------------

def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def length_prefixed(text: str) -> bytes:
    raw = text.encode("utf-8")
    if not 1 <= len(raw) <= 255:
        raise ValueError(f"lp() takes 1 to 255 bytes, got {len(raw)}")
    return bytes([len(raw)]) + raw


def big_endian(value: int, size: int) -> bytes:
    return value.to_bytes(size, "big", signed=False)  # refuses negatives and overflow


def commitment_preimage(snapshot_id, user_id, salt_hex):
    return b"\x03" + length_prefixed(snapshot_id) + length_prefixed(user_id) + bytes.fromhex(salt_hex)


def leaf_preimage(snapshot_id, asset, index, uid_hex, value):
    return (b"\x00" + length_prefixed(snapshot_id) + length_prefixed(asset) + big_endian(index, 4)
            + bytes.fromhex(uid_hex) + big_endian(value, 16))


def padding_preimage(snapshot_id, asset, index):
    return b"\x02" + length_prefixed(snapshot_id) + length_prefixed(asset) + big_endian(index, 4)


def parent_preimage(left_hash, left_value, right_hash, right_value):
    return (b"\x01" + bytes.fromhex(left_hash) + big_endian(left_value, 16)
            + bytes.fromhex(right_hash) + big_endian(right_value, 16))


def encoding_preimage(kind, given):
    if kind == "uid":
        return commitment_preimage(given["snapshot_id"], given["user_id"], given["salt"])
    if kind == "leaf":
        return leaf_preimage(given["snapshot_id"], given["asset"], given["index"], given["uid"],
                             int(given["value"]))
    if kind == "padding":
        return padding_preimage(given["snapshot_id"], given["asset"], given["index"])
    if kind == "inner":
        left, right = given["left"], given["right"]
        return parent_preimage(left["hash"], int(left["value"]), right["hash"], int(right["value"]))
    raise ValueError(f"unknown kind {kind}")


# ---- spellings ---------------------------------------------------------------------------------

def amount(text):
    """The integer an amount spells, or None when it is not one canonical u128 decimal."""
    if not isinstance(text, str) or not DECIMAL.fullmatch(text):
        return None
    number = int(text)
    return number if number < U128_LIMIT else None


def integral(x):
    """JSON numbers: 8 and 8.0 are the same number; true is not one."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        return x
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return None


def safe_integer(x, low, high):
    n = integral(x)
    return n is not None and abs(n) <= 2**53 - 1 and low <= n <= high


def short_text(x):
    if not isinstance(x, str):
        return False
    try:
        return 1 <= len(x.encode("utf-8")) <= 255
    except UnicodeEncodeError:
        return False


def is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def real_utc_second(x):
    match = isinstance(x, str) and UTC_SECOND.fullmatch(x)
    if not match:
        return False
    year, month, day, hour, minute, second = (int(g) for g in match.groups())
    days = [31, 29 if is_leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return 1 <= month <= 12 and 1 <= day <= days[month - 1] and hour < 24 and minute < 60 and second < 60


def ratio_text(reserves, total):
    """reserves / total to 4 decimals, rounded down; None (JSON null) when total is 0."""
    if total == 0:
        return None
    units = reserves * 10_000 // total
    return f"{units // 10_000}.{units % 10_000:04d}"


# ---- verification -------------------------------------------------------------------------------

def manifest_well_formed(m):
    if not isinstance(m, dict) or set(m) != MANIFEST_FIELDS:
        return False
    if m["version"] != VERSION or not short_text(m["snapshot_id"]) or not real_utc_second(m["taken_at"]):
        return False
    if not (isinstance(m["public_key"], str) and LOWER_HEX_64.fullmatch(m["public_key"])):
        return False
    if not (isinstance(m["signature"], str) and LOWER_HEX_128.fullmatch(m["signature"])):
        return False
    lines = m["assets"]
    if not isinstance(lines, list) or not lines:
        return False
    names = set()
    for line in lines:
        if not isinstance(line, dict) or set(line) != ASSET_FIELDS:
            return False
        if not short_text(line["asset"]) or line["asset"] in names:
            return False
        names.add(line["asset"])
        if not safe_integer(line["decimals"], 0, 255) or not safe_integer(line["height"], 1, MAX_HEIGHT):
            return False
        if not safe_integer(line["leaf_count"], 0, 2 ** integral(line["height"])):
            return False
        if not (isinstance(line["root_hash"], str) and LOWER_HEX_64.fullmatch(line["root_hash"])):
            return False
        total, reserves = amount(line["total_liabilities"]), amount(line["reserves"])
        if total is None or reserves is None or line["reserve_ratio"] != ratio_text(reserves, total):
            return False
    return True


def proof_well_formed(p):
    if not isinstance(p, dict) or set(p) != PROOF_FIELDS or p["version"] != VERSION:
        return False
    if not all(short_text(p[k]) for k in ("snapshot_id", "asset", "user_id")):
        return False
    if not (isinstance(p["salt"], str) and LOWER_HEX_64.fullmatch(p["salt"])):
        return False
    if not safe_integer(p["index"], 0, 2**53 - 1) or not isinstance(p["value"], str):
        return False
    if not isinstance(p["path"], list):
        return False
    return all(
        isinstance(step, dict) and set(step) == {"hash", "value"}
        and isinstance(step["hash"], str) and LOWER_HEX_64.fullmatch(step["hash"])
        and isinstance(step["value"], str)
        for step in p["path"]
    )


def rejection(proof, manifest, trusted_key):
    """The rejection code, or None when nothing is wrong apart from the unchecked signature."""
    if not manifest_well_formed(manifest):
        return "MALFORMED_MANIFEST"
    trusted = trusted_key.strip().lower()
    if not LOWER_HEX_64.fullmatch(trusted) or manifest["public_key"] != trusted:
        return "PUBLIC_KEY_MISMATCH"
    # (The Ed25519 signature over the JCS form would be checked here: BAD_SIGNATURE.)
    if not proof_well_formed(proof):
        return "MALFORMED_PROOF"
    if proof["snapshot_id"] != manifest["snapshot_id"]:
        return "SNAPSHOT_MISMATCH"
    tree = next((line for line in manifest["assets"] if line["asset"] == proof["asset"]), None)
    if tree is None:
        return "ASSET_NOT_IN_MANIFEST"
    height, index = integral(tree["height"]), integral(proof["index"])
    if len(proof["path"]) != height:
        return "PATH_LENGTH"
    if index >= 2**height:
        return "INDEX_OUT_OF_RANGE"
    value = amount(proof["value"])
    if not value:  # None, or 0: only non-zero liabilities have leaves
        return "INVALID_VALUE"
    uid = sha256(commitment_preimage(proof["snapshot_id"], proof["user_id"], proof["salt"]))
    node_hash = sha256(leaf_preimage(proof["snapshot_id"], proof["asset"], index, uid.hex(), value))
    node_value = value
    for level, step in enumerate(proof["path"]):
        sibling_value = amount(step["value"])
        if sibling_value is None:
            return "INVALID_VALUE"
        if node_value + sibling_value >= U128_LIMIT:
            return "SUM_OVERFLOW"
        if (index >> level) & 1:
            preimage = parent_preimage(step["hash"], sibling_value, node_hash.hex(), node_value)
        else:
            preimage = parent_preimage(node_hash.hex(), node_value, step["hash"], sibling_value)
        node_hash, node_value = sha256(preimage), node_value + sibling_value
    if node_hash.hex() != tree["root_hash"]:
        return "ROOT_MISMATCH"
    if node_value != int(tree["total_liabilities"]):
        return "TOTAL_MISMATCH"
    return None


# ---- the run ------------------------------------------------------------------------------------

def main(path):
    with open(path, encoding="utf-8") as f:
        vectors = json.load(f)
    failures = []
    manifest, key = vectors["manifest"], vectors["public_key"]

    if not manifest_well_formed(manifest):
        failures.append("the top-level manifest is not well formed")

    for entry in vectors["encodings"]:
        preimage = encoding_preimage(entry["kind"], entry["input"])
        if preimage.hex() != entry["bytes"]:
            failures.append(f'encoding "{entry["name"]}": bytes differ')
        if sha256(preimage).hex() != entry["hash"]:
            failures.append(f'encoding "{entry["name"]}": hash differs')

    for vector in vectors["valid"]:
        proof = vector["proof"]
        code = rejection(proof, manifest, key)
        if code is not None:
            failures.append(f'valid "{vector["name"]}" is rejected with {code}')
        secret = sha256((VECTOR_SECRET_LABEL + proof["user_id"]).encode("utf-8"))
        salt = hmac.new(secret, SALT_LABEL + length_prefixed(proof["snapshot_id"]), hashlib.sha256)
        if salt.hexdigest() != proof["salt"]:
            failures.append(f'valid "{vector["name"]}": the salt is not the one the description derives')

    unchecked = 0
    for vector in vectors["invalid"]:
        code = rejection(vector["proof"], vector.get("manifest", manifest), vector.get("public_key", key))
        expected = vector["code"]
        if expected == "BAD_SIGNATURE":
            unchecked += 1
            expected = None
        if code != expected:
            failures.append(f'invalid "{vector["name"]}": expected {expected or "no other defect"}, got {code}')

    for failure in failures:
        print(f"FAIL {failure}")
    print(
        f'por-vectors-check: {len(vectors["encodings"])} encodings, {len(vectors["valid"])} valid, '
        f'{len(vectors["invalid"])} invalid ({unchecked} need Ed25519: only their other fields checked); '
        f"{len(failures)} failure(s)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/por-vectors.json"))
