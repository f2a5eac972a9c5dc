"""A cheap password hasher for tests, whose hashes the real settings still verify.

PBKDF2 records its iteration count in each hash, so a daphne child running the production hasher list
checks these hashes too; Django 5.2's 1,000,000 iterations cost ~1.5 s per user on this machine.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000
