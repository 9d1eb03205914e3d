"""`nlp2filters`: the command-line face of `client.Client`.

Exit codes: 0 success; 1 the work itself failed (a failed/canceled query or
batch, a wait that timed out); 2 the request was refused or could not be made
(an APIError, the service unreachable, a bad input file); 130 interrupted.
Data goes to stdout (JSON where there is structure), diagnostics to stderr, so
`nlp2filters query ... | jq` works.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TypeAlias

import requests

from client.api import DEFAULT_URL, PRIORITIES, APIError, Client
from shared.statuses import BatchStatus, JobStatus

JSONL_SUFFIXES = (".jsonl", ".ndjson")


class UsageError(Exception):
    """Bad local input (an unreadable or malformed file): reported like argparse, exit 2."""


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _eprint(*parts: Any) -> None:
    print(*parts, file=sys.stderr)


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = max(0, int(round(seconds)))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def format_status(view: dict[str, Any]) -> str:
    """One line per batch view, e.g. `in_progress 1234/5000 (24.7%) failed=0 eta=12s`.

    The count is the items done (processed + failed, as the backend counts
    them separately), so the fraction reaches total/total when the batch ends.
    """
    total = int(view.get("total") or 0)
    failed = int(view.get("failed") or 0)
    done = int(view.get("processed") or 0) + failed
    progress = view.get("progress")
    if progress is None:
        progress = done / total if total else 1.0
    return (f"{view.get('status')} {done}/{total} ({float(progress) * 100:.1f}%) "
            f"failed={failed} eta={format_eta(view.get('eta_seconds'))}")


def read_batch_file(path: str) -> tuple[list[str] | None, list[dict[str, Any]] | None]:
    """(texts, None) for a plain-text file, (None, items) for .jsonl/.ndjson."""
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {path}: {e}") from e
    if p.suffix.lower() not in JSONL_SUFFIXES:
        return [line.strip() for line in raw.splitlines() if line.strip()], None
    items = []
    for lineno, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as e:
            raise UsageError(f"{path}:{lineno}: not JSON: {e}") from e
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise UsageError(f'{path}:{lineno}: expected {{"custom_id": ..., "text": "..."}}')
        items.append(item)
    return None, items


def _watch(client: Client, batch_id: str, interval: float, to_stderr: bool) -> int:
    """Print a status line per poll until the batch ends; 1 if it ended badly."""
    out = sys.stderr if to_stderr else sys.stdout
    view = client.wait_batch(batch_id, poll=interval,
                             on_progress=lambda v: print(format_status(v), file=out, flush=True))
    return 0 if view.get("status") == BatchStatus.FINISHED else 1


def _filter_list(value: str) -> list[dict[str, Any]]:
    """--fixed-filters: a JSON list of filter objects."""
    try:
        filters = json.loads(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not JSON: {e}") from e
    if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
        raise argparse.ArgumentTypeError("a JSON list of filter objects")
    return filters


# -- subcommands ----------------------------------------------------------

def cmd_query(client: Client, args: argparse.Namespace) -> int:
    job = client.query(args.text, args.catalog, priority=args.priority, timeout=args.timeout,
                       now=args.now, timezone=args.timezone,
                       min_confidence=args.min_confidence, refine=args.refine,
                       fixed_filters=args.fixed_filters)
    if args.print_job_id:
        _eprint(f"job_id {job.get('job_id')}")
    if job.get("status") == JobStatus.FINISHED:
        _print_json(job.get("result"))
        return 0
    err = job.get("error") or {}
    if job.get("status") == JobStatus.FAILED and isinstance(err, dict):
        _eprint(f"job {job.get('job_id')} failed at stage {err.get('stage') or '?'}: "
                f"{err.get('code') or 'error'}: {err.get('message') or ''}".rstrip(": "))
    else:
        _eprint(f"job {job.get('job_id')} ended {job.get('status')}"
                + (f": {err}" if err else ""))
    return 1


def cmd_catalog_put(client: Client, args: argparse.Namespace) -> int:
    try:
        catalog = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read catalog {args.file}: {e}") from e
    if not isinstance(catalog, dict):
        raise UsageError(f"{args.file}: a catalog is a JSON object")
    if args.name:
        catalog["name"] = args.name
    stored = client.put_catalog(catalog)
    if not args.no_wait:
        view = client.wait_catalog_ready(stored["name"], timeout=args.timeout)
        stored = {"name": view.get("name", stored["name"]),
                  "version": view.get("version", stored.get("version")),
                  "status": view.get("status")}
    _print_json(stored)
    return 0


def cmd_batch_submit(client: Client, args: argparse.Namespace) -> int:
    texts, items = read_batch_file(args.file)
    if not (texts or items):
        raise UsageError(f"{args.file}: no queries in the file")
    batch = client.submit_batch(args.catalog, texts=texts, items=items,
                                priority=args.priority, webhook_url=args.webhook_url,
                                idempotency_key=args.idempotency_key)
    _print_json(batch)
    sys.stdout.flush()
    if not args.wait:
        return 0
    # Progress on stderr so stdout stays the batch JSON for scripts.
    return _watch(client, batch["batch_id"], args.interval, to_stderr=True)


def cmd_batch_status(client: Client, args: argparse.Namespace) -> int:
    if args.watch:
        return _watch(client, args.batch_id, args.interval, to_stderr=False)
    print(format_status(client.get_batch(args.batch_id)))
    return 0


def cmd_batch_results(client: Client, args: argparse.Namespace) -> int:
    _print_json(client.batch_results(args.batch_id, offset=args.offset, limit=args.limit))
    return 0


def cmd_batch_download(client: Client, args: argparse.Namespace) -> int:
    n = client.download_batch_results(args.batch_id, args.out)
    print(f"wrote {n} lines to {args.out}")
    return 0


def cmd_batch_cancel(client: Client, args: argparse.Namespace) -> int:
    _print_json(client.cancel_batch(args.batch_id))
    return 0


def cmd_batch_summary(client: Client, args: argparse.Namespace) -> int:
    _print_json(client.batch_summary(args.batch_id))
    return 0


# -- parser ---------------------------------------------------------------

def _non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The `nlp2filters` command line: `query`, `catalog put` and the `batch` actions."""
    conn = _connection_options()
    parser = argparse.ArgumentParser(
        prog="nlp2filters", description="Turn search text into catalog-valid filters.")
    parser.add_argument("--url", default=os.environ.get("NLP2F_URL") or DEFAULT_URL,
                        help="service base URL (env NLP2F_URL, default %(default)s)")
    parser.add_argument("--api-key", default=os.environ.get("NLP2F_API_KEY"),
                        help="API key sent as a Bearer token (env NLP2F_API_KEY)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_query(sub, conn)
    _add_catalog(sub, conn)
    _add_batch(sub, conn)
    return parser


def _connection_options() -> argparse.ArgumentParser:
    """`--url` and `--api-key` for every subcommand, so they are accepted before or after
    it: these copies default to SUPPRESS so they never override a value given earlier (or
    the environment default on the top parser)."""
    conn = argparse.ArgumentParser(add_help=False)
    conn.add_argument("--url", default=argparse.SUPPRESS,
                      help="service base URL (env NLP2F_URL, default %s)" % DEFAULT_URL)
    conn.add_argument("--api-key", default=argparse.SUPPRESS,
                      help="API key sent as a Bearer token (env NLP2F_API_KEY)")
    return conn


# what ArgumentParser.add_subparsers() returns (argparse names the class privately)
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _add_query(sub: Subcommands, conn: argparse.ArgumentParser) -> None:
    """`query TEXT --catalog NAME`: one text, waited for, its filters printed."""
    q = sub.add_parser("query", parents=[conn], help="submit one text and print its filters")
    q.add_argument("text")
    q.add_argument("--catalog", required=True)
    q.add_argument("--priority", choices=PRIORITIES, default="normal")
    q.add_argument("--timeout", type=float, default=60.0, help="seconds to wait (default 60)")
    q.add_argument("--now", help="reference time for relative dates (ISO 8601)")
    q.add_argument("--timezone", help="IANA timezone of --now (default UTC)")
    q.add_argument("--min-confidence", type=float,
                   help="leave out filters below this confidence (0-1)")
    q.add_argument("--refine", metavar="JOB_ID",
                   help="read TEXT as a change to that finished job's result (a follow-up)")
    q.add_argument("--fixed-filters", type=_filter_list, metavar="JSON",
                   help='your own filters, always kept: \'[{"field": "in_stock", "op": "eq", '
                        '"value": true}]\'')
    q.add_argument("--print-job-id", action="store_true",
                   help="write the job id to stderr (to --refine it next)")
    q.set_defaults(func=cmd_query)


def _add_catalog(sub: Subcommands, conn: argparse.ArgumentParser) -> None:
    """`catalog put FILE.json`: upload a catalog and wait until it is indexed."""
    cat = sub.add_parser("catalog", help="manage catalogs")
    cat_sub = cat.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    cp = cat_sub.add_parser("put", parents=[conn],
                            help="upload a catalog JSON file and wait until it is ready")
    cp.add_argument("file", metavar="FILE.json")
    cp.add_argument("--name", help="catalog name (default: the file's \"name\")")
    cp.add_argument("--timeout", type=float, default=120.0,
                    help="seconds to wait for indexing (default 120)")
    cp.add_argument("--no-wait", action="store_true", help="return right after the upload")
    cp.set_defaults(func=cmd_catalog_put)


def _add_batch(sub: Subcommands, conn: argparse.ArgumentParser) -> None:
    """`batch ACTION`: submit a file of queries, then follow, read and manage the batch."""
    b = sub.add_parser("batch", help="submit and follow batches")
    b_sub = b.add_subparsers(dest="batch_command", required=True, metavar="ACTION")
    _add_batch_submit(b_sub, conn)
    _add_batch_reading(b_sub, conn)


def _add_batch_submit(b_sub: Subcommands, conn: argparse.ArgumentParser) -> None:
    """`batch submit FILE --catalog NAME`, optionally following it until it ends."""
    bs = b_sub.add_parser("submit", parents=[conn],
                          help="submit a file of queries (.jsonl, or plain text one per line)")
    bs.add_argument("file", metavar="FILE")
    bs.add_argument("--catalog", required=True)
    bs.add_argument("--priority", choices=PRIORITIES, default="normal")
    bs.add_argument("--webhook-url")
    bs.add_argument("--idempotency-key",
                    help="re-running with the same key returns the same batch")
    bs.add_argument("--wait", action="store_true",
                    help="follow progress (on stderr) until the batch ends; "
                         "exit 1 if it failed or was canceled")
    bs.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)
    bs.set_defaults(func=cmd_batch_submit)


