from django.conf import settings
from django.core.management.base import BaseCommand

from trainingtracker.accounts import ensure_login, stored_password


class Command(BaseCommand):
    help = (
        "Ensure an administrator login exists and print it. The password comes from ADMIN_PASSWORD, "
        "else from var/admin-password.txt, else a new random one is written there (git-ignored)."
    )

    def handle(self, *args, **options):
        username = settings.ADMIN_USERNAME
        password = stored_password("admin", settings.ADMIN_PASSWORD)
        _user, created = ensure_login(
            username, password, group="Administrator", is_staff=True, is_superuser=True
        )
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Administrator {'created' if created else 'ready'}: username {username!r}, "
                    f"password {password!r}"
                )
            )
