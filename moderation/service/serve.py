"""`moderation serve`: verify the model, then serve the app with uvicorn, in one process or several.

With ``--workers N`` the parent binds the socket and starts N worker processes
(spawned, not forked: no threads or locks are inherited), each loading the
verified model file and serving the same socket; the parent restarts a worker
that dies and stops them all on SIGINT/SIGTERM. Settings travel to the workers
as arguments, never through the environment.

With a store (``--store URL``, or ``moderation review --db URL``) the parent
opens it once, which brings its schema up to date, before any worker starts;
each worker then opens its own connections.
"""
from __future__ import annotations

import copy
import ipaddress
import multiprocessing
import signal
import socket
import sys
import time
from typing import Any

from ..audit import store as audit_store
from ..scoring import Moderator, ModelError
from ..thresholds import SiteThresholds, load_thresholds
from .app import create_app
from .settings import Settings, key_id

#: A worker that dies within this many seconds of starting is a start-up failure, not a crash: give up.
START_GRACE_S = 30.0


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and "localhost"; any other name or address is reachable from outside."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def log_config() -> dict:
    """uvicorn's logging config plus the access log as bare JSON lines on stdout."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["json_line"] = {"format": "%(message)s"}
    config["handlers"]["moderation_access"] = {"formatter": "json_line", "class": "logging.StreamHandler",
                                               "stream": "ext://sys.stdout"}
    config["loggers"]["moderation.access"] = {"handlers": ["moderation_access"], "level": "INFO",
                                              "propagate": False}
    config["loggers"]["moderation.api"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def main(args, command: str = "serve") -> int:
    """Load and verify the model, the thresholds file and the store (fail fast with a message), then serve
    until interrupted."""
    store_url = getattr(args, "store", None)
    try:
        settings = Settings.from_env(**({"log_text": True} if getattr(args, "log_text", False) else {}))
        moderator = Moderator.load(args.model)
        thresholds = (load_thresholds(args.thresholds, moderator.thresholds, moderator.version)
                      if getattr(args, "thresholds", None) else SiteThresholds(dict(moderator.thresholds)))
        if store_url:
            audit_store.open_store(store_url).dispose()      # migrate once, before any worker
    except (ModelError, ValueError) as exc:      # InputError is a ValueError
        print(f"moderation {command}: error: {exc}", file=sys.stderr)
        return 2
    host = args.host or "127.0.0.1"
    if settings.api_keys:
        print(f"moderation serve: {len(settings.api_keys)} API key(s) required on /v1 "
              f"(ids {', '.join(key_id(k) for k in settings.api_keys)})", file=sys.stderr)
    elif not is_loopback(host):
        print(f"moderation serve: warning: listening on {host} without API keys; anyone who can reach "
              "this port can use the service. Set MODERATION_API_KEYS.", file=sys.stderr)
    import uvicorn

    options = {"host": host, "port": args.port, "access_log": False, "log_config": log_config()}
    if store_url:
        print(f"moderation {command}: review page at http://{host}:{args.port}/review", file=sys.stderr)
    if args.workers <= 1:
        engine = audit_store.open_store(store_url, upgrade=False) if store_url else None
        uvicorn.run(create_app(moderator, settings, engine, thresholds), **options)
        return 0
    return serve_workers(str(moderator.path), settings, args.workers, options, store_url, thresholds)


def _worker(model_path: str, settings: Settings, options: dict[str, Any], sock: socket.socket,
            store_url: str | None = None, thresholds: SiteThresholds | None = None) -> None:
    """One worker process: load the model, open the store, build the app, serve the shared socket."""
    import uvicorn

    engine = audit_store.open_store(store_url, upgrade=False) if store_url else None
    app = create_app(Moderator.load(model_path), settings, engine, thresholds)
    uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=[sock])


def serve_workers(model_path: str, settings: Settings, workers: int, options: dict[str, Any],
                  store_url: str | None = None, thresholds: SiteThresholds | None = None) -> int:
    """Bind once, run ``workers`` processes on the socket, restart crashed ones, stop all on a signal."""
    import uvicorn

    sock = uvicorn.Config("moderation.service.app:create_app", host=options["host"], port=options["port"]).bind_socket()
    ctx = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> tuple[multiprocessing.process.BaseProcess, float]:
        p = ctx.Process(target=_worker, args=(model_path, settings, options, sock, store_url, thresholds),
                        daemon=False)
        p.start()
        return p, time.monotonic()

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    procs = [start() for _ in range(workers)]
    print(f"moderation serve: {workers} workers on http://{options['host']}:{options['port']}", file=sys.stderr)
    status = 0
    try:
        while not stopping:
            time.sleep(0.2)
            for i, (p, started) in enumerate(procs):
                if p.is_alive() or stopping:
                    continue
                if time.monotonic() - started < START_GRACE_S:
                    print(f"moderation serve: error: worker {p.pid} exited with code {p.exitcode} while "
                          "starting; stopping", file=sys.stderr)
                    stopping, status = True, 1
                    break
                print(f"moderation serve: worker {p.pid} died (code {p.exitcode}); restarting it", file=sys.stderr)
                procs[i] = start()
    finally:
        for p, _ in procs:
            if p.is_alive():
                p.terminate()          # uvicorn shuts down gracefully on SIGTERM
        for p, _ in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
