"""The schedule of a program: a week at a time, or the whole list."""

import datetime

from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from programs.models import LearningMode, Program, Session, curriculum_rules_of
from programs.schedule import week_start
from trainingtracker.decorators import staff_view

VIEWS = ("week", "list")


def _requested_week(value, program, today):
    """The Monday of the requested week (?week=YYYY-MM-DD, any day of it), kept within the program;
    without a valid value, this week while the program runs, else its first week."""
    first, last = week_start(program.start_date), week_start(program.computed_end_date)
    try:
        monday = week_start(datetime.date.fromisoformat(value))
    except (TypeError, ValueError):
        monday = week_start(today) if first <= today <= program.computed_end_date else first
    return min(max(monday, first), last)


@staff_view("programs.view_session")
def schedule(request, pk):
    program = get_object_or_404(
        Program.objects.select_related("program_type__curriculum_rules", "organiser"), pk=pk
    )
    today = timezone.localdate(timezone=program.zone)  # the program's day, in Papua as in Banten
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else VIEWS[0]
    sessions = Session.objects.filter(program=program).select_related("agenda", "subject", "facilitator")
    context = {
        "program": program,
        "view": view,
        "today": today,
        "rules": curriculum_rules_of(program.program_type),
        "totals": Session.objects.filter(program=program).aggregate(
            sessions=Count("pk"),
            jp_total=Sum("jp"),
            classical_jp=Sum("jp", filter=Q(mode=LearningMode.CLASSICAL)),
            non_classical_jp=Sum("jp", filter=Q(mode=LearningMode.NON_CLASSICAL)),
        ),
        "can_enter_attendance": request.user.has_perm("lifecycle.change_attendance"),
    }
    if view == "week":
        monday = _requested_week(request.GET.get("week"), program, today)
        sunday = monday + datetime.timedelta(days=6)
        in_week = list(sessions.between(monday, sunday))
        days = [monday + datetime.timedelta(days=offset) for offset in range(7)]
        context.update(
            monday=monday,
            sunday=sunday,
            days=[
                {
                    "date": day,
                    "in_program": program.start_date <= day <= program.computed_end_date,
                    "day_number": (day - program.start_date).days + 1,
                    "sessions": [session for session in in_week if session.date == day],
                }
                for day in days
            ],
            previous_week=monday - datetime.timedelta(days=7)
            if monday > week_start(program.start_date)
            else None,
            next_week=sunday + datetime.timedelta(days=1) if sunday < program.computed_end_date else None,
            week_jp=sum(session.jp for session in in_week),
        )
    else:
        context["sessions"] = list(sessions)
    return render(request, "programs/schedule.html", context)
