from django.db import migrations, models

from programs.models.core import PROVINCE_TIME_ZONES, TimeZone

CHOICES = [
    ("Asia/Jakarta", "WIB (Asia/Jakarta)"),
    ("Asia/Makassar", "WITA (Asia/Makassar)"),
    ("Asia/Jayapura", "WIT (Asia/Jayapura)"),
]
HELP = "Times of the program are shown in this zone. Empty: the zone of the organiser's province."


def fill_time_zones(apps, schema_editor):
    """Every existing program gets the zone of its organiser's province; WIB without a province."""
    Program = apps.get_model("programs", "Program")
    for zone in TimeZone.values:
        provinces = [province for province, value in PROVINCE_TIME_ZONES.items() if value == zone]
        Program.objects.filter(time_zone="", organiser__province__in=provinces).update(time_zone=zone)
    Program.objects.filter(time_zone="").update(time_zone=TimeZone.WIB)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0009_rules_from_participants"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalprogram",
            name="time_zone",
            field=models.CharField(
                blank=True, choices=CHOICES, help_text=HELP, max_length=20, verbose_name="time zone"
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="time_zone",
            field=models.CharField(
                blank=True, choices=CHOICES, help_text=HELP, max_length=20, verbose_name="time zone"
            ),
        ),
        migrations.RunPython(fill_time_zones, migrations.RunPython.noop),
    ]
