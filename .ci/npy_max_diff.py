#!/usr/bin/env python3
"""Compares two float32 .npy files (generate --logits-out) without numpy: same shape, and every
element within TOL of the other's.  Usage: npy_max_diff.py A.npy B.npy TOL"""
import array
import ast
import sys


def load(path):
    b = open(path, 'rb').read()
    if b[:6] != b'\x93NUMPY':
        sys.exit(f"{path}: not an .npy file")
    major = b[6]
    hlen = int.from_bytes(b[8:10] if major == 1 else b[8:12], 'little')
    start = (10 if major == 1 else 12)
    header = ast.literal_eval(b[start:start + hlen].decode('latin1'))
    if header['descr'] != '<f4' or header['fortran_order']:
        sys.exit(f"{path}: {header} is not little-endian float32 in C order")
    values = array.array('f')
    values.frombytes(b[start + hlen:])
    return header['shape'], values


shape_a, a = load(sys.argv[1])
shape_b, b = load(sys.argv[2])
if shape_a != shape_b:
    sys.exit(f"shapes differ: {shape_a} vs {shape_b}")
diff = max(abs(x - y) for x, y in zip(a, b))
print(f"logits {shape_a}: max |difference| = {diff:.3g} (tolerance {sys.argv[3]})")
sys.exit(0 if diff <= float(sys.argv[3]) else 1)
