#!/usr/bin/env python3
"""Independent reference implementation of Sovereignty envelope format v1.

Written from docs/envelope-format.md only (Python `cryptography`, no .NET), it prints the
test vectors of that document, so the C# implementation (EnvelopeVectorTests) and this
script check each other. Usage: python3 envelope_v1_reference.py > vectors.txt
"""
import hashlib
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

SEGMENT = 65536
TAG = 16


def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    import hmac
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    return HKDFExpand(algorithm=hashes.SHA256(), length=length, info=info).derive(prk)


def header_without_commitment(salt, prefix, key_class, key_id, version, wrapped, context):
    body = bytearray()
    body += salt + prefix
    kc, ki = key_class.encode(), key_id.encode()
    body += bytes([len(kc)]) + kc + bytes([len(ki)]) + ki + struct.pack(">I", version)
    body += struct.pack(">H", len(wrapped)) + wrapped
    body += struct.pack(">H", len(context))
    for k, v in context:
        kb, vb = k.encode(), v.encode()
        body += struct.pack(">H", len(kb)) + kb + struct.pack(">H", len(vb)) + vb
    total = 4 + 1 + 4 + len(body) + 32
    return b"SVEN" + bytes([1]) + struct.pack(">I", total) + bytes(body)


def encrypt(dek, salt, prefix, key_class, key_id, version, wrapped, context, plaintext):
    h = header_without_commitment(salt, prefix, key_class, key_id, version, wrapped, context)
    header_hash = hashlib.sha256(h).digest()
    prk = hkdf_extract(salt, dek)
    segment_key = hkdf_expand(prk, b"sovereignty/envelope/v1/segment-key" + header_hash, 32)
    commitment = hkdf_expand(prk, b"sovereignty/envelope/v1/commitment" + header_hash, 32)
    header = h + commitment
    aes = AESGCM(segment_key)
    n = max(1, -(-len(plaintext) // SEGMENT))
    out = bytearray(header)
    tags = []
    for i in range(n):
        chunk = plaintext[i * SEGMENT:(i + 1) * SEGMENT]
        nonce = prefix + struct.pack(">I", i) + bytes([1 if i == n - 1 else 0])
        sealed = aes.encrypt(nonce, chunk, None)
        tags.append(sealed[-TAG:])
        out += sealed
    return dict(header=header, header_hash=header_hash, segment_key=segment_key,
                commitment=commitment, envelope=bytes(out), tags=tags)


COMMON = dict(
    dek=bytes(range(32)),
    salt=bytes(range(0x40, 0x60)),
    prefix=bytes(range(0x60, 0x67)),
    key_class="confidential-fr",
    key_id="a1b2c3d4e5f60718",
    version=3,
    wrapped=bytes(range(0xA0, 0xC8)),
)

VECTORS = [
    (1, [], b"", "full"),
    (2, [("object", "/sites/hr/contract.pdf"), ("label", "confidential"), ("policy", "3f2a9c")],
     b"Hello, Sovereignty!\n", "full"),
    (3, [("object", "/big.bin")], bytes(i % 251 for i in range(SEGMENT + 100)), "digest"),
]


def main():
    for number, context, plaintext, mode in VECTORS:
        r = encrypt(COMMON["dek"], COMMON["salt"], COMMON["prefix"], COMMON["key_class"], COMMON["key_id"],
                    COMMON["version"], COMMON["wrapped"], context, plaintext)
        print("```vector")
        print(f"vector: {number}")
        print(f"dek: {COMMON['dek'].hex()}")
        print(f"salt: {COMMON['salt'].hex()}")
        print(f"nonce_prefix: {COMMON['prefix'].hex()}")
        print(f"key_class: {COMMON['key_class']}")
        print(f"key_id: {COMMON['key_id']}")
        print(f"key_version: {COMMON['version']}")
        print(f"wrapped_key: {COMMON['wrapped'].hex()}")
        for k, v in context:
            print(f"context: {k}={v}")
        if mode == "full":
            print(f"plaintext: {plaintext.hex()}")
        else:
            print(f"plaintext_pattern: {len(plaintext)} bytes, byte i = i mod 251")
        print(f"header_sha256: {r['header_hash'].hex()}")
        print(f"segment_key: {r['segment_key'].hex()}")
        print(f"commitment: {r['commitment'].hex()}")
        print(f"header: {r['header'].hex()}")
        for i, tag in enumerate(r["tags"]):
            print(f"tag_{i}: {tag.hex()}")
        print(f"envelope_length: {len(r['envelope'])}")
        if mode == "full":
            print(f"envelope: {r['envelope'].hex()}")
        print(f"envelope_sha256: {hashlib.sha256(r['envelope']).hexdigest()}")
        print("```")
        print()


if __name__ == "__main__":
    main()
