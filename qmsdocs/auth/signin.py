"""Signing in: throttled by client address and by account together, in equal time for every name.

- One address that fails `PAIR_LIMIT` times on one account is refused for that account for
  `PAIR_BLOCK`, even with the right password; other addresses are not affected, so an
  attacker cannot lock a real user out.
- An account that failed `ACCOUNT_LIMIT` times (from any addresses) within `WINDOW` is
  "guarded": it then accepts the right password only from an address that has not failed
  on it, so a guesser spread over many addresses gets one guess per address.
- One address failing `ADDRESS_LIMIT` times across accounts must slow down: each further
  failure doubles its wait (up to `ADDRESS_MAX_DELAY`), answered 429 without checking.
- An administrator lifts every block of an account at once (`unlock`).
- Unknown names cost the same password check as known ones (against a dummy hash) and are
  throttled alike, so neither timing nor lockouts tell which names exist.

The counters live in the database so that several app servers share them. The password
check happens before the request takes the write lock; only the counting writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from qmsdocs.audit.services import record
from qmsdocs.auth.models import SignInThrottle, User
from qmsdocs.db import credential_reads, session, utcnow

WINDOW = timedelta(minutes=15)
PAIR_LIMIT = 5
PAIR_BLOCK = timedelta(minutes=15)
ACCOUNT_LIMIT = 20
ADDRESS_LIMIT = 10
ADDRESS_MAX_DELAY = timedelta(minutes=15)
# Rows untouched this long and no longer blocking are removed while counting.
FORGET_AFTER = timedelta(days=1)

ANONYMOUS = SimpleNamespace(id=None, username="anonymous")
_dummy_hashes: dict[str, str] = {}


@dataclass
class SignInResult:
    user: User | None = None
    # None on success; "wrong" (wrong name or password), "blocked" (this address may not sign
    # in to this account for now), "slow_down" (this address failed too often)
    refusal: str | None = None
    retry_after: int = 0


def fold_name(username: str | None) -> str:
    return (username or "").strip().casefold()[:64]


def sign_in(username: str, password: str, address: str | None) -> SignInResult:
    """Check a sign-in and count its outcome; the caller keeps the counting even on refusal."""
    username = (username or "").strip()
    name = fold_name(username)
    address = (address or "unknown")[:64]
    now = utcnow()
    with credential_reads():
        rows = _fresh_rows(address, name, now)
        slow = rows.get("address")
        if slow is not None and slow.blocked_until and slow.blocked_until > now:
            return SignInResult(refusal="slow_down", retry_after=_seconds_until(slow.blocked_until, now))
        user = session.scalar(select(User).where(User.username == username)) if username else None
        password_ok = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
        password_ok = password_ok and user is not None and user.active
        user_id, agency_id = (user.id, user.agency_id) if user else (None, None)
        blocked_until = _blocked_until(rows, now)
    # The reads are over; what follows writes, under the write lock, briefly.
    if blocked_until is not None:
        record(ANONYMOUS, "user.login_refused", "user", user_id, agency_id=agency_id, address=address,
               reason="blocked", password_ok=bool(password_ok))
        if not password_ok:
            _count_failure(address, name, now, user_id, agency_id)
        return SignInResult(refusal="blocked", retry_after=_seconds_until(blocked_until, now))
    if password_ok:
        session.execute(delete(SignInThrottle).where(SignInThrottle.scope == "pair",
                                                     SignInThrottle.key == _pair_key(address, name)))
        record(user, "user.login", "user", user.id, agency_id=user.agency_id, address=address)
        return SignInResult(user=user)
    _count_failure(address, name, now, user_id, agency_id)
    details = {"username": username[:64]} if user else {"unknown_name": True}
    record(ANONYMOUS, "user.login_failed", "user", user_id, agency_id=agency_id, address=address, **details)
    return SignInResult(refusal="wrong")


def unlock(user: User, actor=None) -> int:
    """Lift every sign-in block of this account (all addresses); returns how many were lifted."""
    name = fold_name(user.username)
    result = session.execute(delete(SignInThrottle).where(or_(
        (SignInThrottle.scope == "account") & (SignInThrottle.key == name),
        (SignInThrottle.scope == "pair") & SignInThrottle.key.endswith(" " + name, autoescape=True),
    )))
    record(actor, "user.unlock", "user", user.id, agency_id=user.agency_id)
    return result.rowcount or 0


def blocked_addresses(user: User) -> list[SignInThrottle]:
    """Addresses currently refused for this account, for the administrator's user page."""
    name = fold_name(user.username)
    now = utcnow()
    return list(session.scalars(select(SignInThrottle).where(
        SignInThrottle.scope == "pair", SignInThrottle.key.endswith(" " + name, autoescape=True),
        SignInThrottle.blocked_until > now)))


