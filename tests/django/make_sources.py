"""Builds the sources of the Django import tests with real Django.

    python make_sources.py OUT_DIR

A Django project with a custom user model like the original service's
(accounts.User: email, username, is_email_confirmed) and SimpleJWT's token
blacklist, and in OUT_DIR:

- clean.sqlite3   its SQLite database: one user per Django password hasher
                  (PBKDF2 SHA-256 and SHA-1 at Django's default iterations,
                  Argon2, BCryptSHA256, BCrypt, scrypt), a password typed in
                  NFD form, an unusable password, a legacy MD5 hash, an
                  inactive user, and a blacklisted refresh token;
- clean.json      the same data as `manage.py dumpdata` writes it;
- clean.csv       the user table as PostgreSQL's `\\copy ... csv header`
                  writes it (t/f booleans, +00 offsets, empty NULLs);
- dirty.sqlite3   a database with rows that cannot be imported;
- dirty.csv       a CSV with a row without an id;
- expected.json   the secret key, every user with its password, and
                  access/refresh tokens minted by SimpleJWT.

Only the packages of requirements.txt beside this file are needed.
"""

import csv
import datetime
import json
import os
import sys
import unicodedata

OUT = os.path.abspath(sys.argv[1])
PROJECT = os.path.join(OUT, "project")
APP = os.path.join(PROJECT, "accounts")

MODELS = '''
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """The original service's user: log in by email, optional username."""

    email = models.EmailField(unique=True)
    username = models.CharField(max_length=150, unique=True, null=True, blank=True)
    is_email_confirmed = models.BooleanField(default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
'''

os.makedirs(os.path.join(APP, "migrations"), exist_ok=True)
for name, text in [("__init__.py", ""), ("models.py", MODELS), ("migrations/__init__.py", "")]:
    with open(os.path.join(APP, name), "w") as f:
        f.write(text)
sys.path.insert(0, PROJECT)

import django  # noqa: E402
from django.conf import settings  # noqa: E402

SECRET_KEY = "django-insecure-" + "k3j$9x!q@w7e#r2t%y6u^i8o&p0a*s5d(f)g_h+j-l=z"

settings.configure(
    SECRET_KEY=SECRET_KEY,
    USE_TZ=True,
    TIME_ZONE="UTC",
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    AUTH_USER_MODEL="accounts.User",
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "rest_framework",
        "rest_framework_simplejwt.token_blacklist",
        "accounts",
    ],
    DATABASES={
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(OUT, "clean.sqlite3")},
        "dirty": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(OUT, "dirty.sqlite3")},
    },
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.BCryptPasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ],
    SIMPLE_JWT={
        "ACCESS_TOKEN_LIFETIME": datetime.timedelta(days=1),
        "REFRESH_TOKEN_LIFETIME": datetime.timedelta(days=10),
    },
)
django.setup()

from django.db.backends.signals import connection_created  # noqa: E402


