"""The API's own description: `/openapi.json`, and `/docs`, a Swagger UI whose files
come from the flask-swagger-ui package (served by the backend: works offline)."""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify
from flask_swagger_ui import get_swaggerui_blueprint

from backend.context import settings
from backend.openapi_document import openapi_document

bp = Blueprint("api_docs", __name__)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(settings()))


def register_docs(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(get_swaggerui_blueprint(
        "/docs", "/openapi.json", config={"app_name": "NLP2Filters API", "deepLinking": True}))