def account_guarded(user: User) -> bool:
    row = session.scalar(select(SignInThrottle).where(SignInThrottle.scope == "account",
                                                      SignInThrottle.key == fold_name(user.username)))
    return row is not None and utcnow() - row.window_started_at <= WINDOW and row.failures >= ACCOUNT_LIMIT


def _pair_key(address: str, name: str) -> str:
    return f"{address} {name}"


def _keys(address: str, name: str) -> dict[str, str]:
    return {"address": address, "account": name, "pair": _pair_key(address, name)}


def _fresh_rows(address: str, name: str, now: datetime) -> dict[str, SignInThrottle]:
    """This attempt's counters, leaving out those whose window is over and that block nothing."""
    keys = _keys(address, name)
    rows = session.scalars(select(SignInThrottle).where(or_(*(
        (SignInThrottle.scope == scope) & (SignInThrottle.key == key) for scope, key in keys.items()))))
    return {row.scope: row for row in rows
            if now - row.window_started_at <= WINDOW or (row.blocked_until and row.blocked_until > now)}


def _blocked_until(rows: dict[str, SignInThrottle], now: datetime) -> datetime | None:
    pair = rows.get("pair")
    if pair is not None and pair.blocked_until and pair.blocked_until > now:
        return pair.blocked_until
    account = rows.get("account")
    if (account is not None and account.failures >= ACCOUNT_LIMIT and pair is not None and pair.failures > 0
            and now - pair.window_started_at <= WINDOW):
        return pair.window_started_at + WINDOW
    return None


def _count_failure(address: str, name: str, now: datetime, user_id: int | None, agency_id: int | None) -> None:
    rows = {scope: _counter(scope, key, now) for scope, key in _keys(address, name).items()}
    pair, account, slow = rows["pair"], rows["account"], rows["address"]
    if pair.failures >= PAIR_LIMIT and not (pair.blocked_until and pair.blocked_until > now):
        pair.blocked_until = now + PAIR_BLOCK
        record(ANONYMOUS, "user.sign_in_blocked", "user", user_id, agency_id=agency_id, address=address,
               minutes=int(PAIR_BLOCK.total_seconds() // 60))
    if account.failures == ACCOUNT_LIMIT:
        record(ANONYMOUS, "user.sign_in_guarded", "user", user_id, agency_id=agency_id,
               failures=account.failures)
    if slow.failures >= ADDRESS_LIMIT:
        delay = min(timedelta(seconds=2 ** min(slow.failures - ADDRESS_LIMIT, 20)), ADDRESS_MAX_DELAY)
        slow.blocked_until = now + delay
        if slow.failures == ADDRESS_LIMIT:
            record(ANONYMOUS, "auth.address_slowed", "address", None, address=address, failures=slow.failures)
    session.execute(delete(SignInThrottle).where(
        SignInThrottle.last_failure_at < now - FORGET_AFTER,
        or_(SignInThrottle.blocked_until.is_(None), SignInThrottle.blocked_until < now)))
    session.flush()


def _counter(scope: str, key: str, now: datetime) -> SignInThrottle:
    """The counter row, created if new; locked (PostgreSQL) so concurrent failures all count."""
    query = select(SignInThrottle).where(SignInThrottle.scope == scope, SignInThrottle.key == key).with_for_update()
    row = session.scalar(query)
    if row is None:
        try:
            with session.begin_nested():
                row = SignInThrottle(scope=scope, key=key, failures=0, window_started_at=now, last_failure_at=now)
                session.add(row)
        except IntegrityError:
            row = session.scalar(query)
    if now - row.window_started_at > WINDOW:
        row.failures = 0
        row.window_started_at = now
    row.failures += 1
    row.last_failure_at = now
    return row


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))


def _dummy_hash() -> str:
    """A hash made the same way as real ones, so an unknown name costs the same time."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("qmsdocs-dummy-password", method=method)
    return _dummy_hashes[method]
