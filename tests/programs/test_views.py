import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import Enrolment, EnrolmentStatus
from programs.article import article_program
from tests.factories import (
    ChangeProjectFactory,
    EnrolmentFactory,
    InstitutionFactory,
    ParticipantFactory,
    ProgramFactory,
    ProgramTypeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def banten(db):
    call_command("seed_article", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    return article_program()


@pytest.fixture
def staff_client(english, personas):
    english.force_login(personas["staff"])
    return english


def test_program_dashboard_banten_shows_52_of_52_seats_and_107_days(staff_client, banten):
    response = staff_client.get(reverse("reports:program", args=[banten.pk]))
    page = response.content.decode()

    assert '<p class="display-6 mb-1" data-testid="seats">52 of 52</p>' in page
    assert '<dd class="col-sm-8" data-testid="program-duration">107 days</dd>' in page
    assert "23 June 2025 – 7 October 2025" in page
    assert "BPSDM Provinsi Banten, Pandeglang" in page
    assert "Andra Soni" in page and "Untung Saritomo" in page and "Agus Sudrajat" in page
    assert "This page shows synthetic demo data" in page
    assert len(response.context["page"]) == 25
    assert response.context["page"].paginator.count == 52


def test_program_dashboard_in_indonesian_by_default(client, personas, banten):
    client.force_login(personas["staff"])

    page = client.get(reverse("reports:program", args=[banten.pk])).content.decode()

    assert '<p class="display-6 mb-1" data-testid="seats">52 dari 52</p>' in page
    assert '<dd class="col-sm-8" data-testid="program-duration">107 hari</dd>' in page
    assert "23 Juni 2025 – 7 Oktober 2025" in page


def test_program_dashboard_charts_count_every_participant(staff_client, banten):
    response = staff_client.get(reverse("reports:program", args=[banten.pk]))

    totals = {chart.title: chart.total for chart in response.context["charts"]}
    assert set(totals.values()) == {52}
    stage_chart = response.context["charts"][4]
    assert [bar.label for bar in stage_chart.bars] == [
        "Design",
        "Design seminar",
        "Implementation",
        "Results seminar",
        "Reported",
        "Continuing after training",
    ]
    assert [bar.value for bar in stage_chart.bars] == [1, 2, 4, 8, 22, 15]


def test_program_dashboard_table_search_and_sort(staff_client):
    program = ProgramFactory()
    for name, title in [("Budi", "Zonasi"), ("Ani", "Arsip Digital"), ("Citra", "Layanan Daring")]:
        ChangeProjectFactory(
            title=title,
            enrolment=EnrolmentFactory(program=program, participant=ParticipantFactory(name=name)),
        )
    url = reverse("reports:program", args=[program.pk])

    by_name = [e.participant.name for e in staff_client.get(url).context["page"]]
    by_project_desc = [
        e.participant.name for e in staff_client.get(url, {"sort": "-project"}).context["page"]
    ]
    searched = [e.participant.name for e in staff_client.get(url, {"q": "arsip"}).context["page"]]

    assert by_name == ["Ani", "Budi", "Citra"]
    assert by_project_desc == ["Budi", "Citra", "Ani"]
    assert searched == ["Ani"]


def test_program_dashboard_unknown_sort_falls_back_to_name(staff_client):
    program = ProgramFactory()
    EnrolmentFactory(program=program, participant=ParticipantFactory(name="Budi"))

    response = staff_client.get(
        reverse("reports:program", args=[program.pk]), {"sort": "participant__nip", "page": "x"}
    )

    assert [e.participant.name for e in response.context["page"]] == ["Budi"]
    assert response.context["sort"] == "name"


def test_program_list_filters_by_type_year_and_status(staff_client):
    pka = ProgramTypeFactory(code="pka")
    ProgramFactory(title="PKN II 2025", year=2025, start_date=datetime.date(2025, 6, 23))
    ProgramFactory(title="PKA 2025", year=2025, program_type=pka, start_date=datetime.date(2025, 3, 1))
    ProgramFactory(title="PKN II 2024", year=2024, start_date=datetime.date(2024, 6, 1))
    ProgramFactory(title="Cancelled", year=2025, cancelled=True)
    url = reverse("reports:program_list")

    def titles(**params):
        return [p.title for p in staff_client.get(url, params).context["page"]]

    assert titles(program_type=pka.pk) == ["PKA 2025"]
    assert titles(year=2024) == ["PKN II 2024"]
    assert titles(status="cancelled") == ["Cancelled"]
    assert titles(q="pkn ii", ordering="start") == ["PKN II 2024", "PKN II 2025"]


def test_program_list_invalid_filter_shows_the_error_not_a_500(staff_client):
    ProgramFactory(title="PKN II 2025")

    response = staff_client.get(reverse("reports:program_list"), {"year": "twenty", "status": "bogus"})

    assert response.status_code == 200
    assert response.context["filter"].errors == {
        "year": ["Enter a number."],
        "status": ["Select a valid choice. bogus is not one of the available choices."],
    }


def test_program_list_pagination_keeps_the_filters_in_links(staff_client):
    for n in range(27):
        ProgramFactory(title=f"PKN {n}", year=2025)

    page = staff_client.get(reverse("reports:program_list"), {"year": 2025}).content.decode()

    assert 'href="?year=2025&amp;page=2"' in page


def test_overview_figures_and_ongoing_program(staff_client, banten, time_machine_today):
    time_machine_today(datetime.date(2025, 7, 1))
    response = staff_client.get(reverse("reports:overview"))

    figures = response.context["figures"]
    assert (figures["participants"], figures["institutions"], figures["programs_this_year"]) == (
        52,
        len(set(banten.enrolments.values_list("participant__institution", flat=True))),
        1,
    )
    assert figures["passed"] == banten.enrolments.filter(status="passed").count()
    assert [(p.title, p.today_number) for p in response.context["ongoing"]] == [(banten.title, 9)]
    assert "day 9 of 107" in response.content.decode()


def test_compare_two_programs_side_by_side(staff_client):
    first, second = ProgramFactory(title="Angkatan I"), ProgramFactory(title="Angkatan II")
    ministry = InstitutionFactory(kind="ministry", province="")
    EnrolmentFactory(program=first, status=EnrolmentStatus.PASSED)
    EnrolmentFactory(
        program=first, status=EnrolmentStatus.FAILED, participant=ParticipantFactory(institution=ministry)
    )
    EnrolmentFactory(program=second, status=EnrolmentStatus.PASSED)

    response = staff_client.get(reverse("reports:compare"), {"programs": [first.pk, second.pk]})

    columns = {
        c["program"].title: (c["size"], c["pass_rate"], c["kinds"][0]) for c in response.context["columns"]
    }
    assert columns == {"Angkatan I": (2, 50, 1), "Angkatan II": (1, 100, 0)}


def test_compare_one_program_is_refused_with_a_message(staff_client):
    program = ProgramFactory()

    response = staff_client.get(reverse("reports:compare"), {"programs": [program.pk]})

    assert response.context["form"].errors == {"programs": ["Choose two to six programs."]}
    assert response.context["columns"] == []


def make_programs(n):
    for _ in range(n):
        program = ProgramFactory()
        for _ in range(2):
            ChangeProjectFactory(enrolment=EnrolmentFactory(program=program))


def queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("reports:overview", 11), ("reports:program_list", 10), ("reports:compare", 10)],  # cache cold
)
def test_program_pages_queries_do_not_grow_with_data(staff_client, name, expected):
    make_programs(1)
    url = reverse(name)
    params = {}
    one = queries(staff_client, url)
    make_programs(3)
    if name == "reports:compare":
        from programs.models import Program

        params = {"programs": list(Program.objects.values_list("pk", flat=True)[:3])}
        one = queries(staff_client, url, {"programs": params["programs"][:2]})
    three = queries(staff_client, url, params)
    again = queries(staff_client, url, params)  # cached: session, user, permissions, the data version

    assert (one, three, again) == (expected, expected, 5 if name != "reports:compare" else expected)


