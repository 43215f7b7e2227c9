"""`observatoire` — the one command line: init, serve, import, imports.

Errors are one clear sentence on stderr and exit code 1, never a traceback (set
OBSERVATOIRE_DEBUG=1 to see one).
"""
from __future__ import annotations

import argparse
import datetime as dt
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
    users = sub.add_parser("users", help="the accounts of the internal app: add, disable, enable, list, rights")
    users.add_argument("action", choices=["add", "disable", "enable", "list", "rights"])
    users.add_argument("username", nargs="?")
    users.add_argument("--rights", default="lecteur import", help="space-separated rights: lecteur, import, admin")
    users.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    sent = sub.add_parser("transmissions", help="who sent which month and when, against data/reference/transmissions.toml")
    sent.add_argument("--csv", action="store_true", help="CSV (;) on standard output")
    sent.add_argument("--manquants", action="store_true", help="only the months missing (the « relances »)")
    sub.add_parser("alertes", help="the internal home page's alerts, newest first (late or missing files, "
                                   "quality warnings, ALIs under their objective)")
    trail = sub.add_parser("audit", help="the audit trail: sign-ins, imports, rollbacks, account changes")
    trail.add_argument("--since", type=lambda d: dt.datetime.fromisoformat(d), default=None, help="YYYY-MM-DD")
    trail.add_argument("--csv", action="store_true", help="CSV (;) on standard output")
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
    # The expected deliveries are data too: checked now, so that a broken declaration is said at
    # set-up rather than on the Transmissions page.
    from dashboard import transmissions

    try:
        partners = transmissions.expected(engine)
    except transmissions.DeclarationError as error:
        print(f"Transmissions attendues : {error}", file=sys.stderr)
        return 2
    print(f"Transmissions attendues : {len(partners)} partenaires ({transmissions.DECLARATION.name}).")
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
    from dashboard import audit
    from dashboard.ingest.importer import file_checksum
    from dashboard.store import make_engine, migrate

    if not args.file.is_file():
        raise FileNotFoundError(f"le fichier {args.file} n'existe pas")
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        outcome = _import_file(engine, settings, args)
    except ImportRefused as refused:
        if not args.dry_run:
            audit.record(engine, os.environ.get("USER", "cli"), "import_refused",
                         {"file": args.file.name, "kind": args.kind, "sha256": file_checksum(args.file),
                          "problems": len(refused.problems)})
        raise
    if not args.dry_run:
        audit.record(engine, os.environ.get("USER", "cli"), "import",
                     {"file": args.file.name, "kind": args.kind, "sha256": file_checksum(args.file),
                      "import": outcome.import_id, "already_imported": outcome.already_imported})
    _say_imported(outcome, args)
    return 0


def _import_file(engine, settings: Settings, args):
    from dashboard.ingest.importer import Provenance, import_file

    return import_file(
        engine, args.file, args.kind,
        Provenance(source=args.source, licence=args.licence, quality=args.quality, data_date=args.data_date,
                   coverage=args.couverture,
                   imported_by=os.environ.get("USER", "cli")),
        raw_dir=settings.raw_dir, dry_run=args.dry_run,
        options={k: v for k, v in (("sheet", args.sheet), ("shared_code", args.code_partage)) if v})


def _say_imported(outcome, args) -> None:
    from dashboard.ingest.importer import describe

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


def imports(settings: Settings, args) -> int:
    from sqlalchemy import select

    from dashboard.ingest.rollback import rollback_import
    from dashboard.store import make_engine, session_scope
    from dashboard.store.models import ImportEvent, ImportRecord

    engine = make_engine(settings.database_url)
    if args.action != "list" and args.import_id is None:
        raise ValueError(f"précisez le numéro de l'import : observatoire imports {args.action} N")
    if args.action == "rollback":
        from dashboard import audit

        rollback_import(engine, args.import_id, by=os.environ.get("USER", "cli"))
        audit.record(engine, os.environ.get("USER", "cli"), "rollback", {"import": args.import_id})
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

    from dashboard import accounts, audit
    from dashboard.store import make_engine, migrate

    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    if args.action == "list":
        for name, active, rights in accounts.users(engine):
            print(f"{name:<24} {'actif' if active else 'désactivé':<10} {rights}")
        return 0
    if not args.username:
        raise ValueError("indiquez l'identifiant du compte")
    if args.action == "add":
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass("Mot de passe : ")
        accounts.add_user(engine, args.username, password, args.rights.split())
        said = f"Compte « {args.username} » enregistré (droits : {args.rights})."
    elif args.action == "rights":
        accounts.set_rights(engine, args.username, args.rights.split())
        said = f"Droits du compte « {args.username} » : {args.rights}."
    else:
        accounts.set_active(engine, args.username, args.action == "enable")
        said = f"Compte « {args.username} » {'réactivé' if args.action == 'enable' else 'désactivé'}."
    audit.record(engine, os.environ.get("USER", "cli"), "account",
                 {"account": args.username, "change": args.action, "rights": args.rights if args.action != "disable"
                  and args.action != "enable" else None})
    print(said)
    return 0


def transmissions_(settings: Settings, args) -> int:
    from dashboard import transmissions
    from dashboard.formatting import fr_period
    from dashboard.store import make_engine

    frame = transmissions.grid(make_engine(settings.database_url))
    if args.manquants:
        frame = transmissions.missing(frame)
    if args.csv:
        frame.to_csv(sys.stdout, sep=";", index=False)
        return 0
    for partner, rows in frame.groupby("partenaire", sort=False):
        counts = rows["statut"].str.split(" ").str[0].value_counts()
        print(f"{partner} — {rows['nom'].iloc[0]} : " + ", ".join(f"{n} {s}" for s, n in counts.items()))
        for row in rows[~rows["statut"].isin(["à l'heure"])].to_dict("records"):
            late = f", {row['jours_de_retard']} j de retard" if row["jours_de_retard"] else ""
            number = row["import"]
            where = f" (import n° {int(number)})" if number is not None and number == number else ""
            print(f"    {fr_period(row['periode'], row['mois']):<16} {row['statut']}{late}{where}")
    return 0


def audit_(settings: Settings, args) -> int:
    from dashboard import audit
    from dashboard.store import make_engine

    frame = audit.events(make_engine(settings.database_url), args.since)
    if args.csv:
        frame.drop(columns="action_label").to_csv(sys.stdout, sep=";", index=False)
        return 0
    for row in frame.itertuples():
        detail = ", ".join(f"{k}={v}" for k, v in (row.detail or {}).items())
        print(f"{row.at:%Y-%m-%d %H:%M:%S}  {row.who:<16} {row.action_label:<22} {row.address or 'ligne de commande':<17} {detail}")
    return 0


def alertes(settings: Settings, args) -> int:
    from dashboard import alerts
    from dashboard.store import make_engine

    found = alerts.alerts(make_engine(settings.database_url))
    for alert in found:
        print(alerts.describe(alert))
    if not found:
        print("Aucune alerte.")
    return 0


def redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


COMMANDS = {"init": init, "serve": serve, "publish": publish, "import": import_, "imports": imports, "users": users,
            "audit": audit_, "transmissions": transmissions_, "alertes": alertes}

if __name__ == "__main__":
    sys.exit(main())
