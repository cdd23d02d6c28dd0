"""Phones checking in and dispatchers at work, against a real ``patrol serve`` on loopback.

Each simulated phone holds its team's link of the night and taps its route's
stops one after another; like the phone page's queue it keeps a check-in (with
the UUID it made at the tap) until the server answers 200/201, and re-sends it
after a dropped connection or a 5xx. Every tenth check-in is sent a second time
after its answer, as a phone does when the answer was lost on the way. Each
dispatcher signs in and polls the live board, takes a hotline call now and
then, and opens the board page. Every request's kind, latency and status is
kept, so a caller reads what was lost, duplicated or slow afterwards.

Used by ``tests/webapp/test_load.py`` and ``bench/load.py``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import func, select, text

from dispatch.models import CheckIn, Report
from dispatch.store import open_engine
from dispatch.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
#: A static file of the app: the probe that the server is up, and the cheapest request.
STATIC = "/static/team.css"
#: The board's clock during a load run (a moment of the planned shift).
DISPATCH_NOW = "21:00"
#: What each kind of request may answer; anything else is an error of the run.
EXPECTED = {"checkin": {200, 201}, "twin": {200, 201}, "resend": {200}, "board": {200},
            "report": {201}, "page": {200}, "static": {200}}
#: Connect and read time-outs of every request, in seconds.
TIMEOUT = (2.0, 15.0)
#: How long a phone waits before re-sending after no answer (its queue's retry).
RETRY_S = 0.2
#: The time between two taps as the phone's clock dates them.
TAP_GAP = timedelta(seconds=10)


@dataclass(frozen=True)
class Sample:
    """One request: what it was, when it started (monotonic s), how long, its status (0:
    no answer, the connection failed)."""

    kind: str
    started: float
    seconds: float
    status: int

    @property
    def answered_at(self) -> float:
        return self.started + self.seconds


@dataclass(frozen=True)
class PhoneRoute:
    """What one team's phone knows: its link's token and the stops of its route."""

    team_id: str
    token: str
    visits: tuple[str, ...]
    #: When the phone's first tap is dated (within the shift); each next one 10 s later.
    first_tap: datetime


@dataclass
class LoadResult:
    """Everything a run recorded; filled by many threads under one lock."""

    samples: list[Sample] = field(default_factory=list)
    #: UUID -> status of each check-in the server answered with success (200/201).
    accepted: dict[str, int] = field(default_factory=dict)
    #: Check-ins still waiting in a phone's queue when the run ended.
    unsent: list[str] = field(default_factory=list)
    #: Phones that went through to the end (a phone that stopped early lost its queue).
    phones_done: int = 0
    #: Statuses of a check-in and its crossing twin, both sent at once (both answered).
    twins: list[tuple[int, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def of(self, kind: str) -> list[Sample]:
        return [s for s in self.samples if s.kind == kind]

    def errors(self, *, answered_only: bool = True) -> list[Sample]:
        """Requests whose status is not one their kind may answer (0 = no answer)."""
        return [s for s in self.samples if s.status not in EXPECTED[s.kind]
                and (s.status != 0 or not answered_only)]

    def percentiles(self, kind: str) -> tuple[float, float]:
        """p50 and p95 latency of the kind's successful requests, in seconds."""
        return percentiles([s.seconds for s in self.of(kind) if s.status in EXPECTED[kind]])

    def summary(self, seconds: float, *, reference_s: float | None = None) -> str:
        """One line per kind: count, rate, p50/p95 in ms, errors; with ``reference_s``, the
        ratio of each p50 to that reference latency."""
        lines = []
        for kind in EXPECTED:
            found = self.of(kind)
            if not found:
                continue
            p50, p95 = self.percentiles(kind)
            bad = sum(s.status not in EXPECTED[kind] for s in found)
            ratio = f"  p50 {p50 / reference_s:6.1f}x ref" if reference_s else ""
            lines.append(f"  {kind:8s} {len(found):6d} requests {len(found) / seconds:7.1f}/s  "
                         f"p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  not ok {bad}"
                         f"{ratio}")
        return "\n".join(lines)


