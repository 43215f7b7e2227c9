"""Load the shipped reference data (data/reference/manifest.toml) through the importer."""
from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from dashboard.publication.publisher import publish_all, store_threshold
from dashboard.ingest.importer import ImportOutcome, Provenance, import_file
from dashboard.settings import PROJECT_ROOT
from dashboard.store.models import Publication

MANIFEST = PROJECT_ROOT / "data" / "reference" / "manifest.toml"
# The demo dataset (data/demo): loaded after the reference data, always labelled "demo".
DEMO_MANIFEST = PROJECT_ROOT / "data" / "demo" / "manifest.toml"


@dataclass(frozen=True)
class Entry:
    file: Path
    kind: str
    provenance: Provenance
    options: dict[str, Any]


def entries(manifest: Path = MANIFEST, root: Path = PROJECT_ROOT) -> Iterator[Entry]:
    for item in tomllib.loads(manifest.read_text(encoding="utf-8"))["import"]:
        yield Entry(
            file=root / item["file"], kind=item["kind"], options=item.get("options", {}),
            provenance=Provenance(
                source=item["source"], licence=item["licence"], quality=item["quality"],
                source_url=item.get("source_url"), data_date=item.get("data_date"),
                caveats=item.get("caveats"), coverage=item.get("coverage", "census"),
                imported_by="observatoire init"),
        )


def load_reference(engine: Engine, raw_dir: Path, *, demo: bool = False,
                   progress: Callable[[Entry, ImportOutcome], None] | None = None,
                   threshold: int | None = None) -> list[ImportOutcome]:
    """Import every reference file (and with `demo`, the demo dataset) not imported yet
    (idempotent: the same bytes change nothing), then publish everything once."""
    outcomes = []
    for entry in [*entries(), *(entries(DEMO_MANIFEST) if demo else [])]:
        outcome = import_file(engine, entry.file, entry.kind, entry.provenance, raw_dir=raw_dir,
                              options=entry.options, publish=False)
        outcomes.append(outcome)
        if progress:
            progress(entry, outcome)
    with engine.begin() as conn:
        wanted = threshold if threshold is not None else store_threshold(conn)
        # Published once for all the files; again only when something changed.
        if any(not o.already_imported for o in outcomes) or wanted != store_threshold(conn) \
                or not conn.execute(select(Publication.unit).limit(1)).first():
            publish_all(conn, wanted)
    return outcomes
