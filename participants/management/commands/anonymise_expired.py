"""Anonymise participants whose every program ended more than RETENTION_YEARS years ago (UU 27/2022)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from participants.privacy import anonymise_expired, retention_cutoff


class Command(BaseCommand):
    help = (
        "Anonymise the participants all of whose programs ended more than N years ago (RETENTION_YEARS, "
        "default 10): name replaced by a label; NIP, titles, birth date and place, email and phone cleared; "
        "their earlier history rows deleted. Gender, rank, position, institution and every enrolment and "
        "outcome stay, so statistics and certificate verification keep working. Also empties the stored "
        "import files of those programs, and the history of participants deleted before the cutoff. Running "
        "it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, help="retention period in years (default: RETENTION_YEARS)")
        parser.add_argument("--dry-run", action="store_true", help="count only; change nothing")

    def handle(self, *args, years, dry_run, **options):
        years = settings.RETENTION_YEARS if years is None else years
        if years < 1:
            raise CommandError("--years must be at least 1.")
        participants, files, deleted = anonymise_expired(years=years, dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(
            f"{verb} {participants} participant(s) whose programs all ended before "
            f"{retention_cutoff(years):%Y-%m-%d}; {'would empty' if dry_run else 'emptied'} {files} "
            f"stored import file(s); {'would delete' if dry_run else 'deleted'} the history of {deleted} "
            "participant(s) deleted before then."
        )