def percentiles(values: Iterable[float]) -> tuple[float, float]:
    """p50 and p95 of ``values`` (NaN when there are fewer than two)."""
    data = sorted(values)
    if len(data) < 2:
        return float("nan"), float("nan")
    cuts = statistics.quantiles(data, n=100, method="inclusive")
    return cuts[49], cuts[94]


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``patrol serve`` on a data directory, as a child process that can be killed.

    ``processes`` web processes (more than one: gunicorn) and ``workers`` worker processes
    started beside it (0 when ``patrol worker`` runs apart, on a Redis queue); ``env``
    adds settings such as ``PATROL_QUEUE_URL`` and ``DATABASE_URL``.
    """

    def __init__(self, data_dir: Path, *, port: int | None = None, threads: int = 8,
                 processes: int = 1, workers: int = 1,
                 env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.threads = threads
        self.processes = processes
        self.workers = workers
        self.env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        #: The server's own messages (a pipe nobody reads could fill and stall it).
        self.log_path = data_dir.parent / f"{data_dir.name}-serve-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> float:
        """Start the server and wait until it answers; returns the seconds that took."""
        began = time.monotonic()
        # A drill puts many phones on each team's link (a night has one): the link's bound
        # on sends (PATROL_TEAM_RATE) is lifted, as the hotline's is.
        env = os.environ | {"PYTHONPATH": str(REPO), "PATROL_DISPATCH_NOW": DISPATCH_NOW,
                            "PATROL_REPORT_RATE": "1000/60",
                            "PATROL_TEAM_RATE": "1000000/60"} | self.env
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "webapp.cli", "--data-dir", str(self.data_dir), "-q",
                 "serve", "--port", str(self.port), "--threads", str(self.threads),
                 "--processes", str(self.processes), "--workers", str(self.workers)],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True)
        self.wait_ready(began + timeout)
        return time.monotonic() - began

    def wait_ready(self, deadline: float) -> None:
        """Poll the static file until it answers 200, or fail with the server's own words."""
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"patrol serve stopped: {self._stderr()}")
            try:
                if requests.get(self.url + STATIC, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"patrol serve did not answer on {self.url} in time")

    def kill(self) -> None:
        """SIGKILL the server (and, as a power cut would, every process it started)."""
        if self.process is not None:
            _kill_group(self.process)

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 15 s), with every process it started."""
        _stop(self.process)

    def _stderr(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:]

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


class WorkerProcess:
    """``patrol worker`` as a child process (its own process group, so that it and the
    processes it forks can be killed together)."""

    def __init__(self, data_dir: Path, *, processes: int = 1,
                 env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.processes = processes
        self.env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}-worker-{id(self)}.log"

    def start(self) -> WorkerProcess:
        env = os.environ | {"PYTHONPATH": str(REPO)} | self.env
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "webapp.cli", "--data-dir", str(self.data_dir), "-q",
                 "worker", "--processes", str(self.processes)],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True)
        return self

    def children(self) -> list[int]:
        """The pids of the processes the worker forked (its scheduler and its workers)."""
        assert self.process is not None
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                               text=True).stdout.split()
        return [int(pid) for pid in found]

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 15 s), with the processes it forked."""
        _stop(self.process)

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class RedisServer:
    """Debian's ``redis-server`` on a free port, keeping nothing on disk."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20.0) -> RedisServer:
        import redis

        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return self
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM a child and wait; then SIGKILL its group (what it left behind, or all of it
    after 15 s)."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a child and every process of its group."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


@dataclass(frozen=True)
class Drill:
    """What the simulated people need of a planned night: the teams' phones and where a
    hotline caller saw someone (beside a hotspot of the plan)."""

    routes: list[PhoneRoute]
    report_point: tuple[float, float]


def prepare_drill(data_dir: Path) -> Drill:
    """Each team's link token and stops in the night the teams follow (the published plan,
    else the latest), made as the dispatcher's page makes them."""
    from webapp import create_app
    from webapp.resources import resources
    from webapp.tokens import link_expiry, make_team_token
    from webapp.views.pages import current_plan

    app = create_app({"DATA_DIR": str(data_dir)})
    with app.test_request_context("/"):  # current_plan reads the request's ?date=
        latest = current_plan()
        plan = resources().published_plan(latest.date) or latest
        expires = link_expiry(plan.shift_end)
        first_tap = plan.shift_start + timedelta(minutes=30)
        found = [PhoneRoute(r.team_id, make_team_token(r.team_id, plan.date, expires),
                            tuple(v.key for v in r.visits), first_tap)
                 for r in plan.routes if r.visits]
        place = min(plan.hotspots.values(), key=lambda p: p.id)
        resources().engine.dispose()
    if place.access is None:
        raise ValueError(f"hotspot {place.id} has no access point; rebuild the city")
    return Drill(found, (place.access[0] + 0.0004, place.access[1]))


