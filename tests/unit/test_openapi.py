"""The OpenAPI document covers every route the app serves, and /docs works offline."""
import re

import fakeredis
import pytest

from backend.app import create_app
from shared.settings import Settings


@pytest.fixture(scope="module")
def client():
    settings = Settings(_env_file=None, log_format="text", log_level="ERROR")
    return create_app(settings, redis_client=fakeredis.FakeRedis()).test_client()


def flask_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_route_and_method_is_documented(client):
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    served = {(flask_to_openapi(rule.rule), method.lower())
              for rule in client.application.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}
              if rule.endpoint != "static" and not rule.rule.startswith("/docs/<")}
    documented = {(path, method) for path, ops in doc["paths"].items()
                  for method in ops if method != "parameters"}
    assert served == documented


def test_references_resolve_and_api_routes_declare_their_errors(client):
    doc = client.get("/openapi.json").get_json()
    text = str(doc)
    for ref in set(re.findall(r"#/components/(\w+)/(\w+)", text)):
        assert ref[1] in doc["components"][ref[0]], ref
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            codes = set(op["responses"])
            if path.startswith("/api/"):
                assert {"401", "403", "429", "503"} <= codes, (path, method)
            assert any(c.startswith("2") for c in codes), (path, method)


def test_docs_page_uses_only_local_files(client):
    page = client.get("/docs/")
    assert page.status_code == 200 and b"swagger-ui" in page.data
    urls = re.findall(rb'(?:src|href)="([^"]+)"', page.data)
    assert len(urls) >= 3
    for url in urls:
        assert url.startswith(b"/docs/"), url  # no CDN
        assert client.get(url.decode()).status_code == 200, url
    assert b'"url": "/openapi.json"' in page.data
