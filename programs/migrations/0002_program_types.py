"""The four program types of PP 11/2017 Pasal 217, editable afterwards in the admin."""

from django.db import migrations

PROGRAM_TYPES = [
    {
        "code": "pkn-1",
        "name": "Pelatihan Kepemimpinan Nasional Tingkat I",
        "abbreviation": "PKN Tingkat I",
        "target_position": "JPT Madya",
        "former_echelon": "I",
        "product_name": "Proyek Perubahan",
        "run_by": "LAN",
        "order": 1,
    },
    {
        "code": "pkn-2",
        "name": "Pelatihan Kepemimpinan Nasional Tingkat II",
        "abbreviation": "PKN Tingkat II",
        "target_position": "JPT Pratama",
        "former_echelon": "II",
        "product_name": "Proyek Perubahan",
        "run_by": "LAN or an accredited training body",
        "order": 2,
    },
    {
        "code": "pka",
        "name": "Pelatihan Kepemimpinan Administrator",
        "abbreviation": "PKA",
        "target_position": "Administrator",
        "former_echelon": "III",
        "product_name": "Aksi Perubahan",
        "run_by": "LAN or an accredited training body",
        "order": 3,
    },
    {
        "code": "pkp",
        "name": "Pelatihan Kepemimpinan Pengawas",
        "abbreviation": "PKP",
        "target_position": "Pengawas",
        "former_echelon": "IV",
        "product_name": "Aksi Perubahan",
        "run_by": "LAN or an accredited training body",
        "order": 4,
    },
]


def load(apps, schema_editor):
    ProgramType = apps.get_model("programs", "ProgramType")
    for row in PROGRAM_TYPES:
        ProgramType.objects.update_or_create(code=row["code"], defaults=row)


def unload(apps, schema_editor):
    apps.get_model("programs", "ProgramType").objects.filter(code__in=[r["code"] for r in PROGRAM_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
