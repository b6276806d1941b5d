from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from demo.lifecycle import fill_lifecycle_demo
from demo.people import fill_with_demo_participants
from programs.article import article_program
from programs.models import Program


class Command(BaseCommand):
    help = (
        "Fill a program's free seats with clearly synthetic demo participants (flagged as demo). "
        "Without --program, the article's Banten 2025 cohort. Idempotent: a full program gets nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--program", type=int, help="primary key of the program to fill")
        parser.add_argument("--seed", type=int, default=None, help="random seed (default: DEMO_SEED setting)")

    def handle(self, *args, program=None, seed=None, **options):
        if program is None:
            target = article_program()
            if target is None:
                raise CommandError("The article's cohort is not loaded: run 'manage.py seed_article' first.")
        else:
            target = Program.objects.filter(pk=program).first()
            if target is None:
                raise CommandError(f"No program with id {program}.")
        added = fill_with_demo_participants(target, seed=settings.DEMO_SEED if seed is None else seed)
        taken = target.enrolments.holding_seats().count()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"{target.title}: added {added} demo participants; {taken} of {target.capacity} seats taken."
            )
        try:
            fill_lifecycle_demo(target, seed=settings.DEMO_SEED if seed is None else seed)
        except ValidationError as error:
            # Certificates are refused when the program lacks what a printed STTP needs (a signer, the
            # organiser's code): say what, and leave the participants in place.
            raise CommandError("The demo lifecycle was not added: " + " ".join(error.messages)) from error
