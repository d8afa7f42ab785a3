"""Password hashing: Argon2id with OWASP's parameters rather than Django's.

Django's Argon2 defaults (100 MiB of memory, 8 lanes, 2 passes) cost about 240 ms of CPU and
100 MiB per sign-in: at month end, when a province's staff sign in together, sign-ins were a
quarter of the web servers' CPU (docs/performance.md). OWASP's Password Storage Cheat Sheet
names 19 MiB, 2 passes and 1 lane as its minimum for Argon2id (about 30 ms here). The algorithm
name stays ``argon2``: existing hashes still verify and are rewritten with these parameters at
the person's next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m=19 MiB, t=2, p=1 (OWASP Password Storage Cheat Sheet)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
