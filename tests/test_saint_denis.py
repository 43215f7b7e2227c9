"""The 2025 Saint-Denis question (issue 15): since 1 January 2025 the commune nouvelle Saint-Denis
(93066) is made of the communes déléguées Saint-Denis (93066) and Pierrefitte-sur-Seine (93059),
split between two ALI territories. A file that gives both codes is read the way it says; both
readings publish a commune nouvelle equal to the sum of its communes déléguées, never lose
Pierrefitte in the EPT or the département, and sum the ALI territories from the déléguées
(exact counts) rather than by population weights (estimates)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from dashboard.ingest.errors import ImportRefused
from dashboard.ingest.importer import Provenance, import_file
from dashboard.store.models import PublishedValue, Territory, TerritoryLink

TODAY = dt.date(2026, 11, 24)
JANUARY = dt.date(2025, 1, 1)
CAF = Provenance(source="CAF (test)", licence="test")


def caf_file(engine, tmp_path, saint_denis: int) -> tuple:
    """Every commune of 2025 with a distinct count, 93066 given as `saint_denis` and 93059
    (Pierrefitte) as 2 020."""
    with engine.connect() as conn:
        communes = sorted(conn.scalars(select(Territory.code).where(
            Territory.geography_code == "COG2025", Territory.level == "commune")))
    values = {code: 1000 + 10 * i for i, code in enumerate(communes)}
    values["93066"], values["93059"] = saint_denis, 2020
    path = tmp_path / "caf_janvier_2025.csv"
    path.write_text("Mois;Code commune;Foyers\n" + "".join(f"2025-01;{c};{v}\n" for c, v in values.items()),
                    encoding="utf-8")
    return path, values


def published(engine, level: str) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(PublishedValue.code, PublishedValue.value, PublishedValue.estimated).where(
            PublishedValue.indicator_code == "rsa_foyers", PublishedValue.geography_code == "COG2025",
            PublishedValue.level == level, PublishedValue.period_start == JANUARY)).all()
    return {code: (value, estimated) for code, value, estimated in rows}


def test_a_file_with_both_codes_is_refused_without_its_reading(loaded_store, tmp_path):
    _url, engine, raw_dir = loaded_store
    path, _values = caf_file(engine, tmp_path, 9170)
    with pytest.raises(ImportRefused) as refused:
        import_file(engine, path, "allocataires", CAF, raw_dir=raw_dir, today=TODAY)
    [problem] = refused.value.problems
    assert problem.column == "Code commune" and problem.found == "93066"
    assert "soit la commune nouvelle Saint-Denis entière (option --code-partage nouvelle" in problem.expected
    assert "soit la seule commune déléguée Saint-Denis (option --code-partage deleguee" in problem.expected


@pytest.mark.parametrize("reading, saint_denis", [("nouvelle", 11190), ("deleguee", 9170)])
def test_both_readings_give_a_commune_nouvelle_equal_to_its_deleguees(loaded_store, tmp_path, reading, saint_denis):
    _url, engine, raw_dir = loaded_store
    path, values = caf_file(engine, tmp_path, saint_denis)
    import_file(engine, path, "allocataires", CAF, raw_dir=raw_dir, today=TODAY, options={"shared_code": reading})

    communes, deleguees = published(engine, "commune"), published(engine, "commune_deleguee")
    # 11 190 households in the commune nouvelle, 2 020 of them in Pierrefitte: whichever reading
    assert communes["93066"] == (11190, False)
    assert deleguees == {"93066": (9170, False), "93059": (2020, False)}
    # the EPT and the département keep Pierrefitte
    whole = sum(values.values()) - 2020 + (0 if reading == "nouvelle" else 2020)
    assert published(engine, "departement")["93"] == (whole, False)
    assert sum(v for v, _ in communes.values()) == whole
    # the ALI territories are summed from the déléguées, each wholly in one: exact, not estimated
    with engine.connect() as conn:
        members = conn.execute(select(Territory.code, Territory.level, TerritoryLink.weight, Territory.id)
                               .join(TerritoryLink, TerritoryLink.child_id == Territory.id)
                               .where(TerritoryLink.parent_id == select(Territory.id).where(
                                   Territory.geography_code == "COG2025", Territory.level == "circonscription",
                                   Territory.code == _circonscription_of(conn, "93059")).scalar_subquery())).all()
    circonscriptions = published(engine, "circonscription")
    pierrefitte = _circonscription_of_engine(engine, "93059")
    parts = [values[code] for code, level, weight, _ in members if level == "commune" and weight == 1]
    assert circonscriptions[pierrefitte] == (sum(parts) + 2020, False)
    assert not any(estimated for _, estimated in circonscriptions.values())


def _circonscription_of(conn, deleguee: str) -> str:
    circ = Territory.__table__.alias("circ")
    return conn.scalar(select(circ.c.code).join(TerritoryLink, TerritoryLink.parent_id == circ.c.id)
                       .join(Territory, Territory.id == TerritoryLink.child_id)
                       .where(circ.c.level == "circonscription", circ.c.geography_code == "COG2025",
                              Territory.level == "commune_deleguee", Territory.code == deleguee))


def _circonscription_of_engine(engine, deleguee: str) -> str:
    with engine.connect() as conn:
        return _circonscription_of(conn, deleguee)


def test_no_published_count_has_decimals(loaded_store, tmp_path):
    """Counts summed through population weights (Saint-Denis split between two ALI territories
    when a file gives only the commune nouvelle) are published as whole numbers, flagged
    estimates; no count anywhere in the publication has decimals."""
    from dashboard.indicators.registry import STORED

    _url, engine, raw_dir = loaded_store
    path = tmp_path / "caf.csv"
    path.write_text("Mois;Code commune;Foyers\n" + "".join(
        f"2025-02;{code};{1000 + 7 * i}\n" for i, code in enumerate(_communes(engine))), encoding="utf-8")
    import_file(engine, path, "allocataires", CAF, raw_dir=raw_dir, today=TODAY)
    counts = [s.code for s in STORED if s.unit in ("foyers", "personnes", "habitants", "structures")]
    with engine.connect() as conn:
        rows = conn.execute(select(PublishedValue.indicator_code, PublishedValue.value, PublishedValue.estimated)
                            .where(PublishedValue.indicator_code.in_(counts), PublishedValue.value.is_not(None))).all()
    assert rows and all(value == round(value) for _, value, _ in rows)
    estimated = [value for code, value, est in rows if est and code == "rsa_foyers"]
    assert len(estimated) >= 2  # the two ALI territories that share Saint-Denis, in February 2025


def _communes(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.scalars(select(Territory.code).where(Territory.geography_code == "COG2025",
                                                                Territory.level == "commune")))
