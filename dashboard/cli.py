"""`observatoire` — the one command line: init, serve, import, imports.

Errors are one clear sentence on stderr and exit code 1, never a traceback (set
OBSERVATOIRE_DEBUG=1 to see one).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from dashboard.ingest.errors import ImportRefused
from dashboard.settings import Settings, load_settings
from dashboard.store.models import COVERAGES, QUALITIES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="observatoire", description="Observatoire de l'insertion")
    sub = parser.add_subparsers(dest="command", required=True)
    init_ = sub.add_parser("init", help="create or migrate the schema and load the reference data (idempotent)")
    init_.add_argument("--no-demo", action="store_true", help="do not load the demo dataset (data/demo)")
    serve = sub.add_parser("serve", help="serve the dashboard (development server)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--debug", action="store_true")
    imp = sub.add_parser("import", help="import one partner file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--kind", required=True)
    imp.add_argument("--source", required=True, help="who sent it, e.g. 'CAF de la Seine-Saint-Denis'")
    imp.add_argument("--licence", default="usage interne")
    imp.add_argument("--quality", default="unverified", choices=list(QUALITIES),
                     help="fiabilité : « unverified » (données partenaires, non vérifiées) sauf choix explicite")
    imp.add_argument("--data-date", default=None)
    imp.add_argument("--sheet", default=None)
    imp.add_argument("--couverture", choices=list(COVERAGES), default="census",
                     help="ce que le fichier couvre : census (tous les territoires), partial (liste partielle : "
                          "les territoires absents ne sont pas recensés), sample (échantillon)")
    imp.add_argument("--code-partage", choices=("nouvelle", "deleguee"), default=None,
                     help="un code partagé par une commune nouvelle et sa commune déléguée (93066 depuis 2025) "
                          "désigne la commune nouvelle entière (nouvelle) ou la seule commune déléguée (deleguee)")
    imp.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    log = sub.add_parser("imports", help="the import log: list, show N, rollback N")
    log.add_argument("action", nargs="?", choices=["list", "show", "rollback"], default="list")
    log.add_argument("import_id", nargs="?", type=int)
    pub = sub.add_parser("publish", help="publish again: sums, ratios and statistical secrecy")
    pub.add_argument("--all", action="store_true", required=True, help="rebuild every published row")
    users = sub.add_parser("users", help="create or update an account of the internal app")
    users.add_argument("action", choices=["add"])
    users.add_argument("username")
    users.add_argument("--rights", default="import", help="space-separated rights, e.g. 'import'")
    users.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        return COMMANDS[args.command](settings, args)
    except ImportRefused as refused:
        print(f"Import refusé ({len(refused.problems)} problème(s)) :", file=sys.stderr)
        print(str(refused), file=sys.stderr)
        return 1
    except Exception as exc:  # one sentence for people; the traceback on request
        if os.environ.get("OBSERVATOIRE_DEBUG"):
            raise
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1


def init(settings: Settings, args) -> int:
    from dashboard.ingest.reference import load_reference
    from dashboard.store import make_engine, migrate

    started = time.perf_counter()
    print(f"Schéma : {redact(settings.database_url)} …", flush=True)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)

    def progress(entry, outcome):
        state = "déjà importé" if outcome.already_imported else "importé"
        print(f"  [{entry.kind:<20}] {entry.file.name} — {state} (import n° {outcome.import_id})", flush=True)

    print("Données de référence" + ("" if args.no_demo else " et de démonstration") + " :", flush=True)
    load_reference(engine, settings.raw_dir, demo=not args.no_demo, progress=progress,
                   threshold=settings.secrecy_threshold)
    print(f"Prêt en {time.perf_counter() - started:.1f} s.")
    return 0


def publish(settings: Settings, args) -> int:
    from dashboard.publication import publish_all
    from dashboard.store import make_engine, migrate

    started = time.perf_counter()
    migrate(settings.database_url)
    with make_engine(settings.database_url).begin() as conn:
        written = publish_all(conn, settings.secrecy_threshold)
    print(f"Publication refaite : {sum(written.values())} valeurs publiées ({len(written)} ensembles), "
          f"seuil du secret {settings.secrecy_threshold}, en {time.perf_counter() - started:.1f} s.")
    return 0


def serve(settings: Settings, args) -> int:
    from dashboard.app import create_app

    app = create_app(settings)
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def import_(settings: Settings, args) -> int:
    from dashboard.ingest.importer import Provenance, describe, import_file
    from dashboard.store import make_engine, migrate

    if not args.file.is_file():
        raise FileNotFoundError(f"le fichier {args.file} n'existe pas")
    migrate(settings.database_url)
    outcome = import_file(
        make_engine(settings.database_url), args.file, args.kind,
        Provenance(source=args.source, licence=args.licence, quality=args.quality, data_date=args.data_date,
                   coverage=args.couverture,
                   imported_by=os.environ.get("USER", "cli")),
        raw_dir=settings.raw_dir, dry_run=args.dry_run,
        options={k: v for k, v in (("sheet", args.sheet), ("shared_code", args.code_partage)) if v})
    if args.dry_run:
        print("Vérification réussie, rien n'a été écrit. " + describe(outcome, args.kind).replace("réalisé", "possible", 1))
    else:
        print(describe(outcome, args.kind))
    if not outcome.already_imported:
        if outcome.ignored_columns:
            print(f"Colonnes ignorées : {', '.join(outcome.ignored_columns)}")
        if outcome.notes:
            print(f"Notes sous le tableau, lues et non importées : {' ; '.join(outcome.notes)}")
    for warning in outcome.warnings:
        print(f"Avertissement : {warning}")
    return 0


def imports(settings: Settings, args) -> int:
    from sqlalchemy import select

    from dashboard.ingest.rollback import rollback_import
    from dashboard.store import make_engine, session_scope
    from dashboard.store.models import ImportEvent, ImportRecord

    engine = make_engine(settings.database_url)
    if args.action != "list" and args.import_id is None:
        raise ValueError(f"précisez le numéro de l'import : observatoire imports {args.action} N")
    if args.action == "rollback":
        rollback_import(engine, args.import_id, by=os.environ.get("USER", "cli"))
        print(f"Import n° {args.import_id} annulé : les chiffres qu'il avait remplacés sont rétablis.")
        return 0
    with session_scope(engine) as session:
        if args.action == "show":
            rec = session.get(ImportRecord, args.import_id)
            if rec is None:
                raise ValueError(f"aucun import n° {args.import_id}")
            for label, value in [("Fichier", rec.file_name), ("Type", rec.kind), ("État", rec.status),
                                 ("SHA-256", rec.sha256), ("Taille", f"{rec.size_bytes} octets"),
                                 ("Copie brute", rec.raw_path), ("Source", rec.source), ("Licence", rec.licence),
                                 ("Fiabilité", QUALITIES.get(rec.quality, rec.quality)),
                                 ("Couverture", COVERAGES.get(rec.coverage or "census")),
                                 ("Date des données", rec.data_date or "non renseignée"),
                                 ("Précautions", rec.caveats or "aucune"), ("Lignes", rec.row_count),
                                 *(("Avertissement", w) for w in (rec.summary or {}).get("warnings", []))]:
                print(f"{label:<17}: {value}")
            for event in session.scalars(select(ImportEvent).where(ImportEvent.import_id == rec.id)
                                         .order_by(ImportEvent.id)):
                print(f"  {event.at:%Y-%m-%d %H:%M:%S}  {event.action:<12} par {event.by}")
            return 0
        for rec in session.scalars(select(ImportRecord).order_by(ImportRecord.id)):
            print(f"{rec.id:>4}  {rec.imported_at:%Y-%m-%d %H:%M}  {rec.status:<11} {rec.kind:<20} "
                  f"{rec.row_count:>7} lignes  {rec.file_name}  [{rec.quality}]")
    return 0


def users(settings: Settings, args) -> int:
    from getpass import getpass

    from dashboard.accounts import add_user
    from dashboard.store import make_engine, migrate

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass("Mot de passe : ")
    migrate(settings.database_url)
    add_user(make_engine(settings.database_url), args.username, password, args.rights.split())
    print(f"Compte « {args.username} » enregistré (droits : {args.rights}).")
    return 0


def redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


COMMANDS = {"init": init, "serve": serve, "publish": publish, "import": import_, "imports": imports, "users": users}

if __name__ == "__main__":
    sys.exit(main())
