"""Behind a reverse proxy (``PATROL_PROXY_HOPS=1``), through the real server: each client
is known by the address the proxy forwards, so one address's guessing or bad reports hold
up that address only, the scheme the proxy saw makes cookies Secure and links https, and
parallel guesses never slip past the sign-in limit."""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import bench_module
from tests.webapp.conftest import password_of

pytestmark = pytest.mark.slow

load_driver = bench_module("load_driver")


@pytest.fixture(scope="module")
def behind_proxy(planned_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("proxy") / "city"
    shutil.copytree(planned_dir, root)
    env = {"PATROL_PROXY_HOPS": "1", "PATROL_LOGIN_RATE": "10/300",
           "PATROL_REPORT_RATE": "2/600"}
    with load_driver.Server(root, threads=16, env=env) as server:
        yield server


def _sign_in(url: str, name: str, password: str, client: str, proto: str = "http"):  # type: ignore[no-untyped-def]
    session = requests.Session()
    headers = {"X-Forwarded-For": client, "X-Forwarded-Proto": proto,
               # Over HTTPS the CSRF check wants the page's own origin as the referrer.
               "Referer": f"{proto}://{url.split('://', 1)[1]}/login"}
    form = session.get(f"{url}/login", headers=headers, timeout=10).text
    for cookie in session.cookies:  # Secure, as it should be: the test talks plain HTTP
        cookie.secure = False
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    answer = session.post(f"{url}/login", headers=headers, allow_redirects=False, timeout=30,
                          data={"username": name, "password": password, "csrf_token": token})
    return session, answer


def test_one_address_guessing_locks_out_that_address_only(behind_proxy) -> None:  # type: ignore[no-untyped-def]
    url = behind_proxy.url
    codes = [_sign_in(url, "manager", "guess-guess-1", "10.0.0.1")[1].status_code
             for _ in range(10)]
    assert codes == [401] * 10
    assert _sign_in(url, "manager", password_of("manager"), "10.0.0.1")[1].status_code == 429
    # The person, from another address, signs in (slowed, not refused).
    assert _sign_in(url, "manager", password_of("manager"), "10.0.0.2")[1].status_code == 302
    assert _sign_in(url, "admin", password_of("admin"), "10.0.0.3")[1].status_code == 302


def test_parallel_guesses_never_slip_past_the_limit(behind_proxy) -> None:  # type: ignore[no-untyped-def]
    url = behind_proxy.url
    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(lambda _: _sign_in(url, "dispatcher", "wrong-wrong-1",
                                                 "10.0.0.9")[1].status_code, range(40)))
    # Never more than the limit are checked (two counters racing may refuse one more).
    assert 8 <= codes.count(401) <= 10 and codes.count(401) + codes.count(429) == 40, codes


def test_bad_reports_count_for_their_own_address(behind_proxy) -> None:  # type: ignore[no-untyped-def]
    url = behind_proxy.url

    def report(client: str, body: dict[str, object]) -> int:
        return requests.post(f"{url}/api/reports", json=body, timeout=10,
                             headers={"X-Forwarded-For": client}).status_code

    assert [report("10.0.1.1", {"seen": "x"}) for _ in range(2)] == [400, 400]
    assert report("10.0.1.1", {"seen": "x"}) == 429
    assert report("10.0.1.2", {"lon": 24.9413, "lat": 60.1715, "seen": "someone"}) == 201


def test_https_at_the_proxy_makes_cookies_secure_and_links_https(behind_proxy) -> None:  # type: ignore[no-untyped-def]
    url = behind_proxy.url
    session, answer = _sign_in(url, "dispatcher", password_of("dispatcher"), "10.0.2.1",
                               proto="https")
    assert answer.status_code == 302
    assert "Secure" in answer.headers["Set-Cookie"]
    for cookie in session.cookies:
        cookie.secure = False
    headers = {"X-Forwarded-For": "10.0.2.1", "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "patrol.example.gov.cn"}
    page = session.get(f"{url}/", headers=headers, timeout=10).text
    assert "https://patrol.example.gov.cn/t/" in page


def test_without_a_proxy_forwarded_headers_are_not_believed(planned_dir: Path,
                                                            tmp_path: Path) -> None:
    root = tmp_path / "city"
    shutil.copytree(planned_dir, root)
    with load_driver.Server(root, env={"PATROL_LOGIN_RATE": "3/300"}) as server:
        for k in range(3):
            _sign_in(server.url, "manager", "guess-guess-1", f"10.9.0.{k}")
        # Every guess came from this one real address, whatever the header said.
        assert _sign_in(server.url, "admin", password_of("admin"),
                        "10.9.9.9")[1].status_code == 429
