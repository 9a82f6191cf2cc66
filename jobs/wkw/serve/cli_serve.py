"""`wkw serve` and `wkw serve-token`: the HTTP side (wkw.serve.http, docs/serve.md).

wkw serve                                   # 127.0.0.1:8000, behind the company's proxy
wkw serve --as maria.lopez@contoso.com      # one seller on their own machine (loopback only)
wkw serve-token dynamics --identity crm-integration@contoso.com   # prints a new bearer token once
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()
errors = Console(stderr=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str | None, typer.Option(help="address to listen on ([serve] host)")] = None,
        port: Annotated[int | None, typer.Option(help="port ([serve] port)")] = None,
        local_user: Annotated[
            str | None,
            typer.Option(
                "--as", help="answer every request without a proxy or token as this seller (loopback)"
            ),
        ] = None,
    ) -> None:
        """Serve the current publication over HTTP: the JSON API (/api/v1, /docs), the tile page a CRM
        embeds (/contacts/EMAIL), /healthz, /readyz and /metrics. A new publication is picked up
        without a restart."""
        import uvicorn

        from wkw.config import load_settings
        from wkw.serve.http.app import create_app

        settings = load_settings()
        settings = settings.with_conf(
            "serve", host=host or settings.serve.host, port=port or settings.serve.port
        )
        if local_user and not settings.serve.on_loopback:
            errors.print(f"--as answers anyone who can reach the server: refused on {settings.serve.host}")
            raise typer.Exit(2)
        app = create_app(settings, local_user=local_user)
        console.print(f"Who Knows Whom on {settings.serve.base_url} (lake {settings.lake})")
        uvicorn.run(app, host=settings.serve.host, port=settings.serve.port, log_level="warning")

    @app.command("serve-token")
    def serve_token(
        name: Annotated[str, typer.Argument(help="what the token is for, e.g. the CRM's name")],
        identity: Annotated[
            str, typer.Option(help="the directory user (a service account with the licence and a sales role)")
        ],
    ) -> None:
        """A new read-only bearer token for a CRM, stored hashed in [serve] tokens_file; printed once."""
        from wkw.config import load_settings
        from wkw.serve.http.identity import add_token

        settings = load_settings()
        try:
            token = add_token(settings.serve.tokens_file, name, identity)
        except ValueError as problem:
            errors.print(str(problem))
            raise typer.Exit(2) from problem
        errors.print(f"token {name!r} for {identity} stored hashed in {settings.serve.tokens_file}")
        print(token)