def fast_sqlite(sender, connection, **kwargs):
    """No fsync: these files are scratch data for the tests."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")


connection_created.connect(fast_sqlite)

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

call_command("makemigrations", "accounts", verbosity=0)
call_command("migrate", verbosity=0)
call_command("migrate", database="dirty", verbosity=0)
User = get_user_model()

NFD_PASSWORD = unicodedata.normalize("NFD", "Crème brûlée à l'ancienne")
JOINED = datetime.datetime(2023, 3, 14, 15, 9, 26, 535897, tzinfo=datetime.timezone.utc)
LAST_LOGIN = datetime.datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=datetime.timezone.utc)

# id, email, username, password, hasher, confirmed, active
CLEAN = [
    (3, "alice@example.com", "alice", "alice-pbkdf2-sha256-pass", "pbkdf2_sha256", True, True),
    (8, "bob@example.com", "bob", "bob-pbkdf2-sha1-pass", "pbkdf2_sha1", True, True),
    (15, "carol@example.com", "carol", "carol-argon2-pass", "argon2", False, True),
    (16, "dave@example.com", "dave", "dave-bcrypt-sha256-pass", "bcrypt_sha256", True, True),
    (23, "Erin@Example.COM", "Erin", "erin-bcrypt-pass", "bcrypt", True, True),
    (42, "frank@example.com", None, "frank-scrypt-pass", "scrypt", True, True),
    (57, "gerard@example.com", "gerard", NFD_PASSWORD, "pbkdf2_sha256", True, True),
    (1001, "henry@example.com", "henry", None, "unusable", True, True),
    (1002, "ivan@example.com", "ivan", "ivan-md5-pass", "md5", True, True),
    (1003, "judy@example.com", "judy", "judy-inactive-pass", "bcrypt_sha256", True, False),
]


def add_user(db, id_, email, username, password, hasher, confirmed, active, last_login=None):
    encoded = make_password(None) if hasher == "unusable" else make_password(password, hasher=hasher)
    user = User(
        id=id_,
        email=email,
        username=username,
        password=encoded,
        is_email_confirmed=confirmed,
        is_active=active,
        date_joined=JOINED,
        last_login=last_login,
    )
    user.save(using=db)
    return user


users = {}
for row in CLEAN:
    users[row[0]] = add_user("default", *row, last_login=LAST_LOGIN if row[0] == 3 else None)

tokens = {}
for user_id in (3, 42):
    refresh = RefreshToken.for_user(users[user_id])
    tokens[str(user_id)] = {"access": str(refresh.access_token), "refresh": str(refresh)}
# A login of dave's that was ended: its refresh token is blacklisted.
revoked = RefreshToken.for_user(users[16])
revoked.blacklist()
# And one that still works.
live = RefreshToken.for_user(users[16])

# dumpdata of the user model and the blacklist, as an operator would run it.
with open(os.path.join(OUT, "clean.json"), "w") as f:
    call_command("dumpdata", "accounts.user", "token_blacklist", stdout=f, indent=2)


def pg(value):
    """A value as PostgreSQL's CSV output spells it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") + "+00"
    return str(value)


columns = [f.column for f in User._meta.concrete_fields]
with open(os.path.join(OUT, "clean.csv"), "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(columns)
    for user in User.objects.order_by("id"):
        writer.writerow([pg(getattr(user, f.attname)) for f in User._meta.concrete_fields])

# Rows that cannot be imported, beside one that can.
add_user("dirty", 1, "kept@example.com", "kept", "kept-user-pass", "md5", True, True)
add_user("dirty", 2, "not-an-address", "bad", None, "unusable", True, True)
add_user("dirty", 3, "KEPT@example.com", "other", None, "unusable", True, True)
add_user("dirty", 4, "named@example.com", "Namesake", None, "unusable", True, True)
add_user("dirty", 5, "namesake@example.com", "namesake", None, "unusable", True, True)

with open(os.path.join(OUT, "dirty.csv"), "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["id", "email", "username", "password", "is_active", "date_joined", "is_email_confirmed"])
    writer.writerow(["1", "first@example.com", "first", make_password(None), "t", pg(JOINED), "t"])
    writer.writerow(["", "noid@example.com", "noid", make_password(None), "t", pg(JOINED), "t"])

expected = {
    "secret_key": SECRET_KEY,
    "users": [
        {
            "id": id_,
            "email": email,
            "username": username,
            "password": password,
            "hasher": hasher,
            "confirmed": confirmed,
            "active": active,
        }
        for (id_, email, username, password, hasher, confirmed, active) in CLEAN
    ],
    "tokens": tokens,
    "revoked": {"user_id": 16, "refresh": str(revoked)},
    "live": {"user_id": 16, "refresh": str(live)},
    "last_login": {"user_id": 3, "unix": int(LAST_LOGIN.timestamp())},
    "date_joined": int(JOINED.timestamp()),
}
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f, indent=2, ensure_ascii=False)
print("sources written to", OUT)
