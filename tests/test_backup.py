import datetime
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db(transaction=True)


def as_text(value):
    # Django's JSON serializer keeps times to the millisecond.
    if isinstance(value, datetime.datetime):
        value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    return str(value)


def snapshot():
    """Every row of every model of the project's apps, as comparable tuples."""
    rows = {}
    for label in ("programs", "participants", "auth"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.model_name in ("permission", "dataversion"):  # not backed up: not data
                continue
            # Users and groups are restored by natural key (username, name), not by id.
            fields = [
                f.attname for f in model._meta.concrete_fields if not (label == "auth" and f.primary_key)
            ]
            rows[model._meta.label] = sorted(
                tuple(as_text(value) for value in row) for row in model.objects.values_list(*fields)
            )
    rows["user groups"] = sorted(
        Group.objects.filter(user__isnull=False).values_list("user__username", "name")
    )
    rows["group permissions"] = sorted(
        (group.name, perm.codename) for group in Group.objects.all() for perm in group.permissions.all()
    )
    return rows


@pytest.mark.usefixtures("reference_data")
def test_backup_restores_into_an_empty_database_with_every_record(tmp_path):
    call_command("seed_article", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    call_command("ensure_admin", stdout=io.StringIO())
    before = snapshot()
    backup = tmp_path / "backup.json.gz"
    call_command("backup", str(backup), stdout=io.StringIO())

    call_command("flush", interactive=False, verbosity=0)  # an empty, migrated database
    assert snapshot()["participants.Participant"] == []
    out = io.StringIO()
    call_command("restore", str(backup), stdout=out)

    assert snapshot() == before
    assert len(before["participants.Participant"]) == 52
    assert out.getvalue() == f"Restored {backup}: 1 programs.\n"


@pytest.mark.usefixtures("reference_data")
def test_restore_refuses_a_database_that_holds_programs(tmp_path):
    call_command("seed_article", stdout=io.StringIO())
    backup = tmp_path / "backup.json.gz"
    call_command("backup", str(backup), stdout=io.StringIO())

    with pytest.raises(CommandError) as error:
        call_command("restore", str(backup))

    assert str(error.value).startswith("This database already holds programs.")


@pytest.mark.usefixtures("reference_data")
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "bogus.json.gz"
    bogus.write_text("not gzip")

    with pytest.raises(CommandError) as error:
        call_command("restore", str(bogus))

    assert str(error.value).startswith(f"{bogus} is not a backup file written by `backup`")
