"""What `escalate doctor` runs against: read from the environment, never secrets from argv."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

ENV_CLIENT_ID: Final = "RC_CLIENT_ID"
ENV_CLIENT_SECRET: Final = "RC_CLIENT_SECRET"
ENV_BASE_URL: Final = "RC_BASE_URL"
ENV_WEBHOOK_SECRET: Final = "RC_WEBHOOK_SECRET"
DEFAULT_TEXT: Final = "escalate doctor test message"
#: The MMS media the test send carries (the media field name is NOT FOUND in the docs: `media`).
DEFAULT_MEDIA: Final = "https://example.com/escalate-doctor.png"


class SettingsError(ValueError):
    """A setting is missing or invalid (a usage error)."""


@dataclass(frozen=True)
class SendSpec:
    """The explicit test send: `--send --to E164 --from NUMBER_ID [--type SMS|MMS]`."""

    to: str
    from_number: str
    message_type: str = "SMS"
    text: str = DEFAULT_TEXT

    def idempotency_key(self) -> str:
        """A key stable for the same send, so re-running doctor never sends twice."""
        canonical = "|".join((self.from_number, self.to, self.message_type, self.text))
        return "escalate-doctor-" + hashlib.sha256(canonical.encode()).hexdigest()[:24]

    def body(self) -> dict[str, object]:
        """The JSON body of the send request."""
        body: dict[str, object] = {
            "sendFrom": self.from_number,
            "to": [self.to],
            "messageType": self.message_type,
            "text": self.text,
        }
        if self.message_type == "MMS":
            body["media"] = [DEFAULT_MEDIA]
        return body


@dataclass(frozen=True)
class DoctorSettings:
    """Everything one doctor run needs."""

    base_url: str
    client_id: str
    client_secret: str
    log_path: str
    send: SendSpec | None = None
    webhook_port: int | None = None  #: listen on 127.0.0.1:PORT for the send's lifecycle
    webhook_secret: str | None = None
    wait_s: float = 120.0
    timeout_s: float = 10.0


def credentials_from_env(environ: dict[str, str] | None = None) -> tuple[str, str]:
    """Return `(client_id, client_secret)` from RC_CLIENT_ID / RC_CLIENT_SECRET."""
    env = os.environ if environ is None else environ
    client_id, secret = env.get(ENV_CLIENT_ID, ""), env.get(ENV_CLIENT_SECRET, "")
    missing = [name for name, value in ((ENV_CLIENT_ID, client_id), (ENV_CLIENT_SECRET, secret))
               if not value]  # fmt: skip
    if missing:
        raise SettingsError(f"set {' and '.join(missing)} in the environment (never on argv)")
    return client_id, secret


def base_url_from(option: str | None, environ: dict[str, str] | None = None) -> str:
    """`--base-url`, else RC_BASE_URL; an http(s) URL without `user:secret@`.

    httpx would send userinfo as HTTP Basic credentials, in place of RC_CLIENT_ID and
    RC_CLIENT_SECRET: refused, and the error never repeats the URL (it holds a secret).
    """
    env = os.environ if environ is None else environ
    source = "--base-url" if option else ENV_BASE_URL
    url = (option or env.get(ENV_BASE_URL, "")).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise SettingsError(f"give --base-url or set {ENV_BASE_URL} to the API host (https://...)")
    if "@" in urlsplit(url).netloc:
        raise SettingsError(
            f"{source} must not carry credentials (user:secret@host; the URL is not shown): give "
            f"the host only, and set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} in the environment"
        )
    return url
