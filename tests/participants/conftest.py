"""Personas for the report and import tests: an administrator, a staff viewer, a liaison, an outsider."""

import shutil
import subprocess

import pytest

from demo.factories import LiaisonFactory, UserFactory

ADMINISTRATOR, STAFF, LIAISON = "Administrator", "Staf", "Penghubung instansi"


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin-ria", is_staff=True, groups=[ADMINISTRATOR])


@pytest.fixture
def staff(db):
    """Sees every institution, may export, may not see personal data unmasked."""
    return UserFactory(username="staf-budi", groups=[STAFF])


@pytest.fixture
def outsider(db):
    return UserFactory(username="orang-luar")


@pytest.fixture
def liaison_of():
    def make(institution):
        return LiaisonFactory(user=UserFactory(groups=[LIAISON]), institution=institution).user

    return make


@pytest.fixture
def pdf_text():
    """The text of a PDF, through poppler's pdftotext (Debian's poppler-utils)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")

    def extract(content):
        return subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()

    return extract


@pytest.fixture
def without_pdf_font(monkeypatch, settings, tmp_path):
    """A server without DejaVu Sans: find_font looks in an empty PDF_FONT_DIR and nowhere else."""
    from trainingtracker import files

    settings.PDF_FONT_DIR = str(tmp_path)
    monkeypatch.setattr(files, "FONT_DIRS", [])
    monkeypatch.setattr(files.glob, "glob", lambda *args, **kwargs: [])
    monkeypatch.setattr(files.shutil, "which", lambda name: None)
    files.pdf_fonts.cache_clear()
    yield
    files.pdf_fonts.cache_clear()
