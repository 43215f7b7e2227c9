"""Everything configurable, read once from the environment.

Paths default to the checkout (the app is installed editable from its repository): `data/` and
`geo/` hold the shipped reference files, `var/` the SQLite store and the kept raw imports.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    var_dir: Path
    data_dir: Path
    geo_dir: Path
    secrecy_threshold: int = 10
    cache_redis_url: str | None = None
    url_prefix: str = "/"
    secret_key: str | None = None  # signs the session cookie; var/secret_key when unset
    # The public app: read-only, public pages and the open-data API only, framable by these origins.
    public: bool = False
    frame_ancestors: tuple[str, ...] = ()
    public_url: str | None = None  # the public observatory's address, for the embeds' "voir sur" link

    @property
    def raw_dir(self) -> Path:
        """Where the raw bytes of every import are kept, named by their SHA-256."""
        return self.var_dir / "imports"

    @property
    def upload_dir(self) -> Path:
        """Files uploaded on the import page, waiting for their confirmation."""
        return self.var_dir / "uploads"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    var_dir = Path(env.get("OBSERVATOIRE_VAR_DIR", PROJECT_ROOT / "var"))
    default_db = f"sqlite:///{var_dir / 'observatoire.sqlite'}"
    prefix = env.get("OBSERVATOIRE_URL_PREFIX", "/")
    if not prefix.endswith("/"):
        prefix += "/"
    return Settings(
        database_url=env.get("DATABASE_URL", default_db),
        var_dir=var_dir,
        data_dir=Path(env.get("OBSERVATOIRE_DATA_DIR", PROJECT_ROOT / "data")),
        geo_dir=Path(env.get("OBSERVATOIRE_GEO_DIR", PROJECT_ROOT / "geo")),
        secrecy_threshold=int(env.get("OBSERVATOIRE_SECRECY_THRESHOLD", "10")),
        cache_redis_url=env.get("CACHE_REDIS_URL") or None,
        url_prefix=prefix,
        secret_key=env.get("OBSERVATOIRE_SECRET_KEY") or None,
        public=env.get("OBSERVATOIRE_PUBLIC", "") in ("1", "true", "oui"),
        frame_ancestors=tuple(env.get("OBSERVATOIRE_FRAME_ANCESTORS", "").replace(",", " ").split()),
        public_url=_with_slash(env.get("OBSERVATOIRE_PUBLIC_URL") or None),
    )


def _with_slash(url: str | None) -> str | None:
    return url if url is None or url.endswith("/") else url + "/"
