"""The facts of the seed article (../shared/seed/, ANTARA, Serang, June 2025) as structured data.

Only facts are kept, in our own words, with a reference to the source; none of the article's sentences.
"""

import datetime

from django.db import transaction

from programs.models import (
    Institution,
    InstitutionKind,
    Person,
    Program,
    ProgramRole,
    ProgramType,
    RoleKind,
    Source,
)

SOURCE = {
    "publisher": "ANTARA",
    "dateline": "Serang",
    # The article reports the governor's remarks "on Tuesday" after the Monday 23 June opening.
    "published_on": datetime.date(2025, 6, 24),
    "headline": "Gubernur Banten menekankan peran ASN sebagai penggerak perubahan; PKN Tingkat II Banten 2025 dibuka",
    "notes": (
        "Facts taken: program, organiser, venue, opening date, 52 participants, 107 days, classical and "
        "non-classical learning based on change projects, purpose, three officials. Related item noted by the "
        "publisher: the PKN II quota is maximised to prepare officials for echelon positions."
    ),
}

PROVINCE_GOVERNMENT = {
    "name": "Pemerintah Provinsi Banten",
    "kind": InstitutionKind.PROVINCE,
    "province": "Banten",
}
ORGANISER = {
    "name": "Badan Pengembangan Sumber Daya Manusia Provinsi Banten",
    "short_name": "BPSDM Provinsi Banten",
    "code": "BPSDM-BTN",  # in the certificate numbers; also set by migration programs 0013
    "kind": InstitutionKind.PROVINCE,
    "province": "Banten",
}
LAN = {
    "name": "Lembaga Administrasi Negara",
    "short_name": "LAN-RI",
    "kind": InstitutionKind.NON_MINISTERIAL,
    "province": "",
}

PROGRAM = {
    "year": 2025,
    "angkatan": None,  # not stated in the source
    "class_name": "",
    "title": "PKN Tingkat II Pemerintah Provinsi Banten Tahun 2025",
    "venue": "BPSDM Provinsi Banten, Pandeglang",
    "start_date": datetime.date(2025, 6, 23),
    "duration_days": 107,
    "capacity": 52,
    "classical": True,
    "non_classical": True,
    "purpose": (
        "Kompetensi manajerial pejabat struktural sesuai standar Jabatan Pimpinan Tinggi Pratama; "
        "pembelajaran klasikal dan nonklasikal berbasis proyek perubahan."
    ),
}

# (person, institution key, roles as (role, date, place, note))
OFFICIALS = [
    (
        {"name": "Andra Soni", "position": "Gubernur Banten"},
        "province",
        [
            (RoleKind.OPENED, datetime.date(2025, 6, 23), "BPSDM Provinsi Banten, Pandeglang", ""),
            (
                RoleKind.SPEAKER,
                datetime.date(2025, 6, 24),
                "Kota Serang",
                "ASN as drivers of change in public service; adaptive, collaborative leadership",
            ),
        ],
    ),
    (
        {"name": "Untung Saritomo", "position": "Kepala BPSDM Provinsi Banten"},
        "organiser",
        [(RoleKind.ORGANISER_HEAD, None, "", "")],
    ),
    (
        {
            "name": "Agus Sudrajat",
            "position": "Deputi Bidang Peningkatan Kualitas Kebijakan Administrasi Negara",
        },
        "lan",
        [(RoleKind.LAN_REPRESENTATIVE, None, "", "")],
    ),
]


def _upsert(model, lookup, defaults, create_defaults=None):
    """The row matching `lookup`, created from `create_defaults` (else lookup and defaults) when missing,
    else given `defaults`. Unlike update_or_create, an unchanged row is not saved again, so loading the
    same facts twice writes nothing, history included."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**(create_defaults or {**lookup, **defaults}))
    changed = {name: value for name, value in defaults.items() if getattr(row, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(row, name, value)
        row.save()
    return row


def _institution(data, parent=None):
    defaults = {key: value for key, value in data.items() if key != "name"}
    return _upsert(
        Institution,
        {"name__iexact": data["name"]},
        {**defaults, "parent": parent},
        create_defaults={**data, "parent": parent},
    )


@transaction.atomic
def load_article_cohort():
    """Create or update the Banten 2025 PKN II cohort and everything the article says about it.

    Side effects: writes one Source, three Institutions, one Program, three People and their
    ProgramRoles. Running it again updates the same rows and creates nothing new. Returns the program.
    """
    source = _upsert(
        Source,
        {key: SOURCE[key] for key in ("publisher", "dateline", "published_on")},
        SOURCE,
    )
    province = _institution(PROVINCE_GOVERNMENT)
    organiser = _institution(ORGANISER, parent=province)
    lan = _institution(LAN)
    institutions = {"province": province, "organiser": organiser, "lan": lan}

    program = _upsert(
        Program,
        {
            "program_type": ProgramType.objects.get(code="pkn-2"),
            "organiser": organiser,
            "year": PROGRAM["year"],
            "angkatan": PROGRAM["angkatan"],
            "class_name": PROGRAM["class_name"],
        },
        {**PROGRAM, "source": source},
    )
    for person_data, institution_key, roles in OFFICIALS:
        person = _upsert(
            Person,
            {"name": person_data["name"], "institution": institutions[institution_key]},
            person_data,
        )
        for role, date, place, note in roles:
            _upsert(
                ProgramRole,
                {"program": program, "person": person, "role": role},
                {"date": date, "place": place, "note": note, "source": source},
            )
    return program


def article_program():
    """The article's program, or None before seed_article ran."""
    return Program.objects.filter(
        program_type__code="pkn-2",
        organiser__name__iexact=ORGANISER["name"],
        year=PROGRAM["year"],
        angkatan__isnull=True,
        class_name="",
    ).first()
