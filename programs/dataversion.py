"""The data version: a number that moves with every change of the training data, so that what is cached
under it (the pages' fragments, reports/pagecache.py) is never served after the data changed.

The version goes up with every save and delete of a model of the programs, participants and lifecycle apps
(APPS, by label: this app imports none of them), m2m links included, and of a user (not the last_login of a
login); the signals are connected in ProgramsConfig.ready. Bulk writes send no signals: the code that makes
them (imports, attendance and seminar scores, the demo and national data generators) calls
bump_data_version() itself. A QuerySet.update() elsewhere or raw SQL shows when the entry expires (the cache's TIMEOUT, ten
minutes).

On PostgreSQL the version is a sequence, moved by nextval(), which never waits for a lock: a counter row
updated inside each writing transaction would be locked until its commit, and two transactions that also
lock a program's row for its seats (Enrolment.save) in the other order would deadlock. A sequence moves at
once, before the change is committed, so a reader may compute a fragment from the old data under the new
version; the version therefore moves once more after the commit (transaction.on_commit), and the fragment
cached in between is never read again. On SQLite, which lets one writer at a time hold the whole database,
the version is the counter of programs.DataVersion, updated inside the writing transaction.
"""

from django.apps import apps
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F

APPS = ("programs", "participants", "lifecycle")
# Written by reading the data, not part of it: a change there must not empty the cache.
NOT_DATA = {"dataversion", "exportlog", "importbatch", "personaldataaccess"}


def tracked_models(include_auto_created=False):
    """The concrete models whose rows the pages show, history tables included."""
    for label in APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=include_auto_created):
            if not model._meta.proxy and is_tracked(model):
                yield model


def is_tracked(model):
    """Whether every save and delete of the model (a proxy: of its concrete model) moves the data version."""
    opts = model._meta.concrete_model._meta
    return opts.app_label in APPS and opts.model_name not in NOT_DATA


# The caches of what is kept under the data version: the pages' fragments, the admin's big lists.
PAGE_CACHES = ("pages",)


def clear_page_caches():
    """Empties this process's caches of pages (the tests between them, the benchmark's cold requests)."""
    for alias in PAGE_CACHES:
        caches[alias].clear()


SEQUENCE = "programs_data_version"  # created by programs/migrations/0008 on PostgreSQL


def _next_value(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [SEQUENCE])


def bump_data_version(using=DEFAULT_DB_ALIAS, **_signal):
    """Count one change of the data. Connected to post_save, post_delete and m2m_changed (apps.py)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        from programs.models import DataVersion

        if not DataVersion.objects.using(using).filter(pk=1).update(counter=F("counter") + 1):
            DataVersion.objects.using(using).get_or_create(pk=1, defaults={"counter": 1})  # after a flush
        return
    _next_value(connection)
    after_commit = _AFTER_COMMIT.setdefault(using, lambda: _next_value(connections[using]))
    if connection.in_atomic_block and not any(
        callback is after_commit for _savepoints, callback, _robust in connection.run_on_commit
    ):
        transaction.on_commit(after_commit, using=using, robust=True)  # the change is kept anyway


def bump_for_user(update_fields=None, **signal):
    """A user's save or delete moves the version too (pages show who entered a score or decided; a delete
    empties those fields without a signal of their own), but not the last_login that every login writes."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump_data_version(**signal)


_AFTER_COMMIT = {}  # one callback a database, so that a transaction registers it once


def data_version(request=None):
    """The version (see above), read once a request."""
    known = getattr(request, "_data_version", None)
    if known is not None:
        return known
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Before its first nextval() a sequence shows last_value 1 with is_called false, as after it.
            cursor.execute(f'SELECT last_value, is_called FROM "{SEQUENCE}"')  # noqa: S608 (a constant name)
            last_value, is_called = cursor.fetchone()
            version = last_value if is_called else last_value - 1
    else:
        from programs.models import DataVersion

        version = DataVersion.objects.filter(pk=1).values_list("counter", flat=True).first() or 0
    if request is not None:
        request._data_version = version
    return version
