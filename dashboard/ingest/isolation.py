"""Imports from the web app run in a child process: a file that makes the reader crash or
swallow the memory (a workbook's stray cell, a parser's bug) ends that child, never the web
worker that serves everyone else.

The children fork from a small server process started once (multiprocessing's "forkserver",
the import modules preloaded), so each call costs a fork rather than a Python start, and no
thread of the web worker is copied. Each child gets a memory ceiling and a time limit."""
from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from typing import Any

from dashboard.ingest.errors import ImportRefused, Problem

MEMORY_LIMIT = 2 * 1024 ** 3  # bytes of address space for one import
TIME_LIMIT = 300  # seconds


def _child(sender, function: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    try:
        sender.send(("ok", function(*args, **kwargs)))
    except Exception as error:  # noqa: BLE001 — sent back as it is (an ImportRefused keeps its problems)
        sender.send(("error", error))
    finally:
        sender.close()


def run_isolated(function: Callable[..., Any], *args, file_name: str, **kwargs) -> Any:
    """`function(*args, **kwargs)` in a child process (a module-level function): its result,
    or its exception raised here. A child that dies or overruns becomes a refusal naming the
    file."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dashboard.ingest.importer", "dashboard.ingest.service"])
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args, kwargs), daemon=True)
    process.start()
    sender.close()
    state: str = "died"
    value: Any = None  # the reader's result, or its exception
    try:
        if receiver.poll(TIME_LIMIT):
            state, value = receiver.recv()
        else:
            state = "timeout"
    except EOFError:  # the child ended without a word: killed by the system, or crashed
        state = "died"
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receiver.close()
    if state == "ok":
        return value
    if state == "error" and not isinstance(value, MemoryError):
        raise value
    what = "trop long à lire" if state == "timeout" else "un fichier qui a épuisé la mémoire ou arrêté le lecteur"
    raise ImportRefused([Problem(
        file=file_name, line=None, column=None, found=what,
        expected=(f"un fichier lisible en {TIME_LIMIT // 60} minutes et {MEMORY_LIMIT // 1024 ** 3} Go au plus : "
                  "vérifiez qu'il ne contient pas de cellules remplies loin du tableau, ou découpez-le"))])
