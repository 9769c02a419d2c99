"""Command line: `python -m workshop <command>` (see README)."""

from __future__ import annotations

import gc
import logging
import os

import click
from flask import current_app
from flask.cli import FlaskGroup
from sqlmodel import select

from workshop.app import create_app
from workshop.context import services
from workshop.domain import joincode
from workshop.domain.commands import ID_MAX
from workshop.domain.errors import Rejected
from workshop.domain.permissions import STAFF_ROLES
from workshop.storage import migrate
from workshop.storage.models import Lab, LiveSession


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False, add_version_option=False)
def cli():
    """Laboratori partecipati del Piano di Zona."""


def _base_url() -> str:
    settings = services().settings
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = os.environ.get("HOST", "127.0.0.1")
    shown = "localhost" if host in ("0.0.0.0", "127.0.0.1", "::") else host  # noqa: S104
    return f"http://{shown}:{os.environ.get('PORT', '5000')}"


def _print_session(code: str, lab: str, title: str, qr: bool = False) -> None:
    url = f"{_base_url()}/s/{code}"
    click.echo(f"  {lab} — {title}\n    codice {joincode.display(code)}   {url}")
    if qr:
        import segno

        segno.make(url, error="m").terminal(compact=True)


@cli.group()
def db():
    """Database migrations (alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """Bring the database schema up to REVISION (default: the latest)."""
    migrate.upgrade(services().settings.database_url, revision)
    click.echo(f"Database aggiornato a {revision}.")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision):
    migrate.downgrade(services().settings.database_url, revision)


@cli.command()
@click.option("--demo", is_flag=True, help="Crea anche le sessioni dimostrative.")
def seed(demo):
    """Load labs, plan areas and stakeholder categories (idempotent)."""
    from workshop.seed import seed_demo, seed_reference

    svc = services()
    seed_reference(svc.db)
    # The seed plays forty people from one address: the budgets meant for a
    # real room do not apply to it.
    from workshop.services.bus import CommandBus
    from workshop.services.ratelimit import RateLimits

    seeding = CommandBus(
        svc.db,
        svc.bus.publisher,
        svc.tokens,
        RateLimits("memory://", joins_per_minute=10**6, commands_per_minute=10**6),
    )
    click.echo("Dati di riferimento caricati: laboratori, aree, categorie.")
    if demo:
        for made in seed_demo(svc.db, seeding, svc.settings.instance_dir):
            click.echo(f"Sessione dimostrativa creata: {made.lab_title} — {made.title} ({made.code})")


@cli.command("create-session")
@click.option("--lab", "lab_slug", required=True, help="Slug del laboratorio, es. dopo-di-noi.")
@click.option("--title", required=True, help="Titolo della sessione.")
@click.option("--question", default="", help="Domanda guida mostrata ai partecipanti.")
@click.option("--dots", default=3, show_default=True, help="Punti per partecipante.")
@click.option("--cap", default=2, show_default=True, help="Massimo di punti su un contributo.")
@click.option("--qr/--no-qr", default=True, help="Stampa anche il QR code nel terminale.")
@click.option(
    "--prova",
    is_flag=True,
    help="Sessione di prova / formazione: i risultati non entrano nel piano né nei dati aperti.",
)
def create_session_command(lab_slug, title, question, dots, cap, qr, prova):
    """Create a live session of a lab (in the current process) and print its join code and URL."""
    from workshop.seed import create_session

    try:
        made = create_session(services().db, lab_slug, title, question, dots=dots, cap=cap, practice=prova)
    except LookupError:
        with services().db.reader() as s:
            slugs = ", ".join(s.exec(select(Lab.slug).order_by(Lab.slug)))
        raise click.BadParameter(
            f"laboratorio sconosciuto; scegli tra: {slugs}", param_hint="--lab"
        ) from None
    except Rejected as exc:
        raise click.BadParameter(exc.message()) from None
    click.echo("Sessione di prova / formazione creata:" if made.practice else "Sessione creata:")
    _print_session(made.code, made.lab_title, made.title, qr=qr)


@cli.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="Nome e cognome.")
@click.option("--role", type=click.Choice(list(STAFF_ROLES)), default="admin", show_default=True)
@click.password_option(
    help="Chiesta al terminale se non data (o da WORKSHOP_NEW_PASSWORD).", envvar="WORKSHOP_NEW_PASSWORD"
)
def create_user_command(username, display_name, role, password):
    """Create a staff account (the first admin, typically)."""
    from workshop.services import accounts

    try:
        user = accounts.create_user(services().db, username, display_name, role, password)
    except accounts.AccountError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Account creato: {user.username} ({user.role}).")


@cli.command()
def sessions():
    """List open sessions with their join codes and URLs."""
    _list_sessions()


def _list_sessions() -> None:
    with services().db.reader() as s:
        rows = s.exec(
            select(LiveSession, Lab).join(Lab).where(LiveSession.closed_at.is_(None)).order_by(LiveSession.id)
        ).all()
    if not rows:
        click.echo("Nessuna sessione aperta. Creane una con: python -m workshop create-session")
    for live, lab in rows:
        practice = " [prova / formazione]" if live.practice else ""
        _print_session(live.join_code, lab.title, live.title + practice)


@cli.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="HOST or 127.0.0.1")
@click.option(
    "--port", default=lambda: int(os.environ.get("PORT", 5000)), type=int, show_default="PORT or 5000"
)
def serve(host, port):
    """Run the server (async mode from WORKSHOP_ASYNC_MODE, default eventlet)."""
    os.environ["HOST"], os.environ["PORT"] = host, str(port)
    svc = services()
    if not svc.settings.message_queue:
        # One process serves every socket: any presence row is from a previous run.
        svc.presence.forget_everyone()
    from workshop.extensions import socketio
    from workshop.services.presence import HEARTBEAT_S

    def heartbeats():
        while True:
            try:
                svc.presence.heartbeat()
            except Exception:
                logging.getLogger(__name__).exception("presence heartbeat failed")
            socketio.sleep(HEARTBEAT_S)

    socketio.start_background_task(heartbeats)
    click.echo(
        f"Laboratori partecipati: {_base_url()}  "
        f"(modalità {svc.settings.async_mode}, database {svc.db.engine.dialect.name})"
    )
    _list_sessions()
    demo = svc.settings.instance_dir / "demo-credentials.txt"
    if demo.exists():
        click.echo(f"Account dimostrativi (da {demo}): accedi su {_base_url()}/accedi")
        for line in demo.read_text().split("\n"):
            if line.strip():
                click.echo(f"  utente {line.split()[0]}  password {line.split()[1]}")
        click.echo(
            "  (admin: al primo accesso configura la verifica in due passaggi con un'app "
            "di autenticazione sul telefono)"
        )
    # What start-up made (modules, the app, SQLAlchemy's metadata) lives as long as
    # the process. Out of the collector's reach, it no longer makes every full
    # collection a 100-200 ms pause of every room (docs/performance.md).
    gc.collect()
    gc.freeze()
    socketio.run(
        current_app._get_current_object(), host=host, port=port, log_output=False, allow_unsafe_werkzeug=True
    )


@cli.group()
def export():
    """Open data and documents (schede intervento, the draft plan)."""


PROCESS_HELP = "Il percorso (identificativo); predefinito: quello corrente."
PROGRAMME_HELP = "L'anno di un programma attuativo del percorso: solo le sue sessioni e schede."


def _period(process_slug: str | None, year: int | None):
    from workshop.services import periods

    try:
        return periods.resolve(services().db, process_slug, year)
    except Rejected as exc:
        raise click.ClickException(exc.message()) from None


@export.command("opendata")
@click.option("--process", "process_slug", default=None, help=PROCESS_HELP)
@click.option("--programma", "year", type=int, default=None, help=PROGRAMME_HELP)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
def export_opendata(process_slug, year, out):
    """ZIP of CSV and JSON, README, CC BY 4.0 licence and metadata."""
    from workshop.services import exports

    period = _period(process_slug, year)
    data = exports.opendata_zip(
        services().db,
        period.process.slug,
        exports.publisher_of(current_app.extensions.get("workshop_site")),
        base_url=(services().settings.public_url or "").rstrip("/"),
        programme_id=period.programme_id,
    )
    with open(out, "wb") as f:
        f.write(data)
    click.echo(f"Dati aperti scritti in {out} ({len(data)} byte).")


DOCUMENT_FORMATS = ["md", "odt", "docx", "pdf"]


def _write(out: str, data: bytes) -> None:
    with open(out, "wb") as f:
        f.write(data)


@export.command("scheda")
@click.argument("action_id", type=click.IntRange(1, ID_MAX))
@click.option("--format", "fmt", type=click.Choice(DOCUMENT_FORMATS), default="odt", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
def export_scheda(action_id, fmt, out):
    """One scheda intervento as Markdown, ODT, DOCX or PDF (the public document, as
    /schede/ID.FORMAT gives it)."""
    from flask_babel import gettext

    from workshop.services import documents, exports, schede

    db = services().db
    try:
        view = schede.view(db, action_id, public=True)
    except Rejected as exc:
        raise click.ClickException(exc.message()) from None
    header = documents.running_header(
        view["process"]["title"], gettext("Scheda intervento n. %(id)s", id=action_id)
    )
    data, _ = exports.render(exports.scheda_blocks(view, exports.area_labels(db)), fmt, view["title"], header)
    _write(out, data)
    click.echo(f"Scheda {action_id} scritta in {out}.")


def _state_choices() -> list[str]:
    from workshop.domain import review

    return list(review.STATES)


@export.command("plan")
@click.option("--process", "process_slug", default=None, help=PROCESS_HELP)
@click.option("--programma", "year", type=int, default=None, help=PROGRAMME_HELP)
@click.option("--format", "fmt", type=click.Choice(DOCUMENT_FORMATS), default="odt", show_default=True)
@click.option(
    "--stato",
    "states",
    multiple=True,
    type=click.Choice(_state_choices()),
    help="Stato delle schede da includere (ripetibile); predefinito: tutti tranne «non accolta».",
)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
def export_plan(process_slug, year, fmt, states, out):
    """The plan as a document (as /piano/bozza.FORMAT gives it): the schede of the
    chosen states, every state but «non accolta» by default."""
    from datetime import UTC, datetime

    from workshop.services import documents, exports

    db = services().db
    period = _period(process_slug, year)
    process = period.process
    chosen = documents.parse_states(states) if states else None
    title = documents.plan_title(db, process.slug, period.programme_id)
    data, _ = exports.render(
        exports.plan_blocks(db, process.slug, chosen, programme_id=period.programme_id),
        fmt,
        title,
        documents.plan_header(process.title, title, datetime.now(UTC)),
    )
    _write(out, data)
    click.echo(f"{title.split(' — ')[0]} scritto in {out}.")


@export.command("monitoring")
@click.option("--process", "process_slug", default=None, help=PROCESS_HELP)
@click.option("--anno", "year", type=int, required=True, help="L'anno del percorso da rendicontare.")
@click.option("--format", "fmt", type=click.Choice(DOCUMENT_FORMATS), default="odt", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
def export_monitoring(process_slug, year, fmt, out):
    """The annual monitoring report of the approved schede (as /monitoraggio.FORMAT?anno=YEAR)."""
    from datetime import UTC, datetime

    from workshop.services import documents, exports, schede

    db = services().db
    process = _period(process_slug, None).process
    if year not in schede.years(process):
        raise click.ClickException(f"{year} non è un anno del percorso {process.title}.")
    title = documents.monitoring_title(process.title, year)
    header = documents.running_header(
        process.title, f"Monitoraggio {year} · {documents.when(datetime.now(UTC))}"
    )
    data, _ = exports.render(documents.monitoring_blocks(db, process.slug, year), fmt, title, header)
    _write(out, data)
    click.echo(f"Monitoraggio {year} scritto in {out}.")


@cli.command(with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--hash", "expected", help="L'impronta pubblicata o vista in sala, da confrontare.")
def verify(file, expected):
    """Check published results: the open-data ZIP or a results document (no database needed)."""
    from workshop.verification import verify as check

    report = check(file, expected)
    for line in report.lines:
        click.echo(line)
    if report.failures:
        click.echo(f"{report.failures} controlli non superati.", err=True)
        raise SystemExit(1)
    click.echo("Tutti i controlli superati.")


@cli.command()
@click.option(
    "--days", type=int, default=None, help="Giorni dalla chiusura (predefinito: WORKSHOP_RETENTION_DAYS)."
)
@click.option("--dry-run", is_flag=True, help="Mostra che cosa verrebbe cancellato, senza cancellare.")
def purge(days, dry_run):
    """Remove the participants' data of sessions closed longer ago than the retention period."""
    from workshop.services import privacy

    days = services().settings.retention_days if days is None else days
    done = privacy.purge(services().db, days, dry_run=dry_run)
    verb = "verrebbero cancellati" if dry_run else "cancellati"
    click.echo(
        f"Sessioni chiuse da più di {days} giorni: {len(done.sessions)} "
        f"{done.sessions if done.sessions else ''}".rstrip()
    )
    click.echo(
        f"  {verb}: {done.participants} partecipanti (pseudonimi e accessi), {done.dots} punti "
        f"individuali, il testo di {done.notes_withheld} contributi non pubblicati."
    )
