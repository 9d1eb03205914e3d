"""The API's own description: `/openapi.json`, generated from the app's routes, and
`/docs`, a Swagger UI whose files come from the flask-swagger-ui package (served by the
backend: works offline)."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify
from flask_swagger_ui import get_swaggerui_blueprint

from backend.context import settings
from backend.openapi_document import openapi_document
from backend.openapi_operations import Content, Operation, declare, documented, json_content

bp = Blueprint("api_docs", __name__)
DOCS = "/docs"
DOCS_PAGE = Operation("Browsable API documentation (served offline)", {
    200: Content("HTML", {"text/html": {"type": "string"}})})


@bp.get("/openapi.json")
@documented("This document", {200: json_content({"type": "object"}, "OpenAPI 3.1")})
def openapi():
    return jsonify(openapi_document(current_app, settings()))


def register_docs(app: Flask) -> None:
    """The document's route, and Swagger UI's, whose page (a view of the library's) is
    declared here since its function is not ours to decorate."""
    app.register_blueprint(bp)
    app.register_blueprint(get_swaggerui_blueprint(
        DOCS, "/openapi.json", config={"app_name": "NLP2Filters API", "deepLinking": True}))
    page_endpoint, _ = app.url_map.bind("localhost").match(f"{DOCS}/")
    declare(app, page_endpoint, DOCS_PAGE)
