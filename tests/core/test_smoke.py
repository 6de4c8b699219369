import json


def test_enterprise_list_scoped(users, api_client):
    response = api_client(users["county"]).get("/api/v1/enterprises")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["region_code"] == "330603"


def test_anonymous_gets_401(db, api_client):
    response = api_client(None).get("/api/v1/enterprises")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_token_flow(users, api_client):
    c = api_client(None)
    r = c.post(
        "/api/v1/auth/token",
        json.dumps({"username": users["regulator"].username, "password": "pw-for-tests"}),
        content_type="application/json",
    )
    token = r.json()["token"]
    r = c.get("/api/v1/enterprises", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.json()["count"] == 2
