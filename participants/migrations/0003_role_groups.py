"""The three roles as groups with their permissions; editable in the admin afterwards."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMINISTRATOR = "Administrator"
STAFF = "Staf"
LIAISON = "Penghubung instansi"

APPS = ["programs", "participants"]
LIAISON_VIEWS = [
    ("programs", "view_programtype"),
    ("programs", "view_program"),
    ("programs", "view_institution"),
    ("programs", "view_person"),
    ("programs", "view_programrole"),
    ("participants", "view_participant"),
    ("participants", "view_enrolment"),
    ("participants", "view_changeproject"),
    ("participants", "view_milestone"),
    ("participants", "export_participants"),
    ("participants", "view_personal_data"),
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    for label in ["auth", *APPS]:
        app_config = apps.get_app_config(label)
        if not getattr(app_config, "models_module", None):
            app_config.models_module = True  # the migration state's stub has none; create_permissions asks
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_permissions = Permission.objects.filter(content_type__app_label__in=APPS)

    administrator, _ = Group.objects.get_or_create(name=ADMINISTRATOR)
    administrator.permissions.set(
        list(app_permissions) + list(Permission.objects.filter(content_type__app_label="auth"))
    )
    staff, _ = Group.objects.get_or_create(name=STAFF)
    staff.permissions.set(
        app_permissions.filter(codename__startswith="view_").exclude(codename="view_personal_data")
        | app_permissions.filter(codename="export_participants")
    )
    liaison, _ = Group.objects.get_or_create(name=LIAISON)
    liaison.permissions.set(
        [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in LIAISON_VIEWS]
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[ADMINISTRATOR, STAFF, LIAISON]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("programs", "0002_program_types"),
        ("participants", "0002_liaison_and_permissions"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
