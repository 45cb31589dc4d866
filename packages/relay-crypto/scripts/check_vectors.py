#!/usr/bin/env python3
"""Independent checker for vectors/relay-auth.json.

Implements the Hermes relay channel authentication from the written spec
(docs/contract/relay.md#channel-authentication) with the Python standard library only, and checks every case of the
vector file. It shares no code with the TypeScript package: agreement between the two is
the point. Exit status 0 only when every case (and the frozen upstream facts) agree.

Usage: python3 scripts/check_vectors.py [vectors/relay-auth.json]
"""
import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import sys

INTEGER = re.compile(r"[ \t\n\r\f\v]*([+-]?[0-9]+)[ \t\n\r\f\v]*")
HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
B64URL = re.compile(r"[A-Za-z0-9_-]*")
# The whitespace set of ECMAScript's String.prototype.trim (WhiteSpace + LineTerminator).
JS_WHITESPACE = set("\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {
    chr(c) for c in range(0x2000, 0x200B)
}


def hmac_hex(key: str, message: bytes) -> str:
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def as_bytes(value) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def parse_int(value):
    if not isinstance(value, str):
        return None
    m = INTEGER.fullmatch(value)
    if not m:
        return None
    try:
        return int(m.group(1))
    except ValueError:  # more digits than sys.get_int_max_str_digits() (4300 by default)
        return None


def now_seconds(now) -> int:
    return math.floor(now)


def sign(payload, secret: str) -> str:
    return hmac_hex(secret, as_bytes(payload))


def verify_signature(payload, sig_hex, secrets) -> bool:
    if not isinstance(sig_hex, str) or not HEX.fullmatch(sig_hex) or not isinstance(secrets, list):
        return False
    sig = bytes.fromhex(sig_hex)
    ok = False
    for secret in secrets:
        if not isinstance(secret, str) or secret == "":
            continue
        expected = hmac.new(secret.encode("utf-8"), as_bytes(payload), hashlib.sha256).digest()
        if len(expected) == len(sig) and hmac.compare_digest(expected, sig):
            ok = True
    return ok


def make_token(payload: str, secret: str, ttl, now) -> str:
    exp = now_seconds(now) + math.floor(ttl) if ttl > 0 else 0
    signed = f"{payload}:{exp}"
    raw = f"{signed}:{hmac_hex(secret, signed.encode('utf-8'))}".encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_base64url(token):
    """base64url, padded or not, canonical encodings only."""
    if not isinstance(token, str):
        return None
    body = token
    if len(body) % 4 == 0:
        pad = len(body) - len(body.rstrip("="))
        if pad > 2:
            return None
        body = body[: len(body) - pad]
    if len(body) % 4 == 1 or not B64URL.fullmatch(body):
        return None
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
    if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != body:
        return None
    return raw


def verify_token(token, secrets, now):
    raw = decode_base64url(token)
    if raw is None:
        return None
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    parts = decoded.split(":")
    if len(parts) < 3:
        return None
    exp = parse_int(parts[-2])
    if exp is None:
        return None
    if exp != 0 and now_seconds(now) > exp:
        return None
    payload = ":".join(parts[:-2])
    return payload if verify_signature(f"{payload}:{exp}", parts[-1], secrets) else None


def sign_delivery(body, key: str, now):
    ts = str(now_seconds(now))
    return {"timestamp": ts, "signature": hmac_hex(key, ts.encode("ascii") + b"." + as_bytes(body))}


def verify_delivery(body, timestamp, signature, keys, now, max_skew=300):
    if not timestamp or not signature:
        return False
    ts = parse_int(timestamp)
    if ts is None:
        return False
    if abs(now_seconds(now) - ts) > math.floor(max_skew):
        return False
    return verify_signature(str(ts).encode("ascii") + b"." + as_bytes(body), signature, keys)


def is_usable_secret(value) -> bool:
    return isinstance(value, str) and any(ch not in JS_WHITESPACE for ch in value)


def body_of(i):
    return base64.b64decode(i["bodyB64"]) if "bodyB64" in i else i["body"]


def evaluate(op, i):
    if op == "sign":
        return sign(i["payload"], i["secret"])
    if op == "makeToken":
        return make_token(i["payload"], i["secret"], i["ttl"], i["now"])
    if op == "verifyToken":
        return verify_token(i["token"], i["secrets"], i["now"])
    if op == "verifySignature":
        return verify_signature(i["payload"], i["signature"], i["secrets"])
    if op == "signDelivery":
        return sign_delivery(body_of(i), i["key"], i["now"])
    if op == "verifyDeliverySignature":
        return verify_delivery(
            body_of(i), i["timestamp"], i["signature"], i["keys"], i["now"], i.get("maxSkewSeconds", 300)
        )
    if op == "isUsableSecret":
        return is_usable_secret(i["value"])
    raise ValueError(f"unknown op {op!r}")


def main(path: str) -> int:
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    failures = []
    f = doc["frozen"]
    frozen_checks = [
        ("frozen token", make_token("gw-instance-1", f["secret"], 0, 0) == f["token"]),
        ("frozen token decodes", decode_base64url(f["token"]).decode("utf-8") == f["tokenDecoded"]),
        ("frozen token verifies", verify_token(f["token"], [f["secret"]], 0) == "gw-instance-1"),
        ("frozen body signature", sign(f"{f['timestamp']}.{f['body']}", f["secret"]) == f["bodySignature"]),
        ("frozen delivery verifies", verify_delivery(f["body"], f["timestamp"], f["bodySignature"], [f["secret"]], int(f["timestamp"]))),
        ("hex-decoded key differs", hmac.new(bytes.fromhex(f["secret"]), f"{f['timestamp']}.{f['body']}".encode(), hashlib.sha256).hexdigest() != f["bodySignature"]),
    ]
    for name, ok in frozen_checks:
        if not ok:
            failures.append(name)
    for case in doc["cases"]:
        try:
            got = evaluate(case["op"], case["input"])
        except Exception as exc:  # a checker crash is a disagreement, reported, not fatal
            got = f"<raised {type(exc).__name__}: {exc}>"
        if got != case["expected"]:
            failures.append(f"{case['id']} ({case['op']}): expected {case['expected']!r}, got {got!r}")
    total = len(doc["cases"]) + len(frozen_checks)
    for line in failures:
        print(f"MISMATCH {line}")
    print(f"vectors: {total - len(failures)} passed, {len(failures)} failed")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "vectors/relay-auth.json"))
