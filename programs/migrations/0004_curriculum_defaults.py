"""Curriculum defaults: the agendas DOMAIN.md section 3 names and the JP rules; editable in the admin.

Only what the sources give is loaded: the four PKN II agendas with the subjects of agenda 4, and the four
PKA agendas. Minutes per JP and total JP are [U]; 45 minutes is the common practice and PKA's 908 JP is
the one total a source states.
"""

from django.db import migrations

AGENDAS = {
    "pkn-2": [
        (1, "Mengelola Diri", []),
        (2, "Kepemimpinan Strategis", []),
        (3, "Manajemen Strategis", []),
        (
            4,
            "Aktualisasi Kepemimpinan Strategis",
            ["Visitasi", "Visitasi Kepemimpinan Nasional", "Policy Brief", "Proyek Perubahan"],
        ),
    ],
    "pka": [
        (1, "Kepemimpinan Pancasila dan Nasionalisme", []),
        (2, "Kepemimpinan Kinerja", []),
        (3, "Manajemen Kinerja", []),
        (4, "Aktualisasi Kepemimpinan Kinerja", []),
    ],
}
TOTAL_JP = {"pka": 908}


def load(apps, schema_editor):
    ProgramType = apps.get_model("programs", "ProgramType")
    Agenda = apps.get_model("programs", "Agenda")
    Subject = apps.get_model("programs", "Subject")
    CurriculumRules = apps.get_model("programs", "CurriculumRules")
    for program_type in ProgramType.objects.all():
        CurriculumRules.objects.get_or_create(
            program_type=program_type,
            defaults={"minutes_per_jp": 45, "total_jp": TOTAL_JP.get(program_type.code)},
        )
        for number, name, subjects in AGENDAS.get(program_type.code, []):
            agenda, _ = Agenda.objects.get_or_create(
                program_type=program_type, number=number, defaults={"name": name}
            )
            for order, subject in enumerate(subjects, start=1):
                Subject.objects.get_or_create(agenda=agenda, name=subject, defaults={"order": order})


def unload(apps, schema_editor):
    apps.get_model("programs", "Agenda").objects.filter(program_type__code__in=AGENDAS).delete()
    apps.get_model("programs", "CurriculumRules").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0003_curriculum")]
    operations = [migrations.RunPython(load, unload)]
