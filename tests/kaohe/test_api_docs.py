"""The API's documentation loads from the platform alone, and names every endpoint in Chinese."""

import re

import pytest
from django.utils import translation

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.django_db
def test_the_docs_page_loads_swagger_from_the_platform_only(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui.css" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), html
    assert "cdn" not in html.lower()


@pytest.mark.django_db
def test_every_endpoint_has_a_chinese_summary(client):
    with translation.override("zh-hans"):
        response = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    operations = [
        (method, path, operation)
        for path, item in response.json()["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 20
    missing = [(m, p) for m, p, op in operations if not CJK.search(op.get("summary", ""))]
    assert missing == []