def _add_batch_reading(b_sub: Subcommands, conn: argparse.ArgumentParser) -> None:
    """The actions on a submitted batch, by its ID: status, results, download, cancel,
    summary."""
    st = b_sub.add_parser("status", parents=[conn], help="print a one-line progress summary")
    st.add_argument("batch_id", metavar="ID")
    st.add_argument("--watch", action="store_true",
                    help="print a new line every second until the batch ends")
    st.add_argument("--interval", type=float, default=1.0,
                    help="seconds between refreshes with --watch (default 1)")
    st.set_defaults(func=cmd_batch_status)

    rs = b_sub.add_parser("results", parents=[conn], help="print one page of results as JSON")
    rs.add_argument("batch_id", metavar="ID")
    rs.add_argument("--offset", type=_non_negative_int, default=0)
    rs.add_argument("--limit", type=int, default=100)
    rs.set_defaults(func=cmd_batch_results)

    dl = b_sub.add_parser("download", parents=[conn], help="save all results as JSONL")
    dl.add_argument("batch_id", metavar="ID")
    dl.add_argument("out", metavar="OUT.jsonl")
    dl.set_defaults(func=cmd_batch_download)

    cn = b_sub.add_parser("cancel", parents=[conn], help="cancel the items not yet run")
    cn.add_argument("batch_id", metavar="ID")
    cn.set_defaults(func=cmd_batch_cancel)

    sm = b_sub.add_parser("summary", parents=[conn], help="counts by status and by field")
    sm.add_argument("batch_id", metavar="ID")
    sm.set_defaults(func=cmd_batch_summary)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with Client(args.url, api_key=args.api_key) as client:
            return args.func(client, args)
    except APIError as e:
        _eprint(f"error: {e}")
        return 2
    except UsageError as e:
        _eprint(f"nlp2filters: error: {e}")
        return 2
    except TimeoutError as e:
        _eprint(f"timed out: {e}")
        return 1
    except requests.RequestException as e:
        _eprint(f"error: cannot reach {args.url}: {e}")
        return 2
    except KeyboardInterrupt:
        _eprint("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