def test_program_dashboard_queries_do_not_grow_with_participants(staff_client):
    small, large = ProgramFactory(), ProgramFactory(capacity=60)
    ChangeProjectFactory(enrolment=EnrolmentFactory(program=small))
    for _ in range(30):
        ChangeProjectFactory(enrolment=EnrolmentFactory(program=large))

    counts = [queries(staff_client, reverse("reports:program", args=[p.pk])) for p in (small, large)]

    assert counts == [20, 20]  # cache cold: 11 for the page, 9 for the lifecycle panel
    warm = [queries(staff_client, reverse("reports:program", args=[p.pk])) for p in (small, large)]
    assert warm == [6, 6]  # session, user, groups' permissions, the program, the data version


def test_program_dashboard_shows_a_change_at_once(staff_client):
    program = ProgramFactory(title="PKN II Angkatan I")
    project = ChangeProjectFactory(enrolment=EnrolmentFactory(program=program), stage="design")
    url = reverse("reports:program", args=[program.pk])

    before = staff_client.get(url)
    cached = staff_client.get(url)
    project.stage = "reported"
    project.save()
    after = staff_client.get(url)
    project.enrolment.participant.delete()
    emptied = staff_client.get(url)

    def stage_chart(response):
        figure = re.search(
            r"<figcaption[^>]*>Change projects by stage</figcaption>.*?</figure>",
            response.content.decode(),
            re.S,
        )
        return dict(
            re.findall(r'<th scope="row">([^<]+)</th><td class="text-end">(\d+)</td>', figure.group(0))
        )

    assert [r.context["cached"] for r in (before, cached, after, emptied)] == [
        (False, False),
        (True, True),
        (False, False),
        (False, False),
    ]
    assert [
        (stage_chart(r)["Design"], stage_chart(r)["Reported"]) for r in (before, cached, after, emptied)
    ] == [
        ("1", "0"),
        ("1", "0"),
        ("0", "1"),
        ("0", "0"),
    ]
    assert "No participants to show yet." in emptied.content.decode()


