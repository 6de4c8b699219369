import re


def test_openapi_document_lists_the_resources(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/enterprises",
        "/api/v1/enterprises/{pk}",
        "/api/v1/outlets",
        "/api/v1/points",
        "/api/v1/devices",
        "/api/v1/permits",
    ]:
        assert path in paths


def test_interactive_docs_are_served_locally(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    external = re.findall(r"""(?:src|href)=["'](?:https?:)?//[^"']+""", html)
    assert external == []
