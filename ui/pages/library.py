"""Library: the staff page. Three tabs: the collection (index statistics, the document list, uploads,
re-index and removal), "What users ask" (the question log's content-gap report, :mod:`ui.usage_view`) and a
retrieval test (:mod:`ui.retrieval_view`).

Behind a password (``ICGG_ADMIN_PASSWORD`` or ``st.secrets["admin_password"]``) compared in constant
time; the password is never shown, logged or kept in session state (only the fact that this session signed
in). With no password configured, staff functions are disabled. The re-index runs in a background thread
(:mod:`ui.jobs`) while every page keeps answering from the previous generation. A result message (the
re-index report, an upload or removal outcome) is shown to the session whose action it answers, and only
until that session's next action.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st

from icgg.settings import Settings
from ui.jobs import IngestJob, JobSnapshot
from ui.language import _
from ui.render import md_code, md_escape, md_escape_inline, pretty_type
from ui.resources import app_settings, current_assistant, get_embedder, ingest_job_slot
from ui.retrieval_view import render_retrieval_test
from ui.uploads import readable_document_check, store_upload
from ui.usage_view import render_usage

log = logging.getLogger(__name__)

SIGNED_IN = "library_signed_in"
FAILED_LOGINS = "library_failed_logins"
MAX_FAILED_LOGINS = 5
LOCKOUT_S = 60.0
FLASH = "library_flash"
# The re-index whose report this session may show: the one it started, until its next action.
REPORT_SHOWN = "library_report_of"
# Every key of the removal flow starts with this, so one call disarms all of it.
REMOVAL_STATE_PREFIX = "library-remove-"
PENDING_REMOVAL = f"{REMOVAL_STATE_PREFIX}pending"


def configured_password(settings: Settings) -> str:
    """The staff password from settings, else from Streamlit secrets; empty when none is configured."""
    password = settings.admin_password.get_secret_value()
    if password:
        return password
    try:
        return str(st.secrets.get("admin_password") or "")
    except (FileNotFoundError, KeyError):  # no secrets.toml at all
        return ""


def password_matches(given: str, expected: str) -> bool:
    """Constant-time comparison, so response time says nothing about how much of a guess was right."""
    return bool(expected) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def render() -> None:
    st.title(_("Library"))
    settings = app_settings()
    expected = configured_password(settings)
    if not expected:
        st.warning(
            _(
                "**Staff login is disabled**: no staff password is configured. Set the environment "
                "variable `ICGG_ADMIN_PASSWORD` (or `admin_password` in `.streamlit/secrets.toml`) and "
                "restart the app."
            ),
            icon=":material/lock:",
        )
        return
    if not st.session_state.get(SIGNED_IN):
        _login_form(expected)
        return
    st.button(_("Sign out"), key="library-signout", icon=":material/logout:", on_click=_sign_out)
    assistant = current_assistant(settings)
    collection, usage, retrieval = st.tabs([_("Collection"), _("What users ask"), _("Retrieval test")])
    with collection:
        if FLASH in st.session_state:
            st.success(st.session_state.pop(FLASH))
        if assistant is None:
            st.info(
                "**No document index yet.** Press **Re-index** below to build it from `corpus/` and the "
                "uploads.",
                icon=":material/info:",
            )
        else:
            _stats(assistant)
        _reindex(settings)
        _upload(settings)
        if assistant is not None:
            _documents(assistant, settings)
        _remove(assistant, settings)
    with usage:
        render_usage(settings)
    with retrieval:
        render_retrieval_test(assistant, settings)


# --- sign in ------------------------------------------------------------------------------------------
def _login_form(expected: str) -> None:
    st.write(_("Staff only: sign in to manage the document collection."))
    failures: list[float] = st.session_state.setdefault(FAILED_LOGINS, [])
    recent = [t for t in failures if time.time() - t < LOCKOUT_S]
    with st.form("library-login", clear_on_submit=True):
        given = st.text_input(_("Staff password"), type="password", key="library-password")
        submitted = st.form_submit_button(_("Sign in"), icon=":material/login:")
    if not submitted:
        return
    if len(recent) >= MAX_FAILED_LOGINS:
        st.error(_("Too many failed attempts. Wait a minute and try again."), icon=":material/lock_clock:")
        return
    if password_matches(given, expected):
        st.session_state[SIGNED_IN] = True
        st.session_state[FAILED_LOGINS] = []
        st.rerun()
    failures.append(time.time())
    log.warning("failed staff sign-in attempt")
    st.error(_("Wrong password."), icon=":material/error:")


def _sign_out() -> None:
    st.session_state[SIGNED_IN] = False
    _new_action()


def _new_action() -> None:
    """Another staff action began in this session: earlier result messages no longer apply."""
    st.session_state.pop(REPORT_SHOWN, None)
    st.session_state.pop(FLASH, None)


# --- statistics -----------------------------------------------------------------------------------------
def _stats(assistant) -> None:
    try:
        stats = assistant.stats()
    except Exception:
        log.exception("index statistics unavailable")
        st.warning("Index statistics are unavailable right now.")
        return
    st.subheader(_("Index"))
    cols = st.columns(3)
    cols[0].metric("Documents", stats.get("documents", 0))
    cols[1].metric("Passages (chunks)", stats.get("chunks", 0))
    cols[2].metric("Pages", stats.get("pages", 0))
    st.caption(
        md_escape_inline(
            f"Generation {stats.get('generation')} · built {stats.get('created_at') or 'unknown'} · "
            f"model {stats.get('model')} · serving {stats.get('serving_generation')}"
        )
    )
    if stats.get("fallback_from"):
        st.warning(
            md_escape(
                f"The newest generation {stats['fallback_from']} is damaged "
                f"({stats.get('fallback_reason')}); serving {stats.get('generation')}. Re-index to repair."
            )
        )
    by_type, by_year = stats.get("by_type") or {}, stats.get("by_year") or {}
    left, right = st.columns(2)
    if by_type:
        left.bar_chart(pd.Series(by_type, name="Documents").rename(index=pretty_type), horizontal=True)
    if by_year:
        right.bar_chart(pd.Series(by_year, name="Documents"))


# --- re-index ---------------------------------------------------------------------------------------------
def _job_key(settings: Settings) -> str:
    return str(Path(settings.index_dir).resolve())


def current_job(settings: Settings) -> IngestJob | None:
    lock, jobs = ingest_job_slot(settings)
    with lock:
        return jobs.get(_job_key(settings))


def start_reindex(settings: Settings, *, prune: bool, rebuild: bool) -> IngestJob | None:
    """Start a background ingest of the corpus and upload folders; None if one is already running."""
    from index.builder import ingest_paths

    lock, jobs = ingest_job_slot(settings)
    with lock:
        job = jobs.get(_job_key(settings))
        if job is not None and job.running:
            return None
        Path(settings.upload_dir).mkdir(parents=True, exist_ok=True)
        job = IngestJob(
            paths=[Path(settings.corpus_dir), Path(settings.upload_dir)],
            run=partial(ingest_paths, settings=settings, embedder=get_embedder(settings)),
            kwargs={"prune": prune, "rebuild": rebuild},
        )
        jobs[_job_key(settings)] = job
        job.start()
        return job


def _reindex(settings: Settings) -> None:
    st.subheader(_("Re-index"))
    job = current_job(settings)
    running = job is not None and job.running
    with st.form("library-reindex"):
        st.write(
            "Reads `corpus/` and the uploaded files, adds new and changed documents and publishes a new "
            "index generation. Unchanged documents are not re-read. Questions keep being answered from the "
            "current index meanwhile."
        )
        prune = st.checkbox("Drop documents whose files no longer exist", key="library-prune")
        rebuild = st.checkbox("Rebuild from scratch (re-read every document)", key="library-rebuild")
        go = st.form_submit_button("Re-index", icon=":material/sync:", disabled=running, type="primary")
    if go and not running:
        _new_action()
        job = start_reindex(settings, prune=prune, rebuild=rebuild)
        if job is None:
            st.warning("A re-index is already running.")
        else:
            st.session_state[REPORT_SHOWN] = _job_token(job)
        running = True
    if running:
        _job_progress()
    elif job is not None and st.session_state.get(REPORT_SHOWN) == _job_token(job):
        _job_report(job.snapshot())
    elif job is not None and (finished := job.snapshot().finished_at):
        st.caption(f"Last re-index finished at {time.strftime('%Y-%m-%d %H:%M', time.localtime(finished))}.")


def _job_token(job: IngestJob) -> str:
    """Which job a session's report flag refers to (a later job never inherits it)."""
    return f"{id(job)}-{job.snapshot().started_at}"