def test_program_dashboard_cache_is_kept_apart_per_viewer(client, personas):
    program = ProgramFactory()
    EnrolmentFactory(
        program=program, participant=ParticipantFactory(name="Ani", institution=personas["unit_a"])
    )
    EnrolmentFactory(
        program=program, participant=ParticipantFactory(name="Badu", institution=personas["institution_b"])
    )
    url = reverse("reports:program", args=[program.pk])

    def names(user):
        client.force_login(user)
        page = client.get(url, {"sort": "name"}).content.decode()
        table = page[page.index('data-testid="participant-table"') :]
        return re.findall(r'<a href="/participants/\d+/">([^<]+)</a>', table)

    assert [names(personas[who]) for who in ("staff", "liaison", "staff", "liaison_other")] == [
        ["Ani", "Badu"],
        ["Ani"],
        ["Ani", "Badu"],
        ["Badu"],
    ]


def shown_figure(response, name):
    match = re.search(rf'data-figure="{name}">([^<]*)<', response.content.decode())
    return match.group(1)


def test_overview_figures_are_cached_until_the_data_changes(staff_client):
    program = ProgramFactory()
    EnrolmentFactory(program=program, status=EnrolmentStatus.PASSED)
    url = reverse("reports:overview")

    first = staff_client.get(url)
    with CaptureQueriesContext(connection) as warm:
        second = staff_client.get(url)
    # session, user, groups' permissions, the data version
    assert len(warm) == 5  # 11 when the figures are computed
    EnrolmentFactory(program=program, status=EnrolmentStatus.PASSED)
    third = staff_client.get(url)
    Enrolment.objects.filter(status=EnrolmentStatus.PASSED).first().delete()
    fourth = staff_client.get(url)

    assert [
        (r.context["stats_cached"], shown_figure(r, "passed")) for r in (first, second, third, fourth)
    ] == [
        (False, "1"),
        (True, "1"),
        (False, "2"),
        (False, "1"),
    ]


