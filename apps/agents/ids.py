"""Time-sortable identifiers (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32)."""

import os
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last = (0, 0)


def _encode(value: int, length: int = 26) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def sortable_id(prefix: str) -> str:
    """`ep_01JKXYZ...`: ids made later sort after earlier ones, also within one millisecond here."""
    global _last
    with _lock:
        ms = int(time.time() * 1000)
        last_ms, last_random = _last
        if ms <= last_ms:
            ms, random_part = last_ms, (last_random + 1) % (1 << 80)
        else:
            random_part = int.from_bytes(os.urandom(10), "big") >> 1  # headroom for increments
        _last = (ms, random_part)
    return prefix + _encode((ms << 80) | random_part)