def add_account(data_dir: Path, role: str, username: str, password: str) -> None:
    """Make a staff account with ``patrol user add ... --password-stdin``."""
    subprocess.run(
        [sys.executable, "-m", "webapp.cli", "--data-dir", str(data_dir), "-q", "user", "add",
         "--role", role, username, "--password-stdin"],
        input=password + "\n", text=True, check=True, capture_output=True,
        env=os.environ | {"PYTHONPATH": str(REPO)})


def sign_in(session: requests.Session, base_url: str, username: str, password: str) -> None:
    """Sign ``session`` in through the login form, as a member of staff does, and keep the
    page's CSRF token as the ``X-CSRFToken`` header of its requests."""
    form = session.get(f"{base_url}/login", timeout=TIMEOUT)
    form.raise_for_status()
    answer = session.post(f"{base_url}/login", timeout=TIMEOUT, allow_redirects=False,
                          data={"username": username, "password": password,
                                "csrf_token": _csrf(form.text, 'name="csrf_token"')})
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"sign-in as {username} failed: {answer.status_code}")
    page = session.get(f"{base_url}/dispatch", timeout=TIMEOUT)
    session.headers["X-CSRFToken"] = _csrf(page.text, 'name="csrf-token"')


def _csrf(page: str, marker: str) -> str:
    for tag in re.findall(r"<(?:input|meta)\b[^>]*>", page):
        if marker in tag:
            value = re.search(r'(?:value|content)="([^"]+)"', tag)
            if value:
                return value.group(1)
    raise RuntimeError(f"no CSRF token ({marker}) on the page")


@dataclass(frozen=True)
class Load:
    """How hard to push: phones tap every ``tap_s`` seconds; dispatchers poll the board
    every ``poll_s`` and take a hotline call every ``call_every``-th poll."""

    phones: int = 50
    dispatchers: int = 5
    tap_s: float = 1.0
    poll_s: float = 1.0
    call_every: int = 8
    resend_every: int = 10
    username: str = "dispatcher"
    password: str = "dispatcher-password-1"


def drive(base_url: str, drill: Drill, load: Load, seconds: float, *,
          during: Callable[[], None] | None = None, drain_s: float = 20.0) -> LoadResult:
    """Run ``load`` for ``seconds`` (calling ``during`` meanwhile, e.g. to kill and restart
    the server), then let phones empty their queues for up to ``drain_s``. Dispatchers sign
    in before the clock starts: a password check is slow on purpose (Argon2)."""
    result = LoadResult()
    desks = [requests.Session() for _ in range(load.dispatchers)]
    for desk in desks:
        sign_in(desk, base_url, load.username, load.password)
    stop = threading.Event()
    phones = [drill.routes[i % len(drill.routes)] for i in range(load.phones)]
    workers = [threading.Thread(target=_phone, daemon=True,
                                args=(base_url, route, load, i, stop, result, drain_s))
               for i, route in enumerate(phones)]
    workers += [threading.Thread(target=_dispatcher, daemon=True,
                                 args=(desk, base_url, drill.report_point, load, i, stop, result))
                for i, desk in enumerate(desks)]
    for worker in workers:
        worker.start()
    ends = time.monotonic() + seconds
    if during is not None:
        during()
    time.sleep(max(0.0, ends - time.monotonic()))
    stop.set()
    for worker in workers:
        worker.join(timeout=drain_s + 30)
    return result


