"""Bulk CSV import: all rows or none, every bad row reported, idempotent, non-Latin text kept."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

HEADER = (
    "authentication_number,sub_number,sticker_number,submitter_kind,submitter_name,"
    "country_of_use,document_type,document_title,issuer,signer,legalized_on,place,notes"
)
GOOD_ROWS = [
    "2026-000101,1,S0000101,person,张伟,CN,civil_status,出生公证书,北京市方正公证处,王小明,"
    "2026-01-05,,",
    "2026-000102,1,S0000102,person,Nguyễn Thị Minh Khai,VN,education,Bằng tốt nghiệp,"
    "Trường Đại học Quốc gia Hà Nội,Trần Văn Bình,2026-01-06,Hà Nội,",
    '2026-000103,2,S0000103,agency,"Công ty TNHH Thương mại Hòa Bình",VN,commercial,'
    'Hợp đồng mua bán,"Phòng Công chứng số 1, TP. Hồ Chí Minh",Lê Thị Hoa,2026-01-07,,'
    '"two lines,\nof notes"',
    "2026-000104,1,S0000104,agency,上海进出口贸易有限公司,FR,commercial,原产地证明书,"
    "中国国际贸易促进委员会,李华,2026-01-08,上海,",
]


def csv_file(rows: list[str], header: str = HEADER, bom: bool = False) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


@pytest.fixture
def post(make):
    return make.post(code="CN-SHA", city="上海", country="CN", time_zone="Asia/Shanghai")


@pytest.fixture
def headers(make, post):
    return make.auth(make.staff("officer", posts=[post.code]))


def import_url(post_code: str) -> str:
    return f"/api/v1/staff/posts/{post_code}/legalizations/import"


def send(client, post, headers, data: bytes, multipart: bool = False, **query):
    if multipart:
        return client.post(
            import_url(post.code),
            data={"file": (io.BytesIO(data), "legalizations.csv")},
            content_type="multipart/form-data",
            headers=headers,
            query_string=query,
        )
    return client.post(
        import_url(post.code),
        data=data,
        content_type="text/csv; charset=utf-8",
        headers=headers,
        query_string=query,
    )


def stored(app) -> list:
    from services.core.db import db
    from services.models import Legalization

    with app.app_context():
        records = list(db.session.scalars(select(Legalization).order_by(Legalization.id)))
        db.session.expunge_all()
        return records


def count(app) -> int:
    from services.core.db import db
    from services.models import Legalization

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Legalization))


def test_a_good_file_is_imported_with_chinese_and_vietnamese_text_intact(
    app, client, post, headers
):
    data = csv_file(GOOD_ROWS, bom=True)
    response = send(client, post, headers, data, multipart=True)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["rows"], body["created"], body["unchanged"], body["dry_run"]) == (4, 4, 0, False)
    assert len(body["created_ids"]) == 4
    import hashlib

    assert body["import_id"] == hashlib.sha256(data).hexdigest()

    records = {r.authentication_number: r for r in stored(app)}
    first = records["2026-000101"]
    assert (first.submitter_name, first.document_title, first.issuer, first.signer) == (
        "张伟",
        "出生公证书",
        "北京市方正公证处",
        "王小明",
    )
    assert first.place == "上海"  # empty place: the post's city
    assert first.notes is None
    second = records["2026-000102"]
    assert second.submitter_name == "Nguyễn Thị Minh Khai"
    assert second.issuer == "Trường Đại học Quốc gia Hà Nội"
    assert second.place == "Hà Nội"
    third = records["2026-000103"]
    assert third.issuer == "Phòng Công chứng số 1, TP. Hồ Chí Minh"  # quoted comma
    assert third.notes == "two lines,\nof notes"  # quoted newline
    assert third.sub_number == "2"
    assert third.source_line == 4  # the line where the record starts
    assert records["2026-000104"].source_line == 6  # after the two-line record
    assert {r.source_import_id for r in records.values()} == {body["import_id"]}

    # The same text comes back over HTTP.
    got = client.get(f"/api/v1/staff/legalizations/{second.id}", headers=headers)
    assert got.get_json()["submitter_name"] == "Nguyễn Thị Minh Khai"
    listed = client.get(
        f"/api/v1/staff/posts/{post.code}/legalizations",
        query_string={"source_import_id": body["import_id"]},
        headers=headers,
    )
    assert len(listed.get_json()) == 4


def test_bad_rows_are_all_reported_with_their_lines_and_nothing_is_written(
    app, client, post, headers
):
    rows = [
        GOOD_ROWS[0],
        # line 3: bad country and bad date
        "2026-000201,1,S0000201,person,Trần An,XX,civil_status,,Sở Tư pháp,Lê Bình,2026-13-01,,",
        GOOD_ROWS[1],
        # line 5: missing signer, unknown document type
        "2026-000202,1,S0000202,agency,Công ty A,VN,passport,,Sở Tư pháp,,2026-01-02,,",
        # line 6: too few columns
        "2026-000203,1,S0000203,person",
        # line 7: the same numbers as line 2
        GOOD_ROWS[0].replace("张伟", "李娜"),
        # line 8: a date written the local way
        "2026-000204,1,S0000204,person,Lê Hoa,VN,medical,,Bệnh viện Bạch Mai,Phạm Minh,"
        "05/01/2026,,",
    ]
    response = send(client, post, headers, csv_file(rows))
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == "import_rows_invalid"
    assert "5 rows" in body["message"]
    problems = body["errors"]["rows"]
    assert [(p["line"], p["field"], p["reason"]) for p in problems] == [
        (3, "country_of_use", "not_a_country"),
        (3, "legalized_on", "not_a_date"),
        (5, "document_type", "not_allowed"),
        (5, "signer", "required"),
        (6, None, "column_count"),
        (7, None, "duplicate_in_file"),
        (8, "legalized_on", "not_a_date"),
    ]
    assert all(p["message"] for p in problems)
    assert "line 2" in problems[5]["message"]
    assert count(app) == 0  # the good rows were not written either


def test_the_row_message_is_localised(client, post, headers):
    rows = ["2026-000301,1,S1,person,Trần An,XX,civil_status,,Sở Tư pháp,Lê Bình,2026-01-01,,"]
    response = send(
        client, post, {**headers, "Accept-Language": "zh-CN"}, csv_file(rows), multipart=False
    )
    assert response.status_code == 422
    assert response.get_json()["message"].startswith("有 1 行无效")


def test_reimporting_the_same_file_creates_no_duplicates(app, client, post, headers):
    data = csv_file(GOOD_ROWS)
    first = send(client, post, headers, data)
    assert first.get_json()["created"] == 4
    again = send(client, post, headers, data)
    assert again.status_code == 200, again.get_json()
    assert (again.get_json()["created"], again.get_json()["unchanged"]) == (0, 4)
    assert again.get_json()["created_ids"] == []
    assert count(app) == 4

    # A bigger file that repeats the first rows creates only the new one.
    new_row = (
        "2026-000105,1,S0000105,person,Phạm Văn Đồng,VN,judicial,Phiếu lý lịch tư pháp,"
        "Sở Tư pháp Hà Nội,Ngô Thị Lan,2026-01-09,,"
    )
    grown = send(client, post, headers, csv_file([*GOOD_ROWS, new_row], bom=True))
    assert (grown.get_json()["created"], grown.get_json()["unchanged"]) == (1, 4)
    assert count(app) == 5


def test_same_numbers_with_different_content_is_a_reported_conflict(app, client, post, headers):
    send(client, post, headers, csv_file(GOOD_ROWS))
    changed = GOOD_ROWS[1].replace("Trần Văn Bình", "Trần Văn Bính")
    new_row = (
        "2026-000106,1,S0000106,agency,Công ty B,VN,commercial,,Sở Công Thương,Hà Lan,2026-01-10,,"
    )
    response = send(client, post, headers, csv_file([GOOD_ROWS[0], changed, new_row]))
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]["rows"]
    assert (problem["line"], problem["reason"]) == (3, "conflict")
    assert "signer" in problem["message"]
    assert count(app) == 4  # the new row of the refused file was not written


def test_numbers_recorded_at_another_post_are_a_conflict_without_details(
    app, client, make, post, headers
):
    other = make.post()
    make.legalization(
        other, authentication_number="2026-000101", sub_number="1", sticker_number="S0000101"
    )
    response = send(client, post, headers, csv_file(GOOD_ROWS[:1]))
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]["rows"]
    assert problem["reason"] == "exists_elsewhere"
    assert "Nguy" not in problem["message"]  # nothing of the other post's record


def test_dry_run_checks_and_counts_but_writes_nothing(app, client, post, headers):
    response = send(client, post, headers, csv_file(GOOD_ROWS), dry_run="true")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["dry_run"], body["created"], body["created_ids"]) == (True, 4, [])
    assert count(app) == 0
    bad = send(client, post, headers, csv_file(["1,1,1,person"]), dry_run="true")
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["rows"][0]["reason"] == "column_count"


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (csv_file(GOOD_ROWS[:1]).decode().encode("gb18030"), 2),  # Chinese Excel default
        (HEADER.encode() + b"\r\n" + "Lê Hoa".encode("cp1258"), 2),  # Vietnamese Windows
        (csv_file(GOOD_ROWS[:1]).decode().encode("utf-16"), 1),  # "Unicode text" with a BOM
    ],
)
def test_other_encodings_are_refused_with_a_clear_error(app, client, post, headers, data, line):
    response = send(client, post, headers, data)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "import_not_utf8"
    assert f"line {line}" in body["message"]
    assert "UTF-8" in body["message"]
    assert count(app) == 0


def test_a_bad_header_names_what_is_missing_and_unknown(client, post, headers):
    header = HEADER.replace("signer", "signatory").replace(",notes", ",notes,notes")
    response = send(client, post, headers, csv_file(GOOD_ROWS[:1], header=header))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "import_header_invalid"
    assert body["errors"] == {
        "missing": ["signer"],
        "unknown": ["signatory"],
        "repeated": ["notes"],
    }


def test_semicolon_separated_files_and_blank_lines_are_accepted(app, client, post, headers):
    rows = [
        "2026-000401;1;S0000401;person;陈静;CN;notarial;;北京市公证处;赵强;2026-02-01;;",
        ";;;;;;;;;;;;",
        "",
    ]
    response = send(client, post, headers, csv_file(rows, header=HEADER.replace(",", ";")))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["rows"] == 1
    assert stored(app)[0].submitter_name == "陈静"


def test_empty_files_and_wrong_media_types_are_refused(client, post, headers):
    empty = send(client, post, headers, b"\xef\xbb\xbf \r\n")
    assert (empty.status_code, empty.get_json()["error"]) == (422, "import_empty")
    as_json = client.post(import_url(post.code), json={"rows": []}, headers=headers)
    assert (as_json.status_code, as_json.get_json()["error"]) == (415, "import_media_type")
    no_file = client.post(
        import_url(post.code),
        data={"other": "x"},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert (no_file.status_code, no_file.get_json()["error"]) == (422, "import_empty")


def test_size_and_row_limits(app, client, post, headers, monkeypatch):
    monkeypatch.setitem(app.config, "LEGALIZATION_IMPORT_MAX_BYTES", 1000)
    big = csv_file(GOOD_ROWS * 3)
    assert len(big) > 1000
    too_big = send(client, post, headers, big)
    assert too_big.status_code == 413
    assert too_big.get_json()["error"] == "import_too_large"
    assert "1000" in too_big.get_json()["message"]

    monkeypatch.setitem(app.config, "LEGALIZATION_IMPORT_MAX_BYTES", 1024 * 1024)
    monkeypatch.setitem(app.config, "LEGALIZATION_IMPORT_MAX_ROWS", 3)
    too_many = send(client, post, headers, csv_file(GOOD_ROWS))
    assert too_many.status_code == 422
    assert too_many.get_json()["error"] == "import_too_many_rows"
    assert count(app) == 0


def test_bodies_over_the_global_limit_get_the_envelope(client, post, headers):
    response = send(client, post, headers, b"x" * (2 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"


def test_a_retried_import_with_an_idempotency_key_replays(app, client, post, headers):
    keyed = {**headers, "Idempotency-Key": "import-2026-01"}
    first = send(client, post, keyed, csv_file(GOOD_ROWS), multipart=True)
    second = send(client, post, keyed, csv_file(GOOD_ROWS), multipart=True)
    assert first.status_code == second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json() == first.get_json()
    assert count(app) == 4


def test_import_is_audited_once(app, client, post, headers):
    from services.core.db import db
    from services.models import AuditLog

    body = send(client, post, headers, csv_file(GOOD_ROWS)).get_json()
    with app.app_context():
        [entry] = db.session.scalars(
            select(AuditLog).where(AuditLog.action == "legalization.import")
        ).all()
        assert entry.target_id == body["import_id"]
        assert entry.details == {"rows": 4, "created": 4, "unchanged": 0}


def test_a_dry_run_key_is_not_replayed_for_the_real_import(app, client, post, headers):
    keyed = {**headers, "Idempotency-Key": "import-2026-02"}
    dry = send(client, post, keyed, csv_file(GOOD_ROWS), dry_run="true")
    assert dry.status_code == 200 and dry.get_json()["dry_run"] is True
    real = send(client, post, keyed, csv_file(GOOD_ROWS), dry_run="false")
    assert real.status_code == 422
    assert real.get_json()["error"] == "idempotency_key_reused"
    assert count(app) == 0


def test_a_formula_in_any_text_cell_refuses_the_file(app, client, post, headers):
    """A cell a spreadsheet would run (=, +, -, @ first) is reported and nothing is stored,
    so no lookup, export or report ever serves it."""
    rows = [
        GOOD_ROWS[0],
        "2026-000301,1,S0000301,person,=cmd|' /C calc'!A0,VN,education,,Sở Tư pháp,"
        "Lê Bình,2026-01-02,,",
        "2026-000302,1,S0000302,agency,Công ty B,VN,commercial,@SUM(1+1),+issuer,"
        '-signer,2026-01-02,,"=HYPERLINK(""http://x.invalid"")"',
    ]
    response = send(client, post, headers, csv_file(rows))
    assert response.status_code == 422, response.get_json()
    problems = response.get_json()["errors"]["rows"]
    assert sorted((p["line"], p["field"], p["reason"]) for p in problems) == [
        (3, "submitter_name", "starts_like_formula"),
        (4, "document_title", "starts_like_formula"),
        (4, "issuer", "starts_like_formula"),
        (4, "notes", "starts_like_formula"),
        (4, "signer", "starts_like_formula"),
    ]
    lookup = client.post(
        "/api/v1/legalizations/lookup",
        json={
            "authentication_number": "2026-000301",
            "sub_number": "1",
            "sticker_number": "S0000301",
        },
    )
    assert lookup.status_code == 404
