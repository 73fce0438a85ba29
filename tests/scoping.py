"""Reusable checks of gym scoping, for every app's tests.

`assert_gym_scoped(client, url_of_other_gym_row)` asserts a row of another gym answers 404
to every method the caller names, and `assert_list_excludes(client, list_url, ids)` that a
list never shows another gym's rows.
"""

from rest_framework.test import APIClient


def assert_other_gym_404(client: APIClient, url: str, methods=("get", "patch", "put", "delete"), data=None):
    for method in methods:
        response = getattr(client, method)(url, data or {}, format="json")
        assert response.status_code == 404, (method, url, response.status_code, response.content)
        assert response.json()["code"] == "not_found"


def assert_list_excludes(client: APIClient, list_url: str, foreign_ids) -> list[dict]:
    response = client.get(list_url, {"limit": 500})
    assert response.status_code == 200, response.content
    ids = {row["id"] for row in response.json()["results"]}
    assert not ids & set(foreign_ids), f"{list_url} shows another gym's rows {ids & set(foreign_ids)}"
    return response.json()["results"]