def _phone(base_url: str, route: PhoneRoute, load: Load, number: int, stop: threading.Event,
           result: LoadResult, drain_s: float) -> None:
    """Tap the route's stops in turn; send the queue's oldest check-in until answered."""
    session = requests.Session()
    url = f"{base_url}/api/t/{route.token}/checkins"
    queue: deque[tuple[dict[str, object], bool]] = deque()  # (check-in, sent twice)
    next_tap = time.monotonic() + load.tap_s * (number / max(load.phones, 1))
    taps = 0
    while not stop.is_set():
        if time.monotonic() >= next_tap:
            queue.append((_checkin(route, number, taps),
                          (taps + number) % load.resend_every == load.resend_every - 1))
            taps += 1
            next_tap += load.tap_s
        if queue and not _send(session, url, queue, result):
            stop.wait(RETRY_S)
            continue
        stop.wait(max(0.0, next_tap - time.monotonic()) if not queue else 0)
    drain_until = time.monotonic() + drain_s
    while queue and time.monotonic() < drain_until:
        if not _send(session, url, queue, result):
            time.sleep(RETRY_S)
    with result.lock:
        result.unsent.extend(str(item["id"]) for item, _ in queue)
        result.phones_done += 1
    session.close()


def _send(session: requests.Session, url: str,
          queue: deque[tuple[dict[str, object], bool]], result: LoadResult) -> bool:
    """Send the oldest queued check-in; False when it must be tried again later."""
    item, resend = queue[0]
    twin, twin_status = None, []
    if resend:  # a re-send of the same check-in crosses the first on the way
        twin = threading.Thread(target=_send_twin, args=(url, item, result, twin_status))
        twin.start()
    status = _request(session, "post", url, "checkin", result, json=item)
    if twin is not None:
        twin.join()
        if status and twin_status[0]:
            with result.lock:
                result.twins.append((status, twin_status[0]))
    if status in (200, 201):
        with result.lock:
            result.accepted[str(item["id"])] = status
        queue.popleft()
        if resend:  # the answer "was lost": the phone sends the same check-in again
            _request(session, "post", url, "resend", result, json=item)
        return True
    if status == 429:  # the link's bound on sends: the phone keeps it and sends it later
        return False
    if 400 <= status < 500:  # refused for good: the phone shows the error, drops it
        queue.popleft()
        return True
    return False


def _send_twin(url: str, item: dict[str, object], result: LoadResult,
               status: list[int]) -> None:
    """The crossing copy, on a connection of its own (as a second try of the phone's)."""
    with requests.Session() as session:
        status.append(_request(session, "post", url, "twin", result, json=item))


def _checkin(route: PhoneRoute, number: int, tap: int) -> dict[str, object]:
    """The JSON a phone sends for its ``tap``-th stop: mostly nobody there, some places
    that could not be checked, now and then a person helped on the spot."""
    visit = route.visits[(number + tap) % len(route.visits)]
    body: dict[str, object] = {"id": str(uuid.uuid4()), "visit": visit,
                               "recorded_at": (route.first_tap + TAP_GAP * tap).isoformat(),
                               "outcome": "checked_nobody"}
    if tap % 7 == 3:
        body |= {"outcome": "could_not_check", "reason": "大门锁闭 gate locked"}
    elif tap % 11 == 5:
        body |= {"outcome": "person_found", "found_count": 1, "found_category": "elderly",
                 "accepts_help": True, "action": "helped_on_site"}
    return body


