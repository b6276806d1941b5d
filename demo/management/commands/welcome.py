from django.core.management.base import BaseCommand, CommandError

from demo.logins import ensure_demo_logins
from programs.article import article_program


class Command(BaseCommand):
    help = "Print the address of the app and every demo login, in one block (the end of `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="where the app is served")

    def handle(self, *args, url, **options):
        program = article_program()
        if program is None:
            raise CommandError("The article's cohort is not loaded: run 'make run' (or seed_article) first.")
        url = url.rstrip("/")
        rows = ensure_demo_logins(program)
        width = max(len(label) for label, *_rest in rows)
        line = "─" * 72
        lines = [line, f"  trainingtracker: {url}/", ""]
        for label, username, password, scope in rows:
            where = f"   ({url}{scope})" if scope.startswith("/") else f"   ({scope})" if scope else ""
            lines.append(f"  {label:<{width}}  {username} / {password}{where}")
        lines += [
            "",
            "  Passwords are kept in var/*-password.txt. Another port: make run PORT=8001.",
            "  Stop the server with Ctrl+C.",
            line,
        ]
        self.stdout.write("\n".join(lines))
