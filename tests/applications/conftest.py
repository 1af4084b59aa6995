"""Helpers for driving the applicant portal the way a browser does."""
from __future__ import annotations

import io
import re
import struct
import zlib
from datetime import date

import pytest
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_2

from loans.applications.models import LoanApplication
from loans.db import db


def resident_id(region="431002", birth=date(1990, 3, 15), seq="123") -> str:
    body = f"{region}{birth:%Y%m%d}{seq}" if isinstance(birth, date) else f"{region}{birth}{seq}"
    return body + mod_11_2.calc_check_digit(body)


def credit_code(body="91431002MA4L12345") -> str:
    return body + uscc.calc_check_digit(body)


def tiny_pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def tiny_png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
            + chunk(b"IEND", b""))


def tiny_jpeg() -> bytes:
    # SOI, a JFIF APP0 segment and EOI: enough for any type sniffer.
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


PERSON = {
    "full_name": "张小明",
    "mobile": "13812345678",
    "household_district_code": "431002",
    "education": "senior_high",
    "graduation_date": "",
}
BUSINESS = {
    "loan_type": "individual",
    "business_name": "小明汽修店",
    "credit_code": "",
    "district_code": "431002",
    "business_address": "郴州市北湖区人民路1号",
    "industry": "repair",
    "business_start_date": "2025-03-01",
    "current_staff": "2",
    "planned_jobs": "4",
    "new_key_group_hires": "",
}
LOAN = {"amount": "150000", "term_months": "24", "purpose": "购置维修设备", "preferred_bank_code": "ICBC-CZ"}
DECLARATIONS = {"declares_no_other_loans": "y", "consents_credit_check": "y", "declares_truthful": "y"}


class Portal:
    """One applicant's browser session in the portal."""

    def __init__(self, client):
        self.client = client

    def new(self) -> int:
        response = self.client.post("/my/applications/new")
        assert response.status_code == 302, response.status_code
        return int(re.search(r"/my/applications/(\d+)/step/person", response.headers["Location"]).group(1))

    def url(self, application_id, step):
        return f"/my/applications/{application_id}/step/{step}"

    def step(self, application_id, step, data, action="next"):
        return self.client.post(self.url(application_id, step), data={**data, "action": action})

    def page(self, application_id, step):
        response = self.client.get(self.url(application_id, step))
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    def upload(self, application_id, kind, content, filename="evidence.pdf", **extra):
        return self.client.post(f"/my/applications/{application_id}/documents",
                                data={"kind": kind, "file": (io.BytesIO(content), filename), **extra},
                                content_type="multipart/form-data")

    def consent(self, application_id):
        return self.client.post(f"/my/applications/{application_id}/consent", data={"agree": "y"})

    def fill(self, application_id, *, id_number=None, groups=("urban_unemployed",), person=None, business=None,
             loan=None, evidence=True):
        """Fill every step with valid data (and upload the key-group evidence)."""
        for step, data in (
            ("person", {**PERSON, "id_number": id_number or resident_id(), **(person or {})}),
            ("groups", {"key_groups": list(groups)}),
            ("business", {**BUSINESS, **(business or {})}),
            ("loan", {**LOAN, **(loan or {})}),
            ("declarations", DECLARATIONS),
        ):
            response = self.step(application_id, step, data)
            assert response.status_code == 302, (step, response.get_data(as_text=True)[:3000])
        if evidence:
            for group in groups:
                response = self.upload(application_id, f"key_group:{group}", tiny_pdf())
                assert response.status_code == 302, response.get_data(as_text=True)[:3000]

    def submit(self, application_id):
        return self.client.post(f"/my/applications/{application_id}/submit")


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def portal(client, login_as):
    login_as("applicant")
    return Portal(client)


@pytest.fixture
def other_portal(app, make_user):
    """A second applicant, in their own browser."""
    from tests.conftest import login

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    user = make_user("applicant")
    assert login(client, user).status_code == 302
    return Portal(client)


def get_application(application_id) -> LoanApplication:
    db.session.expire_all()
    return db.session.get(LoanApplication, application_id)
