"""``flask --app wsgi banks token create|list|revoke`` (SPEC §12)."""
from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from ..db import db
from ..errors import Refused
from ..unit_of_work import UnitOfWorkGroup

banks_cli = UnitOfWorkGroup("banks", help="Partner banks' API tokens.")
token_cli = UnitOfWorkGroup("token", help="Issue, list and revoke a bank's API tokens.")
banks_cli.add_command(token_cli)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def end_of_day(day) -> datetime:
    """A token given an expiry date works to the end of that day, Beijing time."""
    return datetime.combine(day, time(23, 59, 59), SHANGHAI).astimezone(timezone.utc)


@token_cli.command("create")
@click.argument("bank")
@click.option("--name", required=True, help="What the token is for, e.g. 'front-end server'.")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Last day it works (YYYY-MM-DD, Beijing time); default: until revoked.")
@click.option("--allow-ip", "allow_ip", multiple=True, help="An address or network (CIDR) it may be used from; "
              "repeat for several. Default: any.")
def create_command(bank, name, expires, allow_ip):
    """Issue a token for BANK (a bank code such as ICBC-CZ). The token is printed once, on
    the last line: store it now; the app keeps only its hash."""
    from .tokens import issue_token

    try:
        token, secret = issue_token(bank, name, expires_at=end_of_day(expires.date()) if expires else None,
                                    allowed_ips=allow_ip)
    except Refused as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"token {token.id} for {token.bank_code} ({token.name})"
               + (f", expires {expires.date().isoformat()}" if expires else "")
               + (f", from {', '.join(token.allowed_ips)}" if token.allowed_ips else ""), err=True)
    click.echo(secret)


@token_cli.command("list")
@click.argument("bank", required=False)
def list_command(bank):
    """Tokens (of BANK, or every bank): id, bank, name, prefix, state, last used."""
    from ..db import utcnow
    from .models import BankToken

    query = select(BankToken).order_by(BankToken.bank_code, BankToken.id)
    if bank:
        query = query.where(BankToken.bank_code == bank)
    now = utcnow()
    for token in db.session.scalars(query):
        state = "revoked" if token.revoked_at else "expired" if not token.usable(now) else "active"
        used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never used"
        click.echo(f"{token.id}\t{token.bank_code}\t{token.name}\t{token.prefix}…\t{state}\t{used}")


@token_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id):
    """Revoke a token at once (by its id, from `banks token list`)."""
    from .models import BankToken
    from .tokens import revoke_token

    token = db.session.get(BankToken, token_id)
    if token is None:
        raise click.ClickException(f"no token {token_id}")
    try:
        revoke_token(token)
    except Refused as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"token {token.id} of {token.bank_code} revoked")
