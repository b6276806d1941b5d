"""Logins a development machine keeps: their passwords live in var/ (git-ignored), made once."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group


def stored_password(name, given=""):
    """`given` when set, else the password kept in var/<name>-password.txt, else a new random one kept there."""
    if given:
        return given
    path = settings.VAR_DIR / f"{name}-password.txt"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    settings.VAR_DIR.mkdir(exist_ok=True)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


def ensure_login(username, password, *, group=None, is_staff=False, is_superuser=False):
    """Create the user or bring it to the given password and flags; an unchanged user is not saved again,
    so running this twice writes nothing. Returns (user, created)."""
    user, created = get_user_model().objects.get_or_create(username=username)
    flags = {"is_staff": is_staff, "is_superuser": is_superuser, "is_active": True}
    if created or any(getattr(user, k) != v for k, v in flags.items()) or not user.check_password(password):
        for name, value in flags.items():
            setattr(user, name, value)
        user.set_password(password)
        user.save()
    if group is not None:
        group_row = Group.objects.filter(name=group).first()
        if group_row is not None:
            user.groups.add(group_row)  # adding an existing member writes nothing
    return user, created
