"""Flask CLI commands: staff accounts, demo data, the committed OpenAPI file, QR seals."""

from __future__ import annotations

import getpass
import os

import click
from flask import Flask, current_app

from services.core.errors import DomainError


def register_cli(app: Flask) -> None:
    @app.cli.command("create-staff")
    @click.option("--email", required=True)
    @click.option("--role", type=click.Choice(["officer", "admin"]), required=True)
    @click.option("--post", "posts", multiple=True, help="Post code; repeat for several posts.")
    @click.option("--password-env", default=None, help="Read the password from this variable.")
    def create_staff(email: str, role: str, posts: tuple[str, ...], password_env: str | None):
        """Create an officer (scoped to posts) or an admin. Staff never self-register."""
        from services.accounts.accounts import create_staff as create

        password = os.environ.get(password_env) if password_env else None
        if not password:
            password = getpass.getpass("Password: ")
        try:
            account = create(email=email, password=password, role=role, post_codes=list(posts))
        except DomainError as exc:
            raise click.ClickException(f"{exc.code} {exc.params or ''}".strip()) from None
        click.echo(f"created {account.role} {account.email} (id {account.id})")

    @app.cli.command("seed-demo")
    def seed_demo():
        """Load the demo catalogue and accounts (safe to run twice)."""
        from services.demo import DEMO_PASSWORD
        from services.demo import seed_demo as seed

        created = seed()
        click.echo(f"demo data: {created}; every demo account's password is {DEMO_PASSWORD!r}")

    @app.cli.command("send-reminders")
    def send_reminders():
        """Send the appointment reminders that are due now (what the beat job runs)."""
        from services.appointments.reminders import send_due_reminders

        click.echo(f"reminders sent: {send_due_reminders()}")

    @app.cli.command("generate-slots")
    @click.option("--post", "post_code", default=None, help="Only this post (default: all).")
    def generate_slots(post_code: str | None):
        """Materialise appointment slots from the templates for each booking window."""
        from services.appointments.slots import generate_all_slots, generate_slots_for_post

        try:
            if post_code:
                results = {post_code: generate_slots_for_post(post_code).as_dict()}
            else:
                results = generate_all_slots()
        except DomainError as exc:
            raise click.ClickException(f"{exc.code} {exc.params or ''}".strip()) from None
        for code, changes in results.items():
            click.echo(f"{code}: {changes}")

    @app.cli.command("write-openapi")
    @click.argument("path", default="openapi.yaml")
    def write_openapi(path: str):
        """Write the OpenAPI document generated from the code (commit the result)."""
        from api.openapi import render_openapi_yaml

        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render_openapi_yaml(current_app))
        click.echo(f"wrote {path}")

    @app.cli.command("reconcile-payments")
    @click.option(
        "--older-than-minutes",
        default=15,
        show_default=True,
        type=click.IntRange(min=0),
        help="Only payments opened at least this long ago.",
    )
    def reconcile_payments(older_than_minutes: int):
        """Re-read open payments from the gateway and apply what their webhooks missed."""
        import json

        from services.payments.reconcile import reconcile

        report = reconcile(older_than_minutes=older_than_minutes)
        click.echo(json.dumps(report.as_dict(), indent=2, sort_keys=True))

    @app.cli.command("verify-seal")
    @click.argument("payload")
    @click.option(
        "--keys",
        "keys_file",
        required=True,
        type=click.Path(dir_okay=False),
        help="The published key set (JSON), saved from /api/v1/seal-keys while online.",
    )
    def verify_seal(payload: str, keys_file: str):
        """Verify a sticker's or a pass's QR text offline (PAYLOAD, or - for stdin)."""
        import sys

        from api.seal_verifier import EXIT_BAD_KEY_SET, verify_cli

        text = sys.stdin.read() if payload == "-" else payload
        try:
            with open(keys_file, "rb") as handle:
                keyset_json = handle.read()
        except OSError as error:
            click.echo(f"UNUSABLE KEY SET: {error}")
            sys.exit(EXIT_BAD_KEY_SET)
        sys.exit(verify_cli(text, keyset_json, out=sys.stdout))

    @app.cli.command("seal-keys")
    def seal_keys():
        """Print the public key set this deployment publishes (to keep a copy when a key is
        retired: its entry goes into SEAL_RETIRED_KEYS_FILE)."""
        from services.core.integrations import seal_keyring

        click.echo(seal_keyring().key_set().to_json())