def _dispatcher(session: requests.Session, base_url: str, point: tuple[float, float],
                load: Load, number: int, stop: threading.Event, result: LoadResult) -> None:
    """Poll the board; every ``call_every``-th round take a hotline call and open the page."""
    rounds = 0
    stop.wait(load.poll_s * number / max(load.dispatchers, 1))
    offset = number * load.call_every // max(load.dispatchers, 1)  # the desks take turns
    while not stop.is_set():
        _request(session, "get", f"{base_url}/api/dispatch/board", "board", result)
        if (rounds + offset) % load.call_every == load.call_every - 1:
            _request(session, "post", f"{base_url}/api/dispatch/reports", "report", result,
                     json={"lon": point[0], "lat": point[1], "people": 1,
                           "categories": ["elderly"],
                           "seen": f"热线来电 hotline call {number}-{rounds}"})
            _request(session, "get", f"{base_url}/dispatch", "page", result)
            _request(session, "get", base_url + STATIC, "static", result)
        rounds += 1
        stop.wait(load.poll_s)
    session.close()


def _request(session: requests.Session, method: str, url: str, kind: str, result: LoadResult,
             **kwargs: object) -> int:
    began = time.monotonic()
    try:
        answer = session.request(method, url, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]
        status = answer.status_code
        answer.close()
    except requests.RequestException:  # refused, timed out, or cut off mid-answer
        status = 0
    result.add(Sample(kind, began, time.monotonic() - began, status))
    return status


@dataclass(frozen=True)
class Stored:
    """What the database holds after a run."""

    #: How often each check-in id is stored.
    checkins: Counter[str]
    reports: int
    #: What ``PRAGMA integrity_check`` says ("ok" when sound).
    integrity: str


def read_stored(data_dir: Path) -> Stored:
    """Read the data directory's database as the server left it."""
    engine = open_engine(Workspace.locate(data_dir).database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(CheckIn.client_id, func.count())
                                      .group_by(CheckIn.client_id)).all()
            reports = connection.execute(select(func.count(Report.id))).scalar_one()
            check = connection.execute(text("PRAGMA integrity_check")).scalar_one()
    finally:
        engine.dispose()
    return Stored(Counter({str(cid): int(n) for cid, n in rows}), int(reports), str(check))


# --- Searches through the API (bench/responsiveness.py, province.py, lost_jobs.py) ---

#: A job's states once it has ended.
ENDED = ("done", "failed")


