from django.core.management.base import BaseCommand

from programs.article import load_article_cohort


class Command(BaseCommand):
    help = "Load the PKN Tingkat II Banten 2025 cohort from the seed article's facts (idempotent)."

    def handle(self, *args, **options):
        program = load_article_cohort()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Loaded {program.title}: {program.start_date:%d-%m-%Y} to {program.end_date:%d-%m-%Y}, "
                f"{program.duration_days} days, capacity {program.capacity}."
            )
