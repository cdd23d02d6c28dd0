"""The dispatcher's language: Chinese or English, chosen with a switch in the header.

The choice is kept in a ``lang`` cookie. Page text is written in English and
looked up in a small catalogue (:data:`webapp.catalogue.ZH`); ``_()`` is a Jinja
global, so a template writes ``{{ _("Left out") }}``. Text with values uses
``{name}`` fields: ``_("{n} checks", n=3)``.
"""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, Flask, redirect, request
from werkzeug.wrappers import Response

from dispatch.errors import FieldProblem
from webapp.access import Audience, allow
from webapp.catalogue import EN, ZH

LANGUAGES = ("zh", "en")
COOKIE = "lang"
#: A year: the dispatcher's choice outlives a browser restart.
COOKIE_AGE = 365 * 24 * 3600

bp = Blueprint("lang", __name__)


def current_lang() -> str:
    """The cookie's language, else the browser's preference, else Chinese."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="zh") or "zh"


def translate(text: str, /, **values: object) -> str:
    """``text`` in the current language, with ``values`` filled in."""
    found = ZH.get(text, text) if current_lang() == "zh" else EN.get(text, text)
    return found.format(**values) if values else found


def one_language(bilingual: str) -> str:
    """The current language's half of a "中文 English" label (a cold level's name)."""
    chinese, space, english = bilingual.partition(" ")
    if not space or not chinese or chinese.isascii():
        return bilingual
    return chinese if current_lang() == "zh" else english


def problem_text(problem: FieldProblem) -> str:
    """A form problem from ``dispatch`` in the current language."""
    return translate(problem.message, **dict(problem.values))


@bp.get("/lang/<code>")
@allow(Audience.PUBLIC)
def switch(code: str) -> Response:
    """Keep the chosen language and go back to the page the switch was pressed on."""
    back = request.args.get("next", "/")
    if urlparse(back).netloc or not back.startswith("/"):
        back = "/"  # never send the dispatcher to another site
    answer = redirect(back)
    if code in LANGUAGES:
        answer.set_cookie(COOKIE, code, max_age=COOKIE_AGE, samesite="Lax")
    return answer


def init_app(app: Flask) -> None:
    """``_()``, the current language and the switch, for every template."""
    app.jinja_env.globals["_"] = translate
    app.jinja_env.globals["current_lang"] = current_lang
    app.jinja_env.filters["one_language"] = one_language
    app.register_blueprint(bp)