@st.fragment(run_every=1.0)
def _job_progress() -> None:
    """Polled every second while a job runs; on completion, reruns the page to show fresh statistics."""
    job = current_job(app_settings())
    if job is None:
        return
    snap = job.snapshot()
    if snap.running:
        st.progress(snap.fraction, text=snap.label)
        st.caption(f"Running for {time.time() - snap.started_at:.0f} s.")
    else:
        st.rerun(scope="app")


def _job_report(snap: JobSnapshot) -> None:
    if snap.error:
        st.error(md_escape(snap.error), icon=":material/error:")
        return
    report = snap.report
    if report is None:
        return
    took = (snap.finished_at or snap.started_at) - snap.started_at
    totals = report.totals
    summary = ", ".join(f"{n} {status}" for status, n in totals.items() if n)
    published = f"published generation {report.generation}" if report.generation else "nothing changed"
    reread = sum(1 for r in report.files if r.status == "unchanged" and r.reason)
    if reread:
        summary += f" ({reread} re-read)"
    text = f"Re-index finished in {took:.0f} s: {summary or 'no files'}; {published}."
    (st.warning if totals.get("failed") else st.success)(md_escape(text))
    for warning in report.warnings:
        st.warning(md_escape(warning))
    failures = [r for r in report.files if r.status in ("failed", "missing")]
    if failures:
        st.markdown("**Files that need attention**")
        st.dataframe(
            pd.DataFrame(
                [{"File": Path(r.path).name, "Status": r.status, "Reason": r.reason} for r in failures]
            ),
            hide_index=True,
            width="stretch",
        )
    st.download_button(
        "Download the full report (JSON)",
        report.to_json(),
        file_name="ingest-report.json",
        mime="application/json",
        key="library-report",
    )


