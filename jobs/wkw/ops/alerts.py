"""Failure alerts for the DAG: every failed task is logged with a readable summary, and e-mailed when
an SMTP connection (`wkw_smtp`, host/port/login/password; recipients in `[alerts] email_to`) exists."""

from __future__ import annotations

import logging
from email.message import EmailMessage

log = logging.getLogger("wkw.ops.alerts")
SMTP_CONN_ID = "wkw_smtp"
DEFAULT_SMTP_PORT = 25


def failure_summary(context: dict) -> str:
    ti = context.get("task_instance") or context.get("ti")
    exception = context.get("exception")
    return (
        f"Who Knows Whom: task {ti.task_id} of DAG {ti.dag_id} failed for logical date {context.get('ds')} "
        f"(try {ti.try_number}). Nothing of that night is published; the previous publication stays current. "
        f"Error: {exception}"
    )


def _airflow_connection(conn_id: str):
    from airflow.sdk import BaseHook

    return BaseHook.get_connection(conn_id)


def notify_failure(context: dict, lookup=_airflow_connection, settings=None) -> str:
    """on_failure_callback: log the summary; mail it when recipients and an SMTP connection are configured."""
    # Imported here, not at the top: the DAG file imports this module at every parse.
    from wkw.config import load_settings
    from wkw.serve.errors import SendFailed
    from wkw.serve.introduce_mail import SmtpRelay, send_message

    summary = failure_summary(context)
    log.error(summary)
    recipients = list((settings or load_settings()).alerts.email_to)
    if not recipients:
        return summary
    try:
        conn = lookup(SMTP_CONN_ID)
    except Exception:  # no such connection: the log line is the alert
        log.info("no Airflow connection %r: failure alert logged only", SMTP_CONN_ID)
        return summary
    message = EmailMessage()
    message["Subject"] = summary.split(". ")[0]
    message["From"] = conn.login or f"wkw-alerts@{conn.host}"
    message["To"] = ", ".join(recipients)
    message.set_content(summary)
    with_login = bool(conn.login and conn.password)
    relay = SmtpRelay(
        host=conn.host,
        port=conn.port or DEFAULT_SMTP_PORT,
        starttls=with_login,
        user=conn.login if with_login else None,
        password=conn.password if with_login else None,
    )
    try:
        send_message(relay, message)
    except SendFailed as error:
        log.error("failure alert could not be mailed: %s", error)
    return summary