def build_demo(data_dir: Path, *, teams: int = 4, seconds: float = 10.0) -> None:
    """The Helsinki demo city and a night of ``teams`` teams (half on foot) planned in it:
    its teams T1..Tn are on the roster, ready for ``POST /api/plan/<day>/run``."""
    from dispatch.city import build_city, demo_source
    from dispatch.night import NightOptions
    from dispatch.planning import plan_and_save
    from routes.solve import SolveParams

    workspace = Workspace.locate(data_dir)
    build_city(workspace, demo_source(workspace), "Helsinki (demo)")
    plan_and_save(workspace, NightOptions(teams=teams, on_foot=teams // 2),
                  params=SolveParams(time_limit_s=seconds, solution_limit=200))


def patrol_command(data_dir: Path, *args: str) -> None:
    """Run ``patrol --data-dir DATA_DIR -q ARGS`` to its end (its output dropped)."""
    subprocess.run([sys.executable, "-m", "webapp.cli", "--data-dir", str(data_dir), "-q",
                    *args], check=True, stdout=subprocess.DEVNULL,
                   env=os.environ | {"PYTHONPATH": str(REPO)})


def latest_night(data_dir: Path) -> datetime:
    """The shift start of the data directory's latest plan (other nights are planned
    beside it)."""
    from dispatch.planning import latest_plan
    from dispatch.store import session_factory

    engine = open_engine(Workspace.locate(data_dir).database_url)
    try:
        with session_factory(engine)() as session:
            plan = latest_plan(session)
    finally:
        engine.dispose()
    if plan is None:
        raise ValueError(f"no plan in {data_dir}")
    return plan.shift_start


def run_plan(session: requests.Session, base_url: str, night: object, teams: Iterable[str], *,
             start: str = "20:00", end: str = "06:00", temperature: float = -12) -> str:
    """``POST /api/plan/<night>/run`` as a signed-in dispatcher; the job's status URL
    (absolute). Raises with the answer's text unless it is 202."""
    answer = session.post(f"{base_url}/api/plan/{night}/run", timeout=TIMEOUT,
                          json={"teams": list(teams), "start": start, "end": end,
                                "temperature": temperature})
    if answer.status_code != 202:
        raise RuntimeError(f"plan of {night}: {answer.status_code} {answer.text[:300]}")
    return base_url + answer.json()["status_url"]


def job_status(session: requests.Session, status_url: str) -> dict[str, object]:
    """What the status URL answers now (state, elapsed_s, budget_s, version, messages)."""
    answer = session.get(status_url, timeout=TIMEOUT)
    answer.raise_for_status()
    found: dict[str, object] = answer.json()
    return found


@dataclass
class JobWatch:
    """A job followed by polling: when (monotonic s) it was seen running and ended."""

    status_url: str
    session: requests.Session
    submitted: float
    running_at: float | None = None
    ended_at: float | None = None
    last: dict[str, object] = field(default_factory=dict)

    @property
    def state(self) -> str:
        return str(self.last.get("state", "queued"))

    def poll(self) -> str:
        try:
            self.last = job_status(self.session, self.status_url)
        except requests.RequestException:
            return self.state
        now = time.monotonic()
        if self.state in ("running", *ENDED) and self.running_at is None:
            self.running_at = now
        if self.state in ENDED and self.ended_at is None:
            self.ended_at = now
        return self.state


def watch_jobs(watches: list[JobWatch], timeout_s: float, *, every_s: float = 0.5,
               stop: threading.Event | None = None) -> bool:
    """Poll every job until each has ended (True) or ``timeout_s`` passed (False)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
        states = [w.state if w.state in ENDED else w.poll() for w in watches]  # each one
        if all(state in ENDED for state in states):
            return True
        time.sleep(every_s)
    return all(w.state in ENDED for w in watches)


#: What marks trouble in a server's or a worker's log.
PROBLEM_MARKS = ("Traceback", "ERROR", "CRITICAL", "Exception", "WARNING", "warning:",
                 "locked", "Error")


#: Warnings that only say the server was busy: waitress queued a request until one of its
#: threads was free (counted apart, not as trouble).
BUSY_MARK = "Task queue depth"


def log_problems(paths: Iterable[Path]) -> list[str]:
    """Lines of the logs that tell of trouble (errors, tracebacks, warnings), with the
    log's name in front; waitress's "all threads busy" warnings left out."""
    found = []
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            if any(mark in line for mark in PROBLEM_MARKS) and BUSY_MARK not in line:
                found.append(f"{path.name}: {line.strip()}")
    return found


def print_log_problems(paths: Iterable[Path], *, shown: int = 8) -> None:
    """One line saying how many log lines told of trouble, and the first few distinct ones."""
    paths = list(paths)
    found = log_problems(paths)
    busy = sum(path.read_text(errors="replace").count(BUSY_MARK)
               for path in paths if path.exists())
    print(f"  logs ({', '.join(p.name for p in paths if p.exists())}): "
          f"{len(found)} lines of errors or warnings"
          f"{f' (and {busy} waitress warnings that every thread was busy)' if busy else ''}")
    seen: set[str] = set()
    for line in found:
        key = re.sub(r"\d+", "#", line)
        if key not in seen and len(seen) < shown:
            seen.add(key)
            print(f"    {line[:220]}")


def rss_mb(pid: int) -> float:
    """The resident memory of a process, in MB (NaN when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


@contextmanager
def work_dir(keep: Path | None) -> Iterator[Path]:
    """Where a benchmark builds its cities and its servers write their logs: ``keep`` (a
    new or empty directory, left there to read afterwards), else a temporary directory."""
    if keep is None:
        with tempfile.TemporaryDirectory() as work:
            yield Path(work)
        return
    if keep.exists() and any(keep.iterdir()):
        raise SystemExit(f"{keep} is not empty: give a new directory to keep the run in")
    keep.mkdir(parents=True, exist_ok=True)
    yield keep
    print(f"  cities, databases and logs kept in {keep}")
