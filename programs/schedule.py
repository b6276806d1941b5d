"""Where a program stands in its schedule."""

import datetime

from programs.models import LearningMode, ProgramStatus, Session


def week_start(day):
    """The Monday of the day's week."""
    return day - datetime.timedelta(days=day.weekday())


def current_phase(program, *, today):
    """Where the program stands on `today`, from its status and schedule. Two queries while it runs.

    Returns {"status", "status_label", "day", "session", "next_session", "agenda", "mode_label"}:
    `session` is the latest session on or before today, whose agenda and learning mode name the phase.
    """
    status = program.status_on(today)
    phase = {
        "status": status,
        "status_label": ProgramStatus(status).label,
        "day": program.day_number(today),
        "session": None,
        "next_session": None,
        "agenda": None,
        "mode_label": "",
    }
    if status != ProgramStatus.ONGOING:
        return phase
    sessions = Session.objects.filter(program=program).select_related("agenda", "subject")
    latest = sessions.filter(date__lte=today).order_by("-date", "-start_time", "-pk").first()
    phase["session"] = latest
    phase["next_session"] = sessions.filter(date__gt=today).order_by("date", "start_time", "pk").first()
    if latest is not None:
        phase["agenda"] = latest.agenda
        phase["mode_label"] = LearningMode(latest.mode).label
    return phase
