"""Lays out lines of text with GNU FriBidi (Debian's libfribidi0, a UAX #9 implementation) and prints them in
visual order, each in a left-to-right paragraph.

Usage: bidi_visual.py < ["line", ...]  ->  ["visual line", ...]   (JSON on stdin and stdout; controls are kept)
"""
import ctypes
import json
import sys

FRIBIDI_PAR_LTR = 0x00000110

lib = ctypes.CDLL("libfribidi.so.0")
lib.fribidi_log2vis.restype = ctypes.c_int


def visual(text):
    codepoints = [ord(c) for c in text]
    n = len(codepoints)
    logical = (ctypes.c_uint32 * n)(*codepoints)
    out = (ctypes.c_uint32 * n)()
    base = ctypes.c_uint32(FRIBIDI_PAR_LTR)
    if lib.fribidi_log2vis(logical, n, ctypes.byref(base), out, None, None, None) == 0:
        raise RuntimeError("fribidi_log2vis failed")
    return "".join(chr(c) for c in out)


json.dump([visual(line) for line in json.load(sys.stdin)], sys.stdout)
