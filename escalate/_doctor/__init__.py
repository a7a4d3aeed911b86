"""`escalate doctor`: run the troubleshooting guide's debugging order live against Red Cloud.

Token, whoami, numbers (each checked for ACTIVE and its SMS/MMS flags), and, only when asked,
a test send with a stable Idempotency-Key and a wait for its signed lifecycle webhooks. Every call
goes through an instrumented client, and the result is the same report as `escalate report`.
"""

from __future__ import annotations

from escalate._doctor._listener import WebhookListener
from escalate._doctor._run import DoctorResult, plan, run_doctor
from escalate._doctor._settings import (
    ENV_BASE_URL,
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_WEBHOOK_SECRET,
    DoctorSettings,
    SendSpec,
    SettingsError,
    base_url_from,
    credentials_from_env,
)
from escalate._doctor._steps import StepResult

__all__ = [
    "ENV_BASE_URL",
    "ENV_CLIENT_ID",
    "ENV_CLIENT_SECRET",
    "ENV_WEBHOOK_SECRET",
    "DoctorResult",
    "DoctorSettings",
    "SendSpec",
    "SettingsError",
    "StepResult",
    "WebhookListener",
    "base_url_from",
    "credentials_from_env",
    "plan",
    "run_doctor",
]
