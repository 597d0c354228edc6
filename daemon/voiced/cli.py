"""`voiced run | check | ctl | devices`: the command line (`voiced --version` prints the
version)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import TextIO

from voiced import __version__
from voiced.app.control import COMMANDS
from voiced.config import DEFAULT_PATH, Config, load
from voiced.errors import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, ConfigError, VoicedError

log = logging.getLogger("voiced")


def load_config(path: str | None) -> Config:
    """--config FILE, else /etc/voiced/voiced.toml when it exists, else built-in defaults."""
    if path is not None:
        return load(Path(path))
    try:
        present = DEFAULT_PATH.exists()
    except OSError:  # /etc/voiced not searchable by this user: say so through load()
        present = True
    if present:
        return load(DEFAULT_PATH)
    return Config()


def _config_error(exc: ConfigError, out: TextIO | None) -> int:
    """Say it once: printed to `out` by the commands a person runs, logged (structured, to
    journald under systemd, else to stderr) by `voiced run`."""
    if out is not None:
        print(f"voiced: configuration error: {exc}", file=out)
    else:
        log.error(
            "configuration error: %s",
            exc,
            extra={"VOICED_EVENT": "config_error", "VOICED_KEY": exc.key},
        )
    return EXIT_CONFIG


def cmd_run(args: argparse.Namespace) -> int:
    from voiced.logsetup import setup_logging

    setup_logging("info")
    try:
        config = load_config(args.config)
        setup_logging(config.log.level)
        if config.source == "(built-in defaults)":
            log.info("no configuration file (%s): using built-in defaults", DEFAULT_PATH)
    except ConfigError as exc:
        return _config_error(exc, None)

    from voiced.app.build import build_daemon

    async def main() -> int:
        try:
            daemon = build_daemon(config, reload=lambda: load_config(args.config))
        except ConfigError as exc:
            return _config_error(exc, None)
        return await daemon.run()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return EXIT_OK


def cmd_devices(args: argparse.Namespace) -> int:
    from voiced.audio.commands import list_devices

    return list_devices(sys.stdout)


def cmd_check(args: argparse.Namespace) -> int:
    from voiced.app.check import run_checks

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return _config_error(exc, sys.stdout)
    return run_checks(config, args.what, sys.stdout)


def cmd_ctl(args: argparse.Namespace) -> int:
    import errno
    import json

    from voiced.app.control import client_socket_path, send_command
    from voiced.config import ControlConfig

    if args.socket:
        path = client_socket_path(args.socket, explicit=True)
    else:
        try:
            configured = load_config(args.config).control.socket
        except ConfigError as exc:
            if exc.key != "(file)" or args.config is not None:
                return _config_error(exc, sys.stderr)
            # /etc/voiced/voiced.toml unreadable (not in group voiced): the socket will say
            # the same in one line; try the default path.
            configured = ControlConfig().socket
        path = client_socket_path(configured, explicit=False)
    try:
        reply = send_command(path, args.command)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            why = "permission denied: join group voiced (sudo usermod -aG voiced $USER, "
            why += "then log in again) or use sudo"
        elif exc.errno in (errno.ENOENT, errno.ECONNREFUSED):
            why = "no daemon is listening. Is it running (systemctl status voiced)?"
        else:
            why = f"{exc.strerror or exc}. Is it running (systemctl status voiced)?"
        print(f"voiced ctl: cannot reach the daemon at {path}: {why}", file=sys.stderr)
        return EXIT_FAILURE
    print(
        json.dumps(reply, indent=2)
        if args.command == "status"
        else ("ok" if reply.get("ok") else reply.get("error", "failed"))
    )
    return EXIT_OK if reply.get("ok") else EXIT_FAILURE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voiced", description=__doc__)
    parser.add_argument("--version", action="version", version=f"voiced {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the daemon in the foreground (systemd's way)")
    run.add_argument("--config", help=f"TOML file (default {DEFAULT_PATH} if it exists)")
    run.set_defaults(func=cmd_run)
    check = sub.add_parser("check", help="diagnose config, audio, GPIO, credentials, network")
    check.add_argument("--config")
    check.add_argument(
        "what",
        nargs="?",
        default="all",
        choices=["all", "config", "audio", "credentials", "network", "gpio"],
    )
    check.set_defaults(func=cmd_check)
    ctl = sub.add_parser("ctl", help="talk to the running daemon: status, press, release, …")
    ctl.add_argument("--config")
    ctl.add_argument("--socket", help="the control socket (default: control.socket)")
    ctl.add_argument(
        "command",
        choices=COMMANDS,
    )
    ctl.set_defaults(func=cmd_ctl)
    devices = sub.add_parser("devices", help="list ALSA cards and PCMs with their rates")
    devices.set_defaults(func=cmd_devices)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from voiced.audio.alsalog import route_alsa_errors_to_log

    route_alsa_errors_to_log()  # "ALSA lib …" lines go to our log at DEBUG, not stderr
    try:
        code: int = args.func(args)
        return code
    except VoicedError as exc:
        print(f"voiced: {exc}", file=sys.stderr)
        return EXIT_FAILURE