# --- upload ----------------------------------------------------------------------------------------------
def _upload(settings: Settings) -> None:
    st.subheader(_("Add documents"))
    nonce = st.session_state.setdefault("library_upload_nonce", 0)
    with st.form("library-upload", clear_on_submit=True):
        files = st.file_uploader(
            f"PDF reports or news items (Markdown with front matter, HTML or text), up to "
            f"{settings.upload_max_mb:g} MB each",
            type=["pdf", "docx", "md", "markdown", "html", "htm", "txt"],
            accept_multiple_files=True,
            key=f"library-files-{nonce}",
        )
        save = st.form_submit_button("Save uploads", icon=":material/upload:")
    if not save or not files:
        return
    _new_action()
    max_bytes = int(settings.upload_max_mb * 1024 * 1024)
    check = readable_document_check(settings)
    saved, refused = [], []
    with st.spinner("Checking the files…"):
        for f in files:
            outcome = store_upload(f.getvalue(), f.name, settings.upload_dir, max_bytes, check=check)
            (saved if outcome.path else refused).append(outcome)
    if saved:
        st.success(
            "Saved "
            + ", ".join(f"{md_code(o.path.name)} ({_described(o)})" for o in saved)
            + ". Press **Re-index** to add them to the index."
        )
    for o in refused:
        st.error(f"Refused {md_code(o.original_name)}: {md_escape_inline(o.reason)}")
    st.session_state["library_upload_nonce"] = nonce + 1


def _described(upload) -> str:
    """Escaped "“Title”, dated 2019-03-12" of a checked upload: what the index will call it."""
    title = f"“{md_escape_inline(upload.title)}”" if upload.title else "untitled"
    return f"{title}, {md_escape_inline('dated ' + upload.date) if upload.date else 'undated'}"


# --- documents and removal -----------------------------------------------------------------------------
def _documents(assistant, settings: Settings) -> None:
    st.subheader(_("Documents"))
    docs = assistant.browse(sort="date")
    indexed_paths = {str(Path(d.path)) for d in docs}
    failed = _failed_uploads(settings)
    rows = [
        {
            "Title": d.title,
            "Date": d.date,
            "Type": pretty_type(d.doc_type),
            "Pages": d.n_pages,
            "Passages": d.n_chunks,
            "Status": "indexed",
            "File": Path(d.path).name,
            "Doc id": d.doc_id,
        }
        for d in docs
    ]
    upload_dir = Path(settings.upload_dir)
    if upload_dir.is_dir():
        for path in sorted(upload_dir.iterdir()):
            resolved = str(path.resolve())
            if path.name.startswith(".") or not path.is_file() or resolved in indexed_paths:
                continue
            status = f"failed: {failed[resolved]}" if resolved in failed else "uploaded, waiting for re-index"
            rows.append(
                {"Title": path.name, "Date": None, "Type": "upload", "Pages": None, "Passages": None,
                 "Status": status, "File": path.name, "Doc id": None}
            )  # fmt: skip
    columns = ["Title", "Status", "Date", "Type", "Pages", "Passages", "File", "Doc id"]
    st.dataframe(pd.DataFrame(rows, columns=columns), hide_index=True, width="stretch")


@dataclass(frozen=True)
class Removable:
    """Something staff can remove: an indexed document, or an uploaded file the index does not hold."""

    key: str  # "doc:<doc_id>" or "upload:<file name>": what the pending confirmation is bound to
    title: str
    path: Path
    doc_id: str | None  # None: an upload that failed or waits for a re-index (only its file exists)
    in_uploads: bool
    detail: str  # date and file name, or why the upload is not indexed

    @property
    def label(self) -> str:
        return f"{self.title} ({self.detail})"


