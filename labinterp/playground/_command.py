"""``labinterp playground build OUT_DIR``: the command line's part of the playground."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_playground_command", "run_playground_command"]


def add_playground_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``playground build`` on the main parser's subcommands."""
    parser = sub.add_parser(
        "playground",
        help="build the teaching page that runs labinterp in the browser",
        description="Build a static site (Pyodide, pinned wheels, one page) that interprets "
        "panels in the browser with no server of its own.",
    )
    actions = parser.add_subparsers(dest="playground_command", required=True)
    build = actions.add_parser("build", help="assemble the site into a folder")
    build.add_argument("out_dir", help="the folder to build into (new, empty, or an earlier build)")
    build.add_argument(
        "--cache",
        default=None,
        help="where downloads are kept between builds (default: $LABINTERP_PLAYGROUND_CACHE "
        "or ~/.cache/labinterp/playground)",
    )
    build.add_argument(
        "--source", default=None, help="the labinterp checkout to build the wheel from"
    )


def run_playground_command(args: argparse.Namespace) -> int:
    """Run ``playground build``; progress goes to stderr, the summary to stdout."""
    # Imported here: the build's archive and subprocess modules would slow every other command.
    from labinterp.playground._build import build_site

    report = build_site(
        args.out_dir,
        source=args.source,
        cache_dir=args.cache,
        log=lambda message: print(message, file=sys.stderr),
    )
    print(report.summary())
    return 0
