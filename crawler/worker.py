"""Document parsing off the reactor: worker processes, each document under limits.

One hostile file (a zip bomb, a 20,000-page PDF, a pattern that backtracks) must not
freeze a crawl or take the machine's memory. So parse_document runs in worker
processes, as many as the machine has cores (PARSE_WORKERS), each job under

- a memory limit (RLIMIT_AS, PARSE_MEMORY_MB): an allocation past it fails in the
  worker, which answers "too large", or dies, and is replaced;
- a time limit: PARSE_TIMEOUT seconds of CPU, plus PARSE_TIMEOUT_PER_PAGE for every
  page the document has (OCR of scanned pages is slow), at most PARSE_TIMEOUT_MAX.
  The kernel stops a worker past it (RLIMIT_CPU); the parent kills one whose wall
  clock runs far past it. Either way the answer is "too slow".

A worker lost this way is replaced; the crawl goes on. The answer is a ParseOutcome
like any other, without a report and with the reason ("too large: over the 2048 MB
memory limit"), which the spider records as a failure.

The parent side is a thread per worker slot, so callers either block (crawler.reparse)
or await (the spider, through Deferred: nothing blocks the reactor). A reparse hands a
worker its stored pages a batch at a time (parse_batch), each page under its own limits.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import logging
import marshal
import math
import os
import pickle
import queue
import resource
import select
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection

from crawler.caps import Limits
from crawler.children import leave_at_once, start_child
from crawler.reading_slot import NOT_READING, ReadingSlot
from output.bodies import inflate_body
from parsers.bounds import TOO_LARGE, TOO_SLOW
from parsers.model import ParseOutcome

logger = logging.getLogger(__name__)

# The wall clock a job may take, as a multiple of its CPU limit, before the parent
# kills it: the machine may be busy, so wall time runs ahead of CPU time.
WALL_FACTOR = 3
WALL_GRACE = 10.0
# Each step of niceness gives a process ~1.25 times less of a busy core (Linux CFS
# weights), so a niced worker's wall clock allowance grows by as much: a long parse is
# not killed as "too slow" for having yielded the core.
NICE_STEP = 1.25
# A worker is replaced once its address space (what RLIMIT_AS counts) passes this
# share of its memory limit, so that whatever a parse leaves behind (caches, fragments)
# never adds up to the limit and fails a good document as "too large"; looked at every
# MEMORY_CHECK_EVERY documents. On the real report pages a worker grows ~3.5 MB per
# 1,000 documents (68 -> 75 MB over 2,000), so it is seldom replaced for that: retiring
# every 2,000 documents instead cost 0.4 ms of CPU a report in a reparse of 10,000
# (a start is 0.5 s of CPU: imports). JOBS_PER_WORKER stays as a backstop where the
# address space cannot be read (no /proc).
RETIRE_AT_SHARE = 0.5
MEMORY_CHECK_EVERY = 50
JOBS_PER_WORKER = 100_000


_PAGE_SIZE = resource.getpagesize()
# The first byte of an answer that is a stored form's marshal bytes (_stored_bytes),
# sent as they are: wrapped in a pickled tuple they were copied and framed twice more.
# Every other message is a pickle, whose first byte (PROTO, protocol 2 and up) is 0x80.
STORED = b"S"
# The first byte of a batch's answer (ParsePool.parse_batch): the marshal of each of its
# documents' stored form bytes, in order.
BATCH = b"B"
PROTOCOL = pickle.HIGHEST_PROTOCOL


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# --- the worker process ----------------------------------------------------------------------


def _serve(conn, niceness: int = 0, slot: ReadingSlot | None = None) -> None:
    """A worker's loop: one job at a time, until told to stop (None) or killed.

    Its memory limit comes with its first job (the Limits' fields of every job), not on
    its command line: a pool starts its workers before it knows its limits (a reparse
    reads them from Scrapy's settings, ~0.3 s, while the workers import). ``slot``: where
    it says which document of a batch it reads (crawler.reading_slot)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl's to handle
    if niceness:
        os.nice(niceness)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a worker stopped by SIGXCPU dumps no core
    merge_freed_memory_at_once()
    worker = _Reader(conn, slot)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        if job[0] is None:  # (None, the Limits' fields, documents): ParsePool.parse_batch
            worker.take_limits(job[1])
            answers = [worker.stored(number, *doc) for number, doc in enumerate(job[2])]
            conn.send_bytes(BATCH + marshal.dumps(answers))
            continue
        body, url, content_type, charset, sent, pictures, compressed, hash_text, stored, both = job
        worker.take_limits(sent)
        try:
            outcome = worker.outcome(body, url, content_type, charset, pictures, compressed)
            if stored:  # the rows the database stores, built here rather than by its writer
                conn.send_bytes(STORED + _stored_bytes(outcome))  # as they are, not pickled
                continue
            answer = None
            if both and outcome.report is not None:
                # A form that cannot be built goes as before: its writer records it refused.
                with contextlib.suppress(Exception):
                    answer = ("done", *_for_the_crawl(outcome))
            if answer is not None:  # sent outside: a failed send is not followed by another
                conn.send(answer)
                continue
            digest = _text_hash(outcome) if hash_text else None
            conn.send(("done", outcome, digest))
        except MemoryError:
            del body
            conn.send(("done", worker.too_large(url), None))
        except Exception as error:  # parse_document promises not to raise; say so if it did
            conn.send(("done", _parser_error(url, error), None))


def _parser_error(url: str, error: Exception) -> ParseOutcome:
    return ParseOutcome(url, None, f"parser error: {error!r}"[:300])


class _Reader:
    """A worker's reading of one document after another under its limits: the Limits
    of the jobs, the memory limit of the first, and whether the attachment readers are
    imported yet."""

    def __init__(self, conn, slot: ReadingSlot | None = None) -> None:
        from parsers import parse_document
        from parsers.bounds import scan_pdf
        from parsers.sniff import plain_markup

        self.conn, self.slot = conn, slot
        self.parse_document, self.scan_pdf = parse_document, scan_pdf
        self.plain_markup = plain_markup
        self.fields, self.limits, self.memory_mb, self.readers = None, None, 0, False

    def take_limits(self, sent: tuple) -> None:
        if sent != self.fields:  # the Limits' fields (ParsePool.parse), the same for every job
            self.fields, self.limits = sent, Limits(*sent)
            if not self.memory_mb:  # the first job (a hard limit cannot be raised again)
                self.memory_mb = self.limits.memory_mb
                resource.setrlimit(resource.RLIMIT_AS, (self.memory_mb << 20,) * 2)

    def too_large(self, url: str) -> ParseOutcome:
        return ParseOutcome(url, None, _too_large(self.memory_mb))

    def outcome(
        self, body, url, content_type, charset, pictures, compressed, number=NOT_READING
    ) -> ParseOutcome:
        """parse_document of one document, its CPU limit armed (and told to the parent
        when a PDF's pages or a page's pictures give it more time; ``number``: its place
        in a batch, written in the slot with that limit)."""
        limits = self.limits
        _cpu_limit(limits.timeout)
        batched = self.slot is not None and number != NOT_READING  # only a batch's is read
        if batched:
            self.slot.put(number, limits.timeout)
        if compressed:  # a stored body (output.pages), inflated here, under the limits
            body = inflate_body(body)
        if not self.readers and not self.plain_markup(body, content_type):
            # The attachment readers are imported by the first job that may need them
            # (a crawl of pages never does: ~25 MiB a worker less), their imports not
            # counted in its time: the limit is armed again after them.
            self.readers = _import_readers()
            _cpu_limit(limits.timeout)
        pages = self.scan_pdf(body).pages if body.startswith(b"%PDF") else len(pictures or ())
        seconds = limits.seconds_for(pages)
        if seconds != limits.timeout:  # a PDF's pages or a page's pictures: more time
            _cpu_limit(seconds)
            if batched:
                self.slot.put(number, seconds)
            self.conn.send(("budget", seconds))  # else one message a job, not two
        outcome = self.parse_document(body, url, content_type, charset, pictures)
        if outcome.report is None and "MemoryError" in outcome.reason:
            # Caught by a reader on its way out ("parser error: MemoryError").
            outcome = self.too_large(url)
        return outcome

    def stored(
        self, number, body, url, content_type, charset, compressed, stored_digest=None
    ) -> bytes:
        """_stored_bytes of document ``number`` of a batch (a StoredAgain's when its
        report's parse digest is ``stored_digest``); a failure is its own answer."""
        try:
            outcome = self.outcome(body, url, content_type, charset, None, compressed, number)
            return _stored_bytes(outcome, stored_digest)
        except MemoryError:
            return _stored_bytes(self.too_large(url))
        except Exception as error:  # parse_document promises not to raise; say so if it did
            return _stored_bytes(_parser_error(url, error))


# glibc's mallopt parameter: the largest block that free() keeps in a "fast bin".
_M_MXFAST = 1


def merge_freed_memory_at_once() -> bool:
    """Have this process's C library merge each freed block with its free neighbours at
    once, rather than keep small ones aside in glibc's fast bins (mallopt M_MXFAST 0);
    False where that cannot be set (no glibc). A page's tree is hundreds of thousands of
    small blocks, freed once the page's blocks are read; kept aside, they are merged by
    the next large allocation, while the same page is still being interpreted: a 2 MiB
    page of tables spent 67-80 ms in interpret so, 17-18 ms without, and 267-326 ms in
    all against 216-231 (docs/speed-log.md, "Freed trees merged at once"). The real report
    pages: no change measured. For the worker processes, which own their process;
    parse_document, which may be called in anyone's, leaves the allocator alone."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):
        return False
    return mallopt(_M_MXFAST, 0) == 1


def _import_readers() -> bool:
    with contextlib.suppress(ImportError):  # a missing reader says so in its outcome
        import docx  # noqa: F401
        import pdfplumber  # noqa: F401
    return True


def _text_hash(outcome: ParseOutcome) -> str | None:
    """The report's identity text hash (output.identity), worked out here, in parallel,
    rather than by the one process that stores the reports."""
    from output.text_identity import text_hash

    return text_hash(outcome.report.body_text) if outcome.report is not None else None


def _stored_bytes(outcome: ParseOutcome, stored_digest: str | None = None) -> bytes:
    """output.stored_form of the outcome (its text hash worked out too), as sent; a
    StoredAgain when its report's parse digest is ``stored_digest``."""
    from output.stored_form import answer_bytes

    return answer_bytes(outcome, stored_digest)


def _for_the_crawl(outcome: ParseOutcome) -> tuple[ParseOutcome, str | None, bytes]:
    """A report page's answer to a crawl: (the outcome for its pipelines, the text hash,
    output.stored_form's bytes for its writer). The outcome goes without the report's
    text and sections, which only the stored rows hold (the crawl's process never reads
    them: a third of unpickling the outcome there, beside the reactor), and with its
    warnings as read: stored_form appends an out-of-range cell's warning to the report's
    own, which the feed's record, made from the outcome, never had."""
    from output.stored_form import stored_form, to_bytes

    report = outcome.report
    lean = dataclasses.replace(report, body_text="", sections={}, warnings=list(report.warnings))
    form = stored_form(outcome)
    return dataclasses.replace(outcome, report=lean), form.report.text_hash, to_bytes(form)


def _stored_answer(answer):
    """The StoredOutcome of an answer: sent as bytes by the worker (_stored_bytes), or a
    ParseOutcome without a report (a limit passed, a worker lost, a parser error)."""
    from output.stored_form import from_bytes, stored_form

    return from_bytes(answer) if isinstance(answer, bytes) else stored_form(answer)


def _cpu_limit(seconds: float) -> None:
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(spent + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _too_large(memory_mb: int) -> str:
    return f"{TOO_LARGE}: over the {memory_mb} MB memory limit"


def _too_slow(seconds: float) -> str:
    return f"{TOO_SLOW}: over the {seconds:.0f} s time limit"


# --- the parent side -------------------------------------------------------------------------


class _Worker:
    """One worker process: `python -m crawler.worker FD NICENESS SLOT` (crawler.children;
    SLOT: the descriptor of its crawler.reading_slot)."""

    def __init__(self, niceness: int = 0):
        self.slot = ReadingSlot()
        try:
            self.process, self.conn = start_child(
                "crawler.worker", niceness, self.slot.fd, fds=(self.slot.fd,)
            )
        finally:
            self.slot.close_descriptor()
        # Waited on with a poll object of its own: Connection.poll builds a selector at
        # each call (28 us against 1.5 us, paid at every job of a crawl or reparse).
        self.answer = select.poll()
        self.answer.register(self.conn.fileno(), select.POLLIN)
        self.jobs = 0
        self.checked = 0  # its jobs when its memory was last looked at

    def address_space(self) -> int | None:
        """Bytes of address space the worker holds (VmSize), or None when unknown."""
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as statm:
                return int(statm.read().split(maxsplit=1)[0]) * _PAGE_SIZE
        except (OSError, ValueError, IndexError):
            return None

    def exit_code(self) -> int | None:
        try:
            return self.process.wait(5)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, kill: bool = False) -> None:
        if not kill:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        if kill or self.exit_code() is None:
            self.process.kill()
            self.process.wait()
        self.conn.close()
        self.slot.close()


class ParsePool:
    """parse_document in worker processes, under Limits. Thread-safe.

    niceness: the workers' (os.nice), so that the process feeding them and storing what
    they find keeps its core (crawler.reparse); their wall clock allowance grows to match.
    """

    def __init__(
        self,
        workers: int | None = None,
        limits: Limits | None = None,
        jobs_per_worker: int = JOBS_PER_WORKER,
        niceness: int = 0,
    ):
        self.size = workers or default_workers()
        self.niceness = max(0, niceness)
        self.wall_factor = WALL_FACTOR * NICE_STEP**self.niceness
        self.jobs_per_worker = max(1, jobs_per_worker)
        self.limits = limits or Limits()
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.started = 0
        self.lock = threading.Lock()
        self.threads = ThreadPoolExecutor(self.size, thread_name_prefix="parse")
        self.closed = False
        self.replaced = 0

    def start_workers(self) -> None:
        """Start every worker now (else each starts with the job that first needs it), so
        that their imports (~0.5 s of CPU each) run while a crawl fetches its first pages
        rather than while its first documents wait."""
        with self.lock:
            while self.started < self.size:
                self.started += 1
                self.idle.put(_Worker(self.niceness))

    def submit(
        self,
        body: bytes,
        url: str,
        content_type: str | None,
        charset: str | None,
        pictures: dict[str, bytes] | None = None,
        compressed: bool = False,
        text_hash: bool = False,
        stored_form: bool = False,
        with_stored: bool = False,
    ) -> Future:
        return self.threads.submit(
            self.parse,
            body,
            url,
            content_type,
            charset,
            pictures,
            compressed,
            text_hash,
            stored_form,
            with_stored,
        )

    def parse(
        self,
        body: bytes,
        url: str,
        content_type: str | None,
        charset: str | None,
        pictures: dict[str, bytes] | None = None,
        compressed: bool = False,
        text_hash: bool = False,
        stored_form: bool = False,
        with_stored: bool = False,
    ):
        """Parse one document in a worker and wait for it (blocks the calling thread);
        ``pictures``: a page's table pictures, read with it (parse_document);
        ``compressed``: body is zlib data, as stored, which the worker inflates;
        ``text_hash``: answer (outcome, output.identity.text_hash of its report's text, or
        None), the hash worked out by the worker;
        ``stored_form``: answer an output.stored_form.StoredOutcome instead of the outcome,
        the rows the database stores (and the text hash), built by the worker;
        ``with_stored``: answer (outcome, text hash, output.stored_form.to_bytes of the
        outcome, or None when it holds no report): the crawl's pipelines read the
        outcome, its writer stores the bytes."""
        worker = self._take()
        keep = False
        try:
            flags = (compressed, text_hash or with_stored, stored_form, with_stored)
            limits = self._limit_fields(self.limits)
            job = (body, url, content_type, charset, limits, pictures, *flags)
            answer, keep = self._run(worker, job, pickle.dumps(job, PROTOCOL))
            worker.jobs += 1
            outcome, digest, *stored = answer  # stored: with_stored's bytes, if a report
            if stored_form:
                return _stored_answer(outcome)
            if with_stored:
                return outcome, digest, stored[0] if stored else None
            return (outcome, digest) if text_hash else outcome
        finally:
            self._give_back(worker, keep)

    def submit_batch(self, documents: list[tuple]) -> Future:
        """parse_batch in the pool's threads: a Future of its list of answers."""
        return self.threads.submit(self.parse_batch, documents)

    def parse_batch(self, documents: list[tuple]) -> list:
        """Documents (body, url, content_type, charset, compressed[, stored digest]),
        each answered as ``parse(..., compressed=compressed, stored_form=True)`` answers
        it, or by an output.stored_form.StoredAgain when its report's parse digest is the
        stored digest given with it, in order: read by one worker one after another,
        one message each way. A worker that waits for
        its next job reads it a third slower (its core gone idle between), and the
        parent's thread wakes once a batch instead of once a document: a reparse of
        3,000 reports stored already, in batches of 25, took 5-29% less time
        (docs/speed-log.md, "A reparse's pages handed to a worker 25 at once"). Each
        document keeps its own limits. A batch whose worker is lost is read again
        (_read_again): without the document whose CPU limit stopped the worker, answered
        as too slow, when the worker's slot says which it was; else a document at a time,
        so that only the document at fault is answered as a failure."""
        worker = self._take()
        answers, died = None, False
        try:
            job = (None, self._limit_fields(self.limits), documents)
            worker.slot.clear()
            answers, died = self._run_batch(worker, pickle.dumps(job, PROTOCOL), len(documents))
            worker.jobs += len(documents)
        finally:
            culprit = _stopped_by_cpu_limit(worker, len(documents)) if died else None
            self._give_back(worker, answers is not None)
        if answers is None:
            return self._read_again(documents, culprit)
        return [_stored_answer(answer) for answer in answers]

    def _read_again(self, documents: list[tuple], culprit: tuple[int, float] | None) -> list:
        """The answers of a batch whose worker was lost. ``culprit``: (its number, its CPU
        seconds) of the document that passed its CPU limit: answered as too slow, not
        read again (it would pass its limit a second time); the others are read again as
        a batch. None (the worker killed from outside, past its memory or its wall
        clock): each document read alone."""
        if culprit is None:
            return [
                self.parse(body, url, content_type, charset, compressed=packed, stored_form=True)
                for body, url, content_type, charset, packed, *_ in documents
            ]
        number, seconds = culprit
        rest = [*documents[:number], *documents[number + 1 :]]
        answers = self.parse_batch(rest) if rest else []
        too_slow = ParseOutcome(documents[number][1], None, _too_slow(seconds))
        answers.insert(number, _stored_answer(too_slow))
        return answers

    def _give_back(self, worker: _Worker, keep: bool) -> None:
        """A worker done with its job back to the idle ones, or stopped: retired (its
        jobs done, its memory grown) or lost (killed when ``keep`` is false)."""
        if keep and not self.closed and self._fit(worker):
            self.idle.put(worker)
        else:
            worker.stop(kill=not keep)
            with self.lock:
                self.started -= 1
                if not keep:
                    self.replaced += 1

    @staticmethod
    @functools.cache
    def _limit_fields(limits: Limits) -> tuple:
        """The fields of limits as a job carries them: a dataclass took ten times as long
        to pickle and unpickle, at every job (Limits is frozen, so they are cached)."""
        return dataclasses.astuple(limits)

    def _fit(self, worker: _Worker) -> bool:
        """Whether a worker that answered may take another job (else it is retired)."""
        if worker.jobs >= self.jobs_per_worker:
            return False
        if worker.jobs // MEMORY_CHECK_EVERY == worker.checked // MEMORY_CHECK_EVERY:
            return True  # looked at once every MEMORY_CHECK_EVERY documents, batched or not
        worker.checked = worker.jobs
        size = worker.address_space()
        return size is None or size < RETIRE_AT_SHARE * (self.limits.memory_mb << 20)

    def _take(self) -> _Worker:
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            pass
        with self.lock:
            if self.started < self.size:
                self.started += 1
                return _Worker(self.niceness)
        return self.idle.get()

    def _run(self, worker: _Worker, job: tuple, sent: bytes) -> tuple[tuple, bool]:
        """((outcome, text hash or None[, with_stored's bytes]), whether the worker may be
        kept); sent: job pickled (plain pickle: Connection.send's ForkingPickler is a
        Pickler made anew for every message, for objects no job holds)."""
        url = job[1]
        seconds = self.limits.timeout
        try:
            worker.conn.send_bytes(sent)
            start = time.monotonic()
            while True:
                wall = seconds * self.wall_factor + WALL_GRACE
                left = start + wall - time.monotonic()
                if left <= 0 or not worker.answer.poll(math.ceil(left * 1000)):
                    logger.warning("parse worker over %.0f s on %s: killed", wall, url)
                    return (ParseOutcome(url, None, _too_slow(seconds)), None), False
                message = worker.conn.recv_bytes()
                if message[:1] == STORED:
                    return (message[1:], None), True
                kind, *answer = pickle.loads(message)
                if kind == "budget":
                    seconds = answer[0]
                    continue
                return tuple(answer), True
        except (EOFError, OSError, BrokenPipeError):
            pass
        # The worker died: past its CPU limit (SIGXCPU), or its memory (an allocation
        # failing where Python could not raise MemoryError).
        code = worker.exit_code()
        if code == -signal.SIGXCPU:
            return (ParseOutcome(url, None, _too_slow(seconds)), None), False
        reason = _too_large(self.limits.memory_mb)
        logger.warning("parse worker died (exit code %s) on %s", code, url)
        return (ParseOutcome(url, None, f"{reason} (worker exit code {code})"), None), False

    def _run_batch(self, worker: _Worker, sent: bytes, count: int) -> tuple[list | None, bool]:
        """(the answers of a batch of ``count`` documents (sent: its job pickled), or None
        when its worker died or ran past the wall clock of them all (then killed); whether
        it died)."""
        seconds = self.limits.timeout
        allowance = count * seconds * self.wall_factor + WALL_GRACE
        try:
            worker.conn.send_bytes(sent)
            deadline = time.monotonic() + allowance
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not worker.answer.poll(math.ceil(left * 1000)):
                    logger.warning(
                        "parse worker over %.0f s on %d documents: killed", allowance, count
                    )
                    return None, False
                message = worker.conn.recv_bytes()
                if message[:1] == BATCH:
                    return marshal.loads(message[1:]), False
                kind, *answer = pickle.loads(message)
                if kind != "budget":
                    return None, False
                deadline += (answer[0] - seconds) * self.wall_factor  # a long PDF's more time
        except (EOFError, OSError, BrokenPipeError):
            logger.warning(
                "parse worker died (exit code %s) on %d documents", worker.exit_code(), count
            )
            return None, True

    def close(self) -> None:
        self.closed = True
        self.threads.shutdown(wait=True, cancel_futures=True)
        while True:
            try:
                self.idle.get_nowait().stop()
            except queue.Empty:
                break


def _stopped_by_cpu_limit(worker: _Worker, count: int) -> tuple[int, float] | None:
    """(number, CPU seconds) of the document of a batch of ``count`` whose CPU limit
    stopped its worker, now dead (SIGXCPU), as the worker's slot says; None when it died
    otherwise."""
    if worker.exit_code() != -signal.SIGXCPU:
        return None
    number, seconds = worker.slot.reading()
    return (number, seconds) if 0 <= number < count else None


def limit_reason(outcome: ParseOutcome) -> str | None:
    """TOO_LARGE or TOO_SLOW when a document passed a limit, else None."""
    for reason in (TOO_LARGE, TOO_SLOW):
        if outcome.report is None and outcome.reason.startswith(reason):
            return reason
    return None


def deferred_of(future: Future):
    """A Twisted Deferred fired (in the reactor thread) when a concurrent future is done."""
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred

    deferred: Deferred = Deferred()

    def settle(done: Future) -> None:
        error = done.exception()
        if error is None:
            deferred.callback(done.result())
        else:
            deferred.errback(error)

    future.add_done_callback(lambda done: reactor.callFromThread(settle, done))
    return deferred


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), int(sys.argv[2]), ReadingSlot(int(sys.argv[3])))
    leave_at_once()