def removable_items(assistant, settings: Settings) -> list[Removable]:
    """Indexed documents by title, then uploads that are not in the index (failed or waiting)."""
    upload_dir = Path(settings.upload_dir).resolve()
    items: list[Removable] = []
    indexed: set[str] = set()
    for d in assistant.browse(sort="title") if assistant is not None else []:
        path = Path(d.path)
        indexed.add(str(path.resolve()))
        items.append(
            Removable(
                key=f"doc:{d.doc_id}",
                title=d.title,
                path=path,
                doc_id=d.doc_id,
                in_uploads=path.resolve().is_relative_to(upload_dir),
                detail=f"{d.date or 'undated'}, {path.name}",
            )
        )
    failed = _failed_uploads(settings)
    if upload_dir.is_dir():
        for path in sorted(upload_dir.iterdir()):
            resolved = str(path.resolve())
            if path.name.startswith(".") or not path.is_file() or resolved in indexed:
                continue
            why = f"failed: {failed[resolved]}" if resolved in failed else "uploaded, not yet indexed"
            items.append(Removable(f"upload:{path.name}", path.name, path, None, True, why))
    return items


def _failed_uploads(settings: Settings) -> dict[str, str]:
    """Resolved path -> reason, for the files the last re-index of this app could not read."""
    job = current_job(settings)
    last = job.snapshot().report if job is not None else None
    files = last.files if last else []
    return {str(Path(r.path).resolve()): r.reason for r in files if r.status == "failed"}


def _forget_removal() -> None:
    """Disarm: no pending confirmation, no ticked box and no preselected document survive an action."""
    for key in [k for k in st.session_state if str(k).startswith(REMOVAL_STATE_PREFIX)]:
        del st.session_state[key]


def _remove(assistant, settings: Settings) -> None:
    st.subheader(_("Remove a document"))
    items = {r.key: r for r in removable_items(assistant, settings)}
    if not items:
        st.caption("Nothing to remove.")
        return
    pending = st.session_state.get(PENDING_REMOVAL)
    if pending not in items:  # none, or its document went away meanwhile (another session removed it)
        st.session_state.pop(PENDING_REMOVAL, None)
        _choose_removal(items)
    else:
        _confirm_removal(items[pending], settings)


def _choose_removal(items: dict[str, Removable]) -> None:
    """Step 1: pick one document; nothing is removed here."""
    with st.form("library-remove"):
        choice = st.selectbox(
            "Document",
            list(items),
            index=None,
            placeholder="Choose the document to remove",
            format_func=lambda key: items[key].label,
            key=f"{REMOVAL_STATE_PREFIX}doc",
        )
        go = st.form_submit_button("Remove…", icon=":material/delete:")
    if not go:
        return
    _new_action()
    if choice is None:
        st.warning("Choose the document to remove first.")
        return
    st.session_state[PENDING_REMOVAL] = choice
    st.rerun()


def _confirm_removal(item: Removable, settings: Settings) -> None:
    """Step 2: a confirmation bound to this one document, naming it; it is gone after one use."""
    from index.errors import IndexLockedError

    if item.doc_id is None:
        question = f"Delete the uploaded file “{item.title}” ({item.detail})? It is not in the index."
    else:
        question = f"Remove “{item.title}” ({item.detail}) from the index?"
    st.warning(md_escape(question), icon=":material/warning:")
    delete_file = item.doc_id is None
    if item.doc_id is not None and item.in_uploads:
        delete_file = st.checkbox(
            "Also delete its uploaded file", key=f"{REMOVAL_STATE_PREFIX}file:{item.key}"
        )
    left, right = st.columns(2)
    confirmed = left.button(
        f"Yes, remove “{md_escape_inline(item.title)}”", type="primary", key=f"{REMOVAL_STATE_PREFIX}confirm"
    )
    if right.button("Cancel", key=f"{REMOVAL_STATE_PREFIX}cancel"):
        _forget_removal()
        _new_action()
        st.rerun()
    if not confirmed:
        return
    _forget_removal()  # whatever happens next, the confirmation has been used
    _new_action()
    generation = None
    if item.doc_id is not None:
        from index.builder import remove_documents

        try:
            generation = remove_documents([item.doc_id], settings).generation
        except IndexLockedError:
            st.error("The index is busy with a re-index; try again when it has finished.")
            return
    deleted = delete_file and item.in_uploads and item.path.is_file()
    if deleted:
        item.path.unlink()
    if item.doc_id is None:
        message = f"Deleted the uploaded file “{item.title}”."
    else:
        note = (
            ""
            if deleted
            else (
                " Its file is still in the collection folder, so the next re-index adds it again unless"
                " the file is deleted."
            )
        )
        message = f"Removed “{item.title}” (new generation {generation}).{note}"
    st.session_state[FLASH] = md_escape(message)
    st.rerun()
