"""A cheap password hasher for the tests.

Django's default PBKDF2 runs a million iterations (about 0.4 s a password on these
machines), and the suite creates thousands of users. This one writes the same
``pbkdf2_sha256`` hashes with a single iteration: the stored form names its iterations,
so any process on Django's defaults (gunicorn, the Celery workers) still checks them.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1