def test_overview_cache_is_kept_apart_per_scope(client, personas):
    program = ProgramFactory()
    EnrolmentFactory(program=program, participant=ParticipantFactory(institution=personas["unit_a"]))
    EnrolmentFactory(program=program, participant=ParticipantFactory(institution=personas["institution_b"]))
    url = reverse("reports:overview")

    client.force_login(personas["staff"])
    everyone = shown_figure(client.get(url), "participants")
    client.force_login(personas["liaison"])
    own = shown_figure(client.get(url), "participants")
    client.force_login(personas["staff"])
    everyone_again = shown_figure(client.get(url), "participants")

    assert (everyone, own, everyone_again) == ("2", "1", "2")


def test_program_dashboard_offers_the_roster_downloads_to_those_who_may_export(staff_client):
    program = ProgramFactory()
    EnrolmentFactory(program=program)

    page = staff_client.get(reverse("reports:program", args=[program.pk])).content.decode()

    for fmt in ("csv", "xlsx", "pdf"):
        assert (
            f'href="{reverse("reports:roster", args=[program.pk, fmt])}" data-testid="roster-{fmt}"' in page
        )


def test_program_dashboard_hides_the_downloads_without_the_export_permission(english):
    from django.contrib.auth.models import Permission

    from tests.conftest import make_user

    viewer = make_user("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_program"))
    english.force_login(viewer)
    program = ProgramFactory()

    page = english.get(reverse("reports:program", args=[program.pk])).content.decode()

    assert 'data-testid="roster-csv"' not in page
    assert 'data-testid="program-actions"' in page


def test_program_list_export_links_carry_the_filters(staff_client):
    ProgramFactory(year=2025)

    page = staff_client.get(reverse("reports:program_list"), {"year": 2025, "q": "banten"}).content.decode()

    assert f'href="{reverse("reports:enrolments", args=["csv"])}?year=2025&amp;q=banten"' in page


def test_overview_figures_from_two_scans_equal_the_plain_aggregates():
    from django.db.models import Count, Q

    from reports.figures import overview_figures

    dinas, badan = (
        InstitutionFactory(name="Dinas A", kind="province"),
        InstitutionFactory(name="Badan B", kind="province"),
    )
    kota = InstitutionFactory(name="Kota C", kind="city")
    first, second = ProgramFactory(year=2024), ProgramFactory(year=2025)
    twice = ParticipantFactory(institution=dinas, is_demo=True)
    EnrolmentFactory(program=first, participant=twice, status=EnrolmentStatus.PASSED)
    EnrolmentFactory(program=second, participant=twice, status=EnrolmentStatus.ACTIVE)
    EnrolmentFactory(
        program=second, participant=ParticipantFactory(institution=badan), status="passed_deferred"
    )
    EnrolmentFactory(program=first, participant=ParticipantFactory(institution=badan), status="failed")
    EnrolmentFactory(program=first, participant=ParticipantFactory(institution=kota))
    enrolments = Enrolment.objects.all()

    got = overview_figures(enrolments)

    passed = ["passed"]  # graduation deferred is not passed
    assert (
        got["figures"]
        == enrolments.aggregate(
            participants=Count("participant", distinct=True),
            passed=Count("pk", filter=Q(status__in=passed)),
            institutions=Count("participant__institution", distinct=True),
            demo=Count("pk", filter=Q(participant__is_demo=True)),
        )
        == {"participants": 4, "passed": 1, "institutions": 3, "demo": 2}
    )
    assert got["by_kind"] == [("province", 4), ("city", 1)]
    assert got["top"] == [("Badan B", 2), ("Dinas A", 2), ("Kota C", 1)]
    assert sorted(got["per_year"]) == sorted(
        enrolments.values_list("program__year", "program__program_type__abbreviation")
        .annotate(n=Count("pk"))
        .order_by()
    )
