"""Sign-in to the web dashboard without passwords: one-time links and database sessions.

A link is good once and for `LINK_LIFETIME`, for an ops person or admin; opening it starts a
session of `SESSION_LIFETIME`. Only the SHA-256 of a link's or a session's token is stored, so
a copy of the database opens nothing. The role is read again on every request: someone whose
role drops to contractor loses the dashboard at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import InvalidInput, NotAllowed
from bot.core.people import Person, find_identity
from bot.core.readmodels import DashboardLink, WebUser
from bot.core.words import IdentityKey, Role
from bot.db.models import Identity, LoginLink, WebSession

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
# Used and expired links and ended sessions are kept this long (for an audit), then removed.
KEEP_FOR = timedelta(days=30)
LOGIN_PATH = "/dashboard/login/"

NEW_LINK = "type /ops dashboard in chat (or run pausebot dashboard-link) for a new one."
UNKNOWN_LINK = "This sign-in link is not valid; " + NEW_LINK
USED_LINK = "This sign-in link has been used already; " + NEW_LINK
EXPIRED_LINK = "This sign-in link has expired (links last 15 minutes); " + NEW_LINK
NOT_OPS = "Only ops staff and admins can open the dashboard; this link is for a contractor."


def new_token() -> str:
    """A fresh random token for a link or a session (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    """The form token for a session: derived from its cookie, which other sites cannot read."""
    return hmac.new(session_token.encode(), b"pausebot-csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, given: str | None) -> bool:
    """Whether a form's token belongs to this session."""
    return given is not None and hmac.compare_digest(csrf_token(session_token), given)


def role_of(identity: Identity, admins: list[IdentityKey]) -> Role:
    """An identity's role now, as the command layer reads it (bootstrap admins included)."""
    key = IdentityKey(identity.platform, identity.external_id)
    return Role.ADMIN if key in admins else Role(identity.contractor.role)


async def _identity(db: AsyncSession, text: str) -> Identity | None:
    """The identity written `platform:id`, with its contractor."""
    return await find_identity(db, IdentityKey.parse(text))


def _user(identity: Identity, role: Role) -> WebUser:
    """The web user behind an identity."""
    return WebUser(name=identity.contractor.display_name, identity=identity.key, role=role)


async def issue_link(
    db: AsyncSession, *, person: Person, now: datetime, base_url: str
) -> tuple[str, DashboardLink]:
    """A new one-time link for an ops person or admin; returns the token and the link."""
    person.require(Role.OPS)
    await db.execute(delete(LoginLink).where(LoginLink.expires_at < now - KEEP_FOR))
    token = new_token()
    expires = now + LINK_LIFETIME
    db.add(
        LoginLink(
            token_hash=token_hash(token),
            contractor_id=person.contractor.id,
            identity=str(person.identity),
            created_at=now,
            expires_at=expires,
        )
    )
    await db.flush()
    return token, DashboardLink(url=base_url + LOGIN_PATH + token, expires_at=expires)


async def _link(db: AsyncSession, token: str) -> LoginLink | None:
    """The stored link for a token, if any."""
    found = select(LoginLink).where(LoginLink.token_hash == token_hash(token))
    return (await db.execute(found)).scalar_one_or_none()


async def check_link(
    db: AsyncSession, *, token: str, now: datetime, admins: list[IdentityKey]
) -> WebUser:
    """Who a link would sign in, without using it; refused when it cannot be used."""
    link = await _link(db, token)
    if link is None:
        raise InvalidInput(UNKNOWN_LINK)
    if link.used_at is not None:
        raise InvalidInput(USED_LINK)
    if link.expires_at <= now:
        raise InvalidInput(EXPIRED_LINK)
    identity = await _identity(db, link.identity)
    if identity is None:
        raise InvalidInput(UNKNOWN_LINK)
    role = role_of(identity, admins)
    if not role.includes(Role.OPS):
        raise NotAllowed(NOT_OPS)
    return _user(identity, role)


async def redeem_link(
    db: AsyncSession, *, token: str, now: datetime, admins: list[IdentityKey]
) -> tuple[str, WebUser]:
    """Use a link once: a new session's token and its user; refused when the link cannot be used.

    The link is marked used by one conditional update, so of two requests racing with the same
    link exactly one opens a session.
    """
    user = await check_link(db, token=token, now=now, admins=admins)
    used = await db.execute(
        update(LoginLink)
        .where(
            LoginLink.token_hash == token_hash(token),
            LoginLink.used_at.is_(None),
            LoginLink.expires_at > now,
        )
        .values(used_at=now)
    )
    if used.rowcount != 1:
        raise InvalidInput(USED_LINK)
    link = await _link(db, token)
    assert link is not None
    await db.execute(delete(WebSession).where(WebSession.expires_at < now - KEEP_FOR))
    session_token = new_token()
    db.add(
        WebSession(
            token_hash=token_hash(session_token),
            contractor_id=link.contractor_id,
            identity=link.identity,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await db.flush()
    return session_token, user


@dataclass(frozen=True)
class SessionCheck:
    """A session's user, or why there is none."""

    user: WebUser | None
    why: str | None = None


async def session_user(
    db: AsyncSession, *, token: str | None, now: datetime, admins: list[IdentityKey]
) -> SessionCheck:
    """The user of a live session with the ops role or above, or why the session does not count."""
    if not token:
        return SessionCheck(None, "no session")
    session = (
        await db.execute(select(WebSession).where(WebSession.token_hash == token_hash(token)))
    ).scalar_one_or_none()
    if session is None or session.ended_at is not None:
        return SessionCheck(None, "no session")
    if session.expires_at <= now:
        return SessionCheck(None, "expired")
    identity = await _identity(db, session.identity)
    if identity is None:
        return SessionCheck(None, "no session")
    role = role_of(identity, admins)
    if not role.includes(Role.OPS):
        return SessionCheck(None, "not ops")
    return SessionCheck(_user(identity, role))


async def end_session(db: AsyncSession, *, token: str, now: datetime) -> bool:
    """End a session (sign out); whether there was a live one."""
    ended = await db.execute(
        update(WebSession)
        .where(WebSession.token_hash == token_hash(token), WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return ended.rowcount == 1
