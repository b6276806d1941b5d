"""Defaults for the rules DOMAIN.md marks [U], per program type, and the new permissions for the groups.

Every value here is a starting point an administrator edits in the admin (training rules, evaluation
components, qualifications, seminar aspects): weights, thresholds, labels, the attendance minimum, the
certificate number format and the signer are not confirmed by any public source.
"""

from decimal import Decimal

from django.contrib.auth.management import create_permissions
from django.db import migrations

TARGET_LEVEL = {"pkn-1": "jpt_madya", "pkn-2": "jpt_pratama", "pka": "administrator", "pkp": "pengawas"}

# PKA's components are named in the sources; PKN uses its own words for the same four parts.
COMPONENTS = {
    "pkn": [
        ("Sikap dan Perilaku", "20"),
        ("Akademik (Policy Brief)", "25"),
        ("Visitasi", "15"),
        ("Proyek Perubahan", "40"),
    ],
    "pk": [
        ("Sikap dan Perilaku", "20"),
        ("Akademik", "25"),
        ("Studi Lapangan", "15"),
        ("Aksi Perubahan", "40"),
    ],
}
QUALIFICATIONS = [
    ("Sangat Memuaskan", "90", True),
    ("Memuaskan", "80", True),
    ("Cukup Memuaskan", "70", True),
    ("Kurang Memuaskan", "60", False),
    ("Tidak Memuaskan", "0", False),
]
ASPECTS = {
    "design": [
        ("Kejelasan masalah dan gagasan perubahan", "25"),
        ("Tujuan dan tahapan (milestone)", "20"),
        ("Pemetaan dan strategi pemangku kepentingan", "20"),
        ("Tata kelola dan faktor kunci keberhasilan", "20"),
        ("Penyajian dan argumentasi", "15"),
    ],
    "results": [
        ("Capaian milestone jangka pendek", "25"),
        ("Kualitas output dan manfaat", "20"),
        ("Kepemimpinan dalam menggerakkan pemangku kepentingan", "20"),
        ("Inovasi", "15"),
        ("Keberlanjutan jangka menengah dan panjang", "10"),
        ("Penyajian dan argumentasi", "10"),
    ],
}

NEW_MODELS = [
    ("programs", "curriculumrules"),
    ("programs", "agenda"),
    ("programs", "subject"),
    ("programs", "session"),
    ("participants", "programtyperules"),
    ("participants", "evaluationcomponent"),
    ("participants", "qualification"),
    ("participants", "seminaraspect"),
    ("participants", "attendance"),
    ("participants", "attendancecorrection"),
    ("participants", "seminar"),
    ("participants", "seminarscore"),
    ("participants", "evaluationscore"),
    ("participants", "graduationdecision"),
    ("participants", "certificatecounter"),
    ("participants", "certificate"),
    ("participants", "appointment"),
]
# A liaison reads what concerns their institution's participants; the views narrow every list to it.
LIAISON_VIEWS = [
    ("programs", "agenda"),
    ("programs", "subject"),
    ("programs", "session"),
    ("participants", "attendance"),
    ("participants", "seminar"),
    ("participants", "evaluationscore"),
    ("participants", "graduationdecision"),
    ("participants", "certificate"),
    ("participants", "appointment"),
]


def load_rules(apps, schema_editor):
    ProgramType = apps.get_model("programs", "ProgramType")
    rules = apps.get_model("participants", "ProgramTypeRules")
    Component = apps.get_model("participants", "EvaluationComponent")
    Qualification = apps.get_model("participants", "Qualification")
    Aspect = apps.get_model("participants", "SeminarAspect")
    for program_type in ProgramType.objects.all():
        rules.objects.get_or_create(
            program_type=program_type,
            defaults={"target_position_level": TARGET_LEVEL.get(program_type.code, "")},
        )
        family = "pkn" if program_type.code.startswith("pkn") else "pk"
        for order, (name, weight) in enumerate(COMPONENTS[family], start=1):
            Component.objects.get_or_create(
                program_type=program_type, name=name, defaults={"weight": Decimal(weight), "order": order}
            )
        for label, min_score, passes in QUALIFICATIONS:
            Qualification.objects.get_or_create(
                program_type=program_type,
                label=label,
                defaults={"min_score": Decimal(min_score), "passes": passes},
            )
        for kind, aspects in ASPECTS.items():
            for order, (name, weight) in enumerate(aspects, start=1):
                Aspect.objects.get_or_create(
                    program_type=program_type,
                    kind=kind,
                    name=name,
                    defaults={"weight": Decimal(weight), "order": order},
                )


def unload_rules(apps, schema_editor):
    for model in ["SeminarAspect", "Qualification", "EvaluationComponent", "ProgramTypeRules"]:
        apps.get_model("participants", model).objects.all().delete()


def grant_permissions(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    for label in ["programs", "participants"]:
        app_config = apps.get_app_config(label)
        if not getattr(app_config, "models_module", None):
            app_config.models_module = True  # the migration state's stub has none; create_permissions asks
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(pairs, actions):
        return [
            permission
            for app, model in pairs
            for action in actions
            for permission in Permission.objects.filter(
                content_type__app_label=app, content_type__model=model, codename=f"{action}_{model}"
            )
        ]

    everything = permissions(NEW_MODELS, ["add", "change", "delete", "view"])
    groups = {
        "Administrator": everything,
        "Staf": permissions(NEW_MODELS, ["view"]),
        "Penghubung instansi": permissions(LIAISON_VIEWS, ["view"]),
    }
    for name, granted in groups.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*granted)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("programs", "0004_curriculum_defaults"),
        ("participants", "0004_lifecycle"),
        ("participants", "0003_role_groups"),
    ]
    operations = [
        migrations.RunPython(load_rules, unload_rules),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]
