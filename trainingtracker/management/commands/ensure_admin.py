import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Ensure an administrator login exists and print it. The password comes from ADMIN_PASSWORD, "
        "else from var/admin-password.txt, else a new random one is written there (git-ignored)."
    )

    def handle(self, *args, **options):
        username = settings.ADMIN_USERNAME
        password_file = settings.VAR_DIR / "admin-password.txt"
        password = settings.ADMIN_PASSWORD
        if not password and password_file.exists():
            password = password_file.read_text().strip()
        if not password:
            password = secrets.token_urlsafe(12)
            settings.VAR_DIR.mkdir(exist_ok=True)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        user, created = get_user_model().objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        administrators = Group.objects.filter(name="Administrator").first()
        if administrators is not None:
            user.groups.add(administrators)
        self.stdout.write(
            self.style.SUCCESS(
                f"Administrator {'created' if created else 'ready'}: username {username!r}, password {password!r}"
            )
        )
