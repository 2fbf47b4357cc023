"""A ``postgresql://`` URL: what to connect with, and what may be shown of it.

The password (``user:secret@host``, or ``?password=…``) goes to the driver and
nowhere else: `PostgresUrl.shown` — the form every message, log line and
``repr`` uses — leaves it out, and `PostgresUrl.scrub` removes it from any
text a server or the driver sent back. Better still, keep it out of the URL
altogether: libpq reads ``~/.pgpass`` (or ``PGPASSFILE``) and
``PGPASSWORD``; docs/deploy.md says where credentials live.

Parsing needs no driver, so a URL can be shown (and its problems reported)
where psycopg is not installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

__all__ = ["PostgresUrl"]

#: Query parameters whose values are secrets (never shown).
_SECRET_PARAMS = frozenset({"password", "sslpassword"})
#: Query parameters worth showing: where the server is, and which database.
_SHOWN_PARAMS = ("host", "port", "dbname", "user", "options")


@dataclass(frozen=True, slots=True)
class PostgresUrl:
    """A parsed ``postgresql://`` URL."""

    url: str = field(repr=False)  # as given, password and all: for the driver only
    shown: str  # without the password
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def parse(cls, url: str) -> PostgresUrl:
        """Split *url*; raises ValueError for something that is no PostgreSQL URL."""
        text = url.strip()
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("postgresql", "postgres"):
            raise ValueError("a PostgreSQL URL starts with postgresql://")
        secrets: list[str] = []
        if parts.password:
            secrets.extend({parts.password, unquote(parts.password)})
        query = parse_qsl(parts.query, keep_blank_values=True)
        secrets.extend(value for key, value in query if key in _SECRET_PARAMS and value)
        netloc = parts.hostname or ""
        if ":" in netloc:  # an IPv6 address
            netloc = f"[{netloc}]"
        if parts.username:
            netloc = f"{quote(unquote(parts.username), safe='')}@{netloc}"
        try:
            port = parts.port
        except ValueError:
            raise ValueError("the port in the URL is not a number") from None
        if port is not None:
            netloc += f":{port}"
        shown_query = [(k, v) for k, v in query if k in _SHOWN_PARAMS]
        shown = f"postgresql://{netloc}{parts.path}"
        if shown_query:
            shown += "?" + urlencode(shown_query, safe="/")
        return cls(url=text, shown=shown, secrets=tuple(s for s in secrets if s))

    def scrub(self, text: str) -> str:
        """*text* with every occurrence of the URL's password (and the URL) replaced."""
        text = text.replace(self.url, self.shown)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text
