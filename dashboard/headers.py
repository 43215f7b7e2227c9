"""Security headers of every response: Content-Security-Policy, framing, and the usual others.

- Scripts: only the app's own files, and Dash's two inline scripts by their hash (the renderer
  start-up and the pages router's title callback; `Dash.csp_hashes`). The app's clientside
  callbacks live in `assets/site/observatoire.js` for that reason. No 'unsafe-eval': neither
  Dash's renderer nor plotly.js's SVG maps need it (the browser tests read the console).
- Styles: 'self' and 'unsafe-inline'. Dash's renderer and plotly.js insert `<style>` elements
  at run time (measured: 23 refusals on the embed without it, `style-src-attr` alone is not
  enough) and React writes `style` attributes, none of which a hash can allow; styles cannot
  run code.
- Framing: the internal app cannot be framed at all (`frame-ancestors 'none'`, and
  X-Frame-Options for old browsers); the public app only by itself and the configured origins
  (OBSERVATOIRE_FRAME_ANCESTORS), the partners' sites that embed it.
"""
from __future__ import annotations

import re

from dash import Dash
from flask import Flask, Response, request

ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


def frame_ancestors(origins: tuple[str, ...] | None) -> str:
    """The CSP source list: 'none' for the internal app (None), else 'self' and the origins."""
    if origins is None:
        return "'none'"
    bad = [o for o in origins if not ORIGIN.match(o)]
    if bad:
        raise ValueError(f"OBSERVATOIRE_FRAME_ANCESTORS : origine invalide {bad[0]!r} "
                         "(attendu : https://hote[:port], séparées par des espaces)")
    return " ".join(["'self'", *origins])


def policy(app: Dash, ancestors: str) -> str:
    """The Content-Security-Policy of `app`, once its inline scripts are all registered."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(app.csp_hashes()),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ])


def install(server: Flask, app: Dash, origins: tuple[str, ...] | None) -> None:
    """`origins`: who may frame the app (None: nobody). Before the app's first request (Flask
    wants its hooks then); the policy is made on the first response, once Dash has set up its
    pages router and with it the last inline script."""
    ancestors = frame_ancestors(origins)
    fixed = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin" if origins is None else "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if origins is None:
        fixed["X-Frame-Options"] = "DENY"

    @server.after_request
    def secure(response: Response) -> Response:
        if "Content-Security-Policy" not in fixed:
            fixed["Content-Security-Policy"] = policy(app, ancestors)
        for name, value in fixed.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
